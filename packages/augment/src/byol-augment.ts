import type * as tf from "@tensorflow/tfjs-core";
import type { Augmentation } from "@contrastive/core";
import { colorJitter } from "./color-jitter.js";
import { compose } from "./compose.js";
import { gaussianBlur } from "./gaussian-blur.js";
import { grayscale } from "./grayscale.js";
import { horizontalFlip } from "./horizontal-flip.js";
import { multiView } from "./multi-view.js";
import { normalize } from "./normalize.js";
import { checkPresetOptions, simclrBlurKernelSize, type ByolAugmentOptions } from "./preset-options.js";
import { randomApply } from "./random-apply.js";
import { randomResizedCrop } from "./random-resized-crop.js";
import { solarize } from "./solarize.js";

/**
 * BYOL's asymmetric pair of views on tensor batches (Grill et al., "Bootstrap Your Own Latent", 2020,
 * table 6): both views take randomResizedCrop(size, 0.08–1) → horizontalFlip(0.5) →
 * randomApply(0.8, colorJitter(0.4, 0.4, 0.2, 0.1)) → randomApply(0.2, grayscale), then Gaussian blur
 * (kernel ≈ 10% of size, σ 0.1–2) with p 1.0 in view 1 and 0.1 in view 2, and solarize (0.5) with p 0 in
 * view 1 and 0.2 in view 2; normalise last if asked.
 *
 * Takes `[N, H, W, C]` in [0, 1] and returns `[view1, view2]`, each `[N, size[0], size[1], C]`. The
 * image-side twin is `image.byolAugment`.
 *
 * @throws {ContrastiveError} when `size` is not two integers ≥ 1 or `normalize` has bad mean / std; in
 * `apply`, when the views are not larger than the blur's radius.
 * @example
 * const [online, target] = byolAugment({ size: [32, 32] }).apply(images, createRng(0));
 */
export function byolAugment(options: ByolAugmentOptions): Augmentation<tf.Tensor4D, tf.Tensor4D[]> {
  const { size } = checkPresetOptions("byolAugment", { ...options, strength: 1 });
  const view = (blurProbability: number, solarizeProbability: number): Augmentation => {
    const steps: Augmentation[] = [
      randomResizedCrop({ size, scale: [0.08, 1], ratio: [3 / 4, 4 / 3] }),
      horizontalFlip({ probability: 0.5 }),
      randomApply(0.8, colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1 })),
      randomApply(0.2, grayscale()),
      randomApply(blurProbability, gaussianBlur({ kernelSize: simclrBlurKernelSize(size), sigma: [0.1, 2] })),
    ];
    if (solarizeProbability > 0) steps.push(randomApply(solarizeProbability, solarize({ threshold: 0.5 })));
    if (options.normalize !== undefined) steps.push(normalize(options.normalize));
    return compose(steps);
  };
  const pair = multiView([view(1, 0), view(0.1, 0.2)]);
  return { name: "byolAugment", apply: (images, rng) => pair.apply(images, rng) };
}
