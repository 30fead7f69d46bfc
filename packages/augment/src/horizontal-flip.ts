import * as tf from "@tensorflow/tfjs-core";
import type { Augmentation, Rng } from "@contrastive/core";
import { assertImages, assertInRange, assertRng } from "./checks.js";

/**
 * Mirrors each image left to right with probability `probability` (torchvision's
 * `RandomHorizontalFlip`, decided per image): one u_i per image, flipped when u_i < probability;
 * `tf.reverse` on the width axis, selected per image with a 0/1 mask. Draws N numbers.
 *
 * `[N, H, W, C] → [N, H, W, C]`.
 *
 * @throws {ContrastiveError} when `probability` is outside [0, 1] (at construction) or `images` is not
 * a float32 [N, H, W, C] tensor (in `apply`).
 * @example
 * const out = horizontalFlip().apply(images, createRng(0)); // about half the images mirrored
 */
export function horizontalFlip(options: { probability?: number } = {}): Augmentation {
  const component = "horizontalFlip";
  const { probability = 0.5 } = options ?? {};
  assertInRange(component, "probability", probability, { minimum: 0, maximum: 1, example: "0.5" });
  return {
    name: component,
    apply(images: tf.Tensor4D, rng: Rng) {
      const input = assertImages(component, images);
      assertRng(component, rng);
      const count = input.shape[0];
      const mask = Float32Array.from({ length: count }, () => (rng.next() < probability ? 1 : 0));
      return tf.tidy(() => {
        if (mask.every((m) => m === 0)) return tf.clone(input);
        const flipped = tf.reverse(input, 2);
        if (mask.every((m) => m === 1)) return flipped as tf.Tensor4D;
        const keep = tf.tensor4d(mask, [count, 1, 1, 1], "float32");
        return tf.add(tf.mul(flipped, keep), tf.mul(input, tf.sub(1, keep))) as tf.Tensor4D;
      });
    },
  };
}
