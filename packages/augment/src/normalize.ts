import * as tf from "@tensorflow/tfjs-core";
import type { Augmentation, Rng } from "@contrastive/core";
import { checkChannels, checkNormalizeOptions } from "./blur-rotation-options.js";
import { assertImages, assertRng } from "./checks.js";

/**
 * Per-channel normalisation (torchvision's `Normalize`): x ← (x − mean[c]) / std[c]. Put it last.
 * Draws nothing.
 *
 * `[N, H, W, C] → [N, H, W, C]`; the values leave [0, 1].
 *
 * @throws {ContrastiveError} when mean / std are not one finite number (std > 0) per channel (at
 * construction), or their length differs from the images' channels or `images` is not a float32
 * [N, H, W, C] tensor (in `apply`).
 * @example
 * const imagenet = normalize({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
 */
export function normalize(options: { mean: readonly number[]; std: readonly number[] }): Augmentation {
  const component = "normalize";
  const { mean, std } = options ?? ({} as { mean: number[]; std: number[] });
  checkNormalizeOptions(component, mean, std);
  const means = [...mean], scales = std.map((s) => 1 / s);
  return {
    name: component,
    apply(images: tf.Tensor4D, rng: Rng) {
      const input = assertImages(component, images);
      assertRng(component, rng);
      checkChannels(component, means, input.shape[3]);
      return tf.tidy(() => tf.mul(tf.sub(input, tf.tensor1d(means, "float32")), tf.tensor1d(scales, "float32")) as tf.Tensor4D);
    },
  };
}
