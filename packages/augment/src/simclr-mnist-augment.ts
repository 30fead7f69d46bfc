import type { Augmentation } from "@contrastive/core";
import { ContrastiveError, describeValue } from "@contrastive/core";
import { brightnessContrast } from "./brightness-contrast.js";
import { compose } from "./compose.js";
import { randomApply } from "./random-apply.js";
import { randomResizedCrop } from "./random-resized-crop.js";

/** Options of {@link simclrMnistAugment}. */
export interface SimclrMnistAugmentOptions {
  /** [height, width] of the views. Default [28, 28]. */
  size?: readonly [number, number];
}

/**
 * The view recipe of the project's SimCLR demo on MNIST digits (after Chen et al., "A Simple
 * Framework for Contrastive Learning of Visual Representations", 2020, without flips, which would
 * change digits, and without colour: the images are grey):
 *
 *   compose([randomResizedCrop({ size, scale: [0.4, 1], ratio: [3/4, 4/3] }),
 *            randomApply(0.8, brightnessContrast({ brightness: 0.4, contrast: 0.4 }))])
 *
 * `[N, H, W, C] → [N, size[0], size[1], C]`. Wrap it in {@link multiView} for the two views.
 *
 * @throws {ContrastiveError} when `size` is not two integers ≥ 1.
 * @example
 * const views = multiView(2, simclrMnistAugment()).apply(images, createRng(0)); // 2 × [N, 28, 28, 1]
 */
export function simclrMnistAugment(options: SimclrMnistAugmentOptions = {}): Augmentation {
  const { size = [28, 28] } = options ?? {};
  if (!Array.isArray(size) || size.length !== 2) {
    throw new ContrastiveError({ component: "simclrMnistAugment", argument: "size", received: describeValue(size), expected: "[height, width], e.g. [28, 28]" });
  }
  const recipe = compose([
    randomResizedCrop({ size, scale: [0.4, 1], ratio: [3 / 4, 4 / 3] }),
    randomApply(0.8, brightnessContrast({ brightness: 0.4, contrast: 0.4 })),
  ]);
  return { name: "simclrMnistAugment", apply: (images, rng) => recipe.apply(images, rng) };
}
