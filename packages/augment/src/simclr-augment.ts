import type { Augmentation } from "@contrastive/core";
import { simclrRecipe, type SimclrAugmentOptions } from "./preset-options.js";
import { vocabulary } from "./preset-vocabulary.js";

/**
 * One SimCLR view on tensor batches (Chen et al., "A Simple Framework for Contrastive Learning of
 * Visual Representations", 2020, appendix A), per image:
 *
 *   randomResizedCrop(size, scale 0.08–1, ratio 3/4–4/3) → horizontalFlip(0.5) →
 *   randomApply(0.8, colorJitter(0.8s, 0.8s, 0.8s, 0.2s)) → randomApply(0.2, grayscale) →
 *   randomApply(0.5, gaussianBlur(kernel ≈ 10% of size, σ 0.1–2)) [when the smaller side > 32] → normalize [if given]
 *
 * Takes `[N, H, W, C]` in [0, 1] and returns one view `[N, size[0], size[1], C]`; wrap it in
 * `multiView(2, …)` for SimCLR's pair. The image-side twin is `image.simclrAugment`.
 *
 * @throws {ContrastiveError} when `size` is not two integers ≥ 1, `strength` is outside [0, 1] or
 * `normalize` has bad mean / std.
 * @example
 * const [a, b] = multiView(2, simclrAugment({ size: [32, 32], strength: 0.5 })).apply(images, createRng(0));
 */
export function simclrAugment(options: SimclrAugmentOptions): Augmentation {
  const recipe = simclrRecipe("simclrAugment", vocabulary, options);
  return { name: "simclrAugment", apply: (images, rng) => recipe.apply(images, rng) };
}
