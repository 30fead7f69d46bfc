import { simclrRecipe, type SimclrAugmentOptions } from "../preset-options.js";
import type { ImageAugmentation } from "./image-plan.js";
import { vocabulary } from "./preset-vocabulary.js";

/**
 * One SimCLR view on the image side (Chen et al., "A Simple Framework for Contrastive Learning of
 * Visual Representations", 2020, appendix A), as torchvision recipes write it:
 *
 *   randomResizedCrop(size, scale 0.08–1, ratio 3/4–4/3) → horizontalFlip(0.5) →
 *   randomApply(0.8, colorJitter(0.8s, 0.8s, 0.8s, 0.2s)) → randomApply(0.2, grayscale) →
 *   randomApply(0.5, gaussianBlur(kernel ≈ 10% of size, σ 0.1–2)) [large images] → normalize [if given]
 *
 * Takes the plan of a decoded image (any size), returns the plan of one view `[size[0], size[1], C]`;
 * wrap it in `image.multiView(2, …)` for SimCLR's pair and render with `image.imageBatch`.
 *
 * @throws {ContrastiveError} when `size` is not two integers ≥ 1, `strength` is outside [0, 1] or
 * `normalize` has bad mean / std.
 * @example
 * const views = image.imageBatch(image.multiView(2, image.simclrAugment({ size: [224, 224] })));
 * const [a, b] = await views.apply(["a.jpg", "b.jpg"], createRng(0)); // 2 × [2, 224, 224, 3]
 */
export function simclrAugment(options: SimclrAugmentOptions): ImageAugmentation {
  const recipe = simclrRecipe("image.simclrAugment", vocabulary, options);
  return { name: "simclrAugment", apply: (plan, rng) => recipe.apply(plan, rng) };
}
