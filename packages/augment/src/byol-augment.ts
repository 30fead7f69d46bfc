import type * as tf from "@tensorflow/tfjs-core";
import type { Augmentation } from "@contrastive/core";
import { multiView } from "./multi-view.js";
import { byolRecipe, type ByolAugmentOptions } from "./preset-options.js";
import { vocabulary } from "./preset-vocabulary.js";

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
  const pair = multiView(byolRecipe("byolAugment", vocabulary, options));
  return { name: "byolAugment", apply: (images, rng) => pair.apply(images, rng) };
}
