import type * as tf from "@tensorflow/tfjs-core";
import type { Augmentation, Rng } from "@contrastive/core";
import { assertImages, assertInRange, assertRng } from "./checks.js";
import { solarizeImages } from "./color-ops.js";

/**
 * Solarization (torchvision's `solarize`; BYOL, Grill et al. 2020): x ← 1 − x where x ≥ threshold.
 * Use `randomApply(p, solarize())` for `RandomSolarize`. Draws nothing.
 *
 * `[N, H, W, C] → [N, H, W, C]`.
 *
 * @throws {ContrastiveError} when `threshold` is outside [0, 1] (at construction) or `images` is not a
 * float32 [N, H, W, C] tensor (in `apply`).
 * @example
 * const maybeSolarize = randomApply(0.2, solarize({ threshold: 0.5 }));
 */
export function solarize(options: { threshold?: number } = {}): Augmentation {
  const component = "solarize";
  const { threshold = 0.5 } = options ?? {};
  assertInRange(component, "threshold", threshold, { minimum: 0, maximum: 1, example: "0.5" });
  return {
    name: component,
    apply(images: tf.Tensor4D, rng: Rng) {
      const input = assertImages(component, images);
      assertRng(component, rng);
      return solarizeImages(input, threshold);
    },
  };
}
