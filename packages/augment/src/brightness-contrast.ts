import * as tf from "@tensorflow/tfjs-core";
import type { Augmentation, Rng } from "@contrastive/core";
import { assertImages, assertInRange, assertRng } from "./checks.js";

/** Options of {@link brightnessContrast}. */
export interface BrightnessContrastOptions {
  /** The brightness factor b is drawn from U(max(0, 1 − brightness), 1 + brightness). Default 0.4. */
  brightness?: number;
  /** The contrast factor c is drawn from U(max(0, 1 − contrast), 1 + contrast). Default 0.4. */
  contrast?: number;
}

/**
 * A light colour jitter (the brightness and contrast part of SimCLR's, Chen et al. 2020): per image,
 * b ~ U(1 − brightness, 1 + brightness) and c ~ U(1 − contrast, 1 + contrast) (lower bounds clamped
 * at 0, as torchvision's `ColorJitter`), then brightness first and contrast around the brightened mean:
 *
 *   out = clip((x·b − m·b)·c + m·b, 0, 1),  m = the mean of the image over H, W and C,
 *
 * as the reference recipe (`bench/pytorch/torch_simclr_mnist.py` in the repository). Computed for the whole batch with [N, 1, 1, 1]
 * factors as x·(b·c) + m·b·(1 − c). Draws 2 numbers from `rng` per image (b then c).
 *
 * `[N, H, W, C] → [N, H, W, C]`, float32 in [0, 1].
 *
 * @throws {ContrastiveError} when `brightness` or `contrast` is not a finite number ≥ 0 (at construction),
 * or `images` is not a float32 [N, H, W, C] tensor (in `apply`).
 * @example
 * const jitter = brightnessContrast({ brightness: 0.4, contrast: 0.4 });
 * const out = jitter.apply(images, createRng(1)); // same shape as images
 */
export function brightnessContrast(options: BrightnessContrastOptions = {}): Augmentation {
  const component = "brightnessContrast";
  const { brightness = 0.4, contrast = 0.4 } = options ?? {};
  assertInRange(component, "brightness", brightness, { minimum: 0, maximum: Infinity, example: "0.4" });
  assertInRange(component, "contrast", contrast, { minimum: 0, maximum: Infinity, example: "0.4" });
  return {
    name: component,
    apply(images: tf.Tensor4D, rng: Rng) {
      const input = assertImages(component, images);
      assertRng(component, rng);
      const count = input.shape[0];
      const brightnessFactors = new Float32Array(count);
      const contrastFactors = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        brightnessFactors[i] = rng.uniform(Math.max(0, 1 - brightness), 1 + brightness);
        contrastFactors[i] = rng.uniform(Math.max(0, 1 - contrast), 1 + contrast);
      }
      return adjustBrightnessContrast(input, brightnessFactors, contrastFactors);
    },
  };
}

/**
 * The deterministic op behind {@link brightnessContrast}: `clip((x·b − m·b)·c + m·b, 0, 1)` per image
 * with the given factors (`brightness[i]`, `contrast[i]` for image i, N of each), m the mean of image i.
 * `[N, H, W, C] → [N, H, W, C]`; the input is not disposed.
 *
 * @example
 * const out = adjustBrightnessContrast(images, Float32Array.of(1.2, 0.8), Float32Array.of(1, 1.3)); // N = 2
 */
export function adjustBrightnessContrast(images: tf.Tensor4D, brightness: Float32Array, contrast: Float32Array): tf.Tensor4D {
  const count = images.shape[0];
  return tf.tidy(() => {
    const b = tf.tensor4d(brightness, [count, 1, 1, 1], "float32");
    const c = tf.tensor4d(contrast, [count, 1, 1, 1], "float32");
    const mean = tf.mean(images, [1, 2, 3], true);
    const gain = tf.mul(b, c);
    const offset = tf.mul(tf.mul(mean, b), tf.sub(1, c));
    return tf.clipByValue(tf.add(tf.mul(images, gain), offset), 0, 1) as tf.Tensor4D;
  });
}
