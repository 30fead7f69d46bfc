import * as tf from "@tensorflow/tfjs-core";
import type { Augmentation, Rng } from "@contrastive/core";
import { ContrastiveError } from "@contrastive/core";
import { checkBlurOptions, type GaussianBlurOptions } from "./blur-rotation-options.js";
import { assertImages, assertRng } from "./checks.js";

/**
 * torchvision's 1-D Gaussian kernel: exp(−x² / 2σ²) at x = −(k − 1)/2 … (k − 1)/2, divided by its sum.
 *
 * @example
 * gaussianKernel(5, 1); // 5 weights summing to 1
 */
export function gaussianKernel(kernelSize: number, sigma: number): Float32Array {
  const half = (kernelSize - 1) / 2;
  const weights = Array.from({ length: kernelSize }, (_, k) => Math.exp(-0.5 * ((k - half) / sigma) ** 2));
  const total = weights.reduce((a, b) => a + b, 0);
  return Float32Array.from(weights, (w) => w / total);
}

/**
 * Gaussian blur on tensor batches, as torchvision's `GaussianBlur` (SimCLR's blur, Chen et al. 2020):
 * per image σ_i ~ U(sigma), reflect padding by (k − 1)/2, then a separable k-tap Gaussian. Vectorised:
 * the batch is laid out as one image with N·C channels and blurred by two depthwise convolutions whose
 * channel n·C + c carries image n's kernel. Draws N numbers.
 *
 * `[N, H, W, C] → [N, H, W, C]`. Use `randomApply(p, gaussianBlur(…))` for a probability.
 *
 * @throws {ContrastiveError} when `kernelSize` is not an odd integer ≥ 1 or `sigma` not 0 < low ≤ high (at
 * construction); when `images` is not a float32 [N, H, W, C] tensor or is not larger than the kernel's
 * radius on both sides (reflect padding needs it) (in `apply`).
 * @example
 * const blur = randomApply(0.5, gaussianBlur({ kernelSize: 23 })); // for 224 × 224 images
 */
export function gaussianBlur(options: GaussianBlurOptions): Augmentation {
  const component = "gaussianBlur";
  const { kernelSize, sigma } = checkBlurOptions(component, options);
  const radius = (kernelSize - 1) / 2;
  return {
    name: component,
    apply(images: tf.Tensor4D, rng: Rng) {
      const input = assertImages(component, images);
      assertRng(component, rng);
      const [count, height, width, channels] = input.shape;
      if (radius >= height || radius >= width) {
        throw new ContrastiveError({ component, argument: "images", received: `images of ${height} × ${width}`, expected: `images larger than the kernel's radius ${radius} on both sides (or a smaller kernelSize)` });
      }
      const sigmas = Array.from({ length: count }, () => rng.uniform(sigma[0], sigma[1]));
      if (radius === 0) return tf.clone(input);
      const weights = new Float32Array(kernelSize * count * channels);
      sigmas.forEach((s, n) => {
        const kernel = gaussianKernel(kernelSize, s);
        for (let t = 0; t < kernelSize; t++) for (let c = 0; c < channels; c++) weights[t * count * channels + n * channels + c] = kernel[t] as number;
      });
      return tf.tidy(() => {
        const wide = tf.reshape(tf.transpose(input, [1, 2, 0, 3]), [1, height, width, count * channels]) as tf.Tensor4D;
        const padded = tf.mirrorPad(wide, [[0, 0], [radius, radius], [radius, radius], [0, 0]], "reflect");
        const vertical = tf.tensor4d(weights, [kernelSize, 1, count * channels, 1]);
        const horizontal = tf.tensor4d(weights, [1, kernelSize, count * channels, 1]);
        const blurred = tf.depthwiseConv2d(tf.depthwiseConv2d(padded, vertical, 1, "valid"), horizontal, 1, "valid");
        return tf.transpose(tf.reshape(blurred, [height, width, count, channels]), [2, 0, 1, 3]) as tf.Tensor4D;
      });
    },
  };
}
