import * as tf from "@tensorflow/tfjs-core";
import type { Augmentation, Rng } from "@contrastive/core";
import { ContrastiveError } from "@contrastive/core";
import { assertAugmentation, assertImages, assertInRange, assertRng } from "./checks.js";

/**
 * Applies `augmentation` to each image with probability `probability`, else leaves it unchanged
 * (torchvision's `RandomApply`, decided per image). Draws one number u_i per image first (image i is
 * augmented when u_i < probability), then lets `augmentation` draw its own parameters for the whole
 * batch, so the number of draws does not depend on the outcome.
 *
 * Vectorised simply: the augmentation runs on the whole batch and a per-image 0/1 mask selects its
 * output or the input (mask·augmented + (1 − mask)·input, exact for finite values), so it costs a full
 * augmentation whatever the probability. The augmentation must keep the shape of its input.
 *
 * `[N, H, W, C] → [N, H, W, C]`.
 *
 * @throws {ContrastiveError} when `probability` is outside [0, 1] or `augmentation` is not an
 * Augmentation (at construction); when `images` is not a float32 [N, H, W, C] tensor or the
 * augmentation changes its shape (in `apply`).
 * @example
 * const jitter = randomApply(0.8, brightnessContrast({ brightness: 0.4, contrast: 0.4 }));
 * const out = jitter.apply(images, createRng(3)); // ≈ 80% of the images jittered
 */
export function randomApply(probability: number, augmentation: Augmentation): Augmentation {
  const component = "randomApply";
  assertInRange(component, "probability", probability, { minimum: 0, maximum: 1, example: "0.8" });
  assertAugmentation(component, "augmentation", augmentation);
  return {
    name: `${component}(${probability}, ${augmentation.name})`,
    apply(images: tf.Tensor4D, rng: Rng) {
      const input = assertImages(component, images);
      assertRng(component, rng);
      const count = input.shape[0];
      const mask = new Uint8Array(count);
      let selected = 0;
      for (let i = 0; i < count; i++) {
        mask[i] = rng.next() < probability ? 1 : 0;
        selected += mask[i] as number;
      }
      return tf.tidy(() => {
        const augmented = augmentation.apply(input, rng);
        if (augmented.shape.some((size, axis) => size !== input.shape[axis])) {
          throw new ContrastiveError({
            component,
            argument: `augmentation (${augmentation.name})`,
            received: `output of shape [${augmented.shape.join(", ")}] for input [${input.shape.join(", ")}]`,
            expected: "an augmentation that keeps the shape of its input (apply a crop outside randomApply)",
          });
        }
        if (selected === count) return augmented === input ? tf.clone(input) : augmented;
        if (selected === 0) return tf.clone(input);
        // mask·augmented + (1 − mask)·input, exact for mask ∈ {0, 1}; cheaper than tf.where, whose
        // broadcast of the [N, 1, 1, 1] condition is a slow Tile on wasm.
        const keep = tf.tensor4d(Float32Array.from(mask), [count, 1, 1, 1], "float32");
        return tf.add(tf.mul(augmented, keep), tf.mul(input, tf.sub(1, keep))) as tf.Tensor4D;
      });
    },
  };
}

