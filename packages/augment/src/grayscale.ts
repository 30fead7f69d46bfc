import type * as tf from "@tensorflow/tfjs-core";
import type { Augmentation, Rng } from "@contrastive/core";
import { assertImages, assertRng } from "./checks.js";
import { toGrayscale } from "./color-ops.js";

/**
 * Grey with the same channel count (torchvision's `Grayscale(3)`): every channel ← 0.2989·r + 0.587·g +
 * 0.114·b. Use `randomApply(0.2, grayscale())` for `RandomGrayscale(0.2)`. Draws nothing.
 *
 * `[N, H, W, C] → [N, H, W, C]`; grey batches are copied unchanged.
 *
 * @throws {ContrastiveError} when `images` is not a float32 [N, H, W, C] tensor (in `apply`).
 * @example
 * const maybeGrey = randomApply(0.2, grayscale());
 */
export function grayscale(): Augmentation {
  const component = "grayscale";
  return {
    name: component,
    apply(images: tf.Tensor4D, rng: Rng) {
      const input = assertImages(component, images);
      assertRng(component, rng);
      return toGrayscale(input);
    },
  };
}
