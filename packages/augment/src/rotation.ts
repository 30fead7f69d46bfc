import * as tf from "@tensorflow/tfjs-core";
import type { Augmentation, Rng } from "@contrastive/core";
import { checkRotationOptions, type RotationOptions } from "./blur-rotation-options.js";
import { assertImages, assertRng } from "./checks.js";

/**
 * The `tf.image.transform` row that turns an image `degrees` counter-clockwise about its centre
 * ((W − 1)/2, (H − 1)/2): output pixel p reads input c + R(θ)(p − c).
 *
 * @example
 * rotationTransform(90, 28, 28); // [0, -1, 27, 1, 0, 0, 0, 0]
 */
export function rotationTransform(degrees: number, height: number, width: number): number[] {
  const radians = (degrees * Math.PI) / 180;
  // Snap cos 90° = 6e-17 and the like to 0: an edge sample a hair outside the image would read the fill value.
  const snap = (value: number) => (Math.abs(value - Math.round(value)) < 1e-12 ? Math.round(value) : value);
  const cos = snap(Math.cos(radians)), sin = snap(Math.sin(radians));
  const cx = (width - 1) / 2, cy = (height - 1) / 2;
  return [cos, -sin, cx - cos * cx + sin * cy, sin, cos, cy - sin * cx - cos * cy, 0, 0];
}

/**
 * Random rotation on tensor batches, as torchvision's `RandomRotation` (`expand=False`, fill 0) with
 * bilinear sampling: per image an angle ~ U(degrees), counter-clockwise about the centre. All images
 * at once: the four neighbours of every output pixel's source point and their bilinear weights are
 * computed in JS, then four gathers and a weighted sum (the cpu backend's `Transform` kernel fills
 * every image after the first with zeros in tfjs 4.22). Draws N numbers.
 *
 * `[N, H, W, C] → [N, H, W, C]`; corners outside the turned image are 0.
 *
 * @throws {ContrastiveError} when `degrees` is not a number ≥ 0 or an ordered pair (at construction) or
 * `images` is not a float32 [N, H, W, C] tensor (in `apply`).
 * @example
 * const turn = rotation({ degrees: 15 }); // U(−15°, 15°)
 */
export function rotation(options: RotationOptions): Augmentation {
  const component = "rotation";
  const [low, high] = checkRotationOptions(component, options);
  return {
    name: component,
    apply(images: tf.Tensor4D, rng: Rng) {
      const input = assertImages(component, images);
      assertRng(component, rng);
      const [count, height, width] = input.shape;
      const rows = Array.from({ length: count }, () => rotationTransform(rng.uniform(low, high), height, width));
      return rotateBilinear(input, rows);
    },
  };
}

/** Samples every image n at the points `rows[n]` maps its output pixels to, bilinearly, 0 outside. */
function rotateBilinear(images: tf.Tensor4D, rows: number[][]): tf.Tensor4D {
  const [count, height, width, channels] = images.shape;
  const size = count * height * width;
  const corners = [0, 1, 2, 3].map(() => ({ index: new Int32Array(size), weight: new Float32Array(size) }));
  let p = 0;
  for (let n = 0; n < count; n++) {
    const [a0, a1, a2, b0, b1, b2] = rows[n] as number[];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++, p++) {
        const sx = a0! * x + a1! * y + a2!, sy = b0! * x + b1! * y + b2!;
        const x0 = Math.floor(sx), y0 = Math.floor(sy), fx = sx - x0, fy = sy - y0;
        [[y0, x0, (1 - fy) * (1 - fx)], [y0, x0 + 1, (1 - fy) * fx], [y0 + 1, x0, fy * (1 - fx)], [y0 + 1, x0 + 1, fy * fx]].forEach(([yy, xx, w], k) => {
          const inside = yy! >= 0 && yy! < height && xx! >= 0 && xx! < width;
          corners[k]!.index[p] = inside ? (n * height + yy!) * width + xx! : 0;
          corners[k]!.weight[p] = inside ? w! : 0;
        });
      }
    }
  }
  return tf.tidy(() => {
    const flat = tf.reshape(images, [size, channels]);
    const parts = corners.map(({ index, weight }) => tf.mul(tf.gather(flat, tf.tensor1d(index, "int32")), tf.tensor2d(weight, [size, 1])));
    return tf.reshape(tf.addN(parts), [count, height, width, channels]) as tf.Tensor4D;
  });
}
