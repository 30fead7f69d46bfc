import { byolRecipe, type ByolAugmentOptions } from "../preset-options.js";
import type { ImageMultiViewAugmentation } from "./image-plan.js";
import { multiView } from "./multi-view.js";
import { vocabulary } from "./preset-vocabulary.js";

/**
 * BYOL's asymmetric pair of views on the image side (Grill et al., "Bootstrap Your Own Latent", 2020,
 * table 6): both views take
 *
 *   randomResizedCrop(size, 0.08–1) → horizontalFlip(0.5) →
 *   randomApply(0.8, colorJitter(0.4, 0.4, 0.2, 0.1)) → randomApply(0.2, grayscale)
 *
 * then Gaussian blur (kernel ≈ 10% of size, σ 0.1–2) with p 1.0 in view 1 and 0.1 in view 2, and
 * solarize (threshold 0.5) with p 0 in view 1 and 0.2 in view 2; normalise last if asked.
 *
 * Takes the plan of a decoded image and returns two plans `[size[0], size[1], C]` (view 1, view 2).
 *
 * @throws {ContrastiveError} when `size` is not two integers ≥ 1 or `normalize` has bad mean / std.
 * @example
 * const pair = image.imageBatch(image.byolAugment({ size: [224, 224] }));
 * const [online, target] = await pair.apply(files, createRng(0)); // 2 × [N, 224, 224, 3]
 */
export function byolAugment(options: ByolAugmentOptions): ImageMultiViewAugmentation {
  const pair = multiView(byolRecipe("image.byolAugment", vocabulary, options));
  return { name: "byolAugment", apply: (plan, rng) => pair.apply(plan, rng) };
}
