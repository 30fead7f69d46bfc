import * as tf from "@tensorflow/tfjs-core";
import type { Augmentation } from "@contrastive/core";
import { ContrastiveError, describeValue } from "@contrastive/core";
import { assertImages, assertInterval, assertRng } from "./checks.js";
import { drawCropBox, type CropBox } from "./sample-crop-box.js";

/** Options of {@link randomResizedCrop}. */
export interface RandomResizedCropOptions {
  /** [height, width] of the output images, integers ≥ 1. */
  size: readonly [number, number];
  /** Range of the crop's area as a fraction of the image's, 0 < low ≤ high ≤ 1. Default [0.08, 1]. */
  scale?: readonly [number, number];
  /** Range of the crop's aspect ratio width / height, 0 < low ≤ high. Default [3/4, 4/3]. */
  ratio?: readonly [number, number];
}

/**
 * A random resized crop (Szegedy et al., "Going deeper with convolutions", 2015; the first view
 * transform of SimCLR, Chen et al. 2020): per image, a box of whole pixels drawn by
 * {@link sampleCropBox} (torchvision's `RandomResizedCrop` sampling, with its 10 tries and central-crop
 * fallback), resized bilinearly to `size` by one `tf.image.cropAndResize` call for the whole batch.
 *
 * Resampling uses half-pixel centres, like `torch.nn.functional.interpolate(align_corners=False)`
 * without antialiasing: output pixel k of a box starting at pixel p with side L reads input coordinate
 * p + (k + ½)·L / out − ½, clamped to the image (an edge pixel is repeated rather than blended with 0).
 * A box covering the whole image at the image's own size returns the image unchanged.
 *
 * `[N, H, W, C] → [N, size[0], size[1], C]`, float32. Draws 4 to 22 numbers from `rng` per image.
 *
 * @throws {ContrastiveError} when `size`, `scale` or `ratio` is out of range (at construction), or
 * `images` is not a float32 [N, H, W, C] tensor (in `apply`).
 * @example
 * const crop = randomResizedCrop({ size: [28, 28], scale: [0.4, 1] });
 * const views = crop.apply(images, createRng(42)); // [N, 28, 28, 1]
 */
export function randomResizedCrop(options: RandomResizedCropOptions): Augmentation {
  const component = "randomResizedCrop";
  const { size, scale = [0.08, 1], ratio = [3 / 4, 4 / 3] } = options ?? ({} as RandomResizedCropOptions);
  if (!Array.isArray(size) || size.length !== 2 || !size.every((s) => Number.isInteger(s) && s >= 1)) {
    throw new ContrastiveError({ component, argument: "size", received: describeValue(size), expected: "[height, width], two integers ≥ 1, e.g. [28, 28]" });
  }
  const scaleRange = assertInterval(component, "scale", scale, { minimum: 0, maximum: 1, example: "[0.08, 1]" });
  const ratioRange = assertInterval(component, "ratio", ratio, { minimum: 0, maximum: Infinity, example: "[3 / 4, 4 / 3]" });
  const outSize: [number, number] = [size[0], size[1]];
  return {
    name: component,
    apply(images: tf.Tensor4D, rng) {
      const input = assertImages(component, images);
      assertRng(component, rng);
      const [count, height, width] = input.shape;
      const boxes = new Float32Array(count * 4);
      for (let i = 0; i < count; i++) {
        const box = drawCropBox(rng, height, width, scaleRange, ratioRange);
        boxes.set(cropBoxToUnitBox(box, height, width, outSize), i * 4);
      }
      return tf.tidy(() => {
        const boxTensor = tf.tensor2d(boxes, [count, 4], "float32");
        const indices = tf.range(0, count, 1, "int32") as tf.Tensor1D;
        return tf.image.cropAndResize(input, boxTensor, indices, outSize, "bilinear", 0);
      });
    },
  };
}

/**
 * The `tf.image.cropAndResize` box `[y1, x1, y2, x2]` (coordinates in [0, 1], 1 = the last pixel's
 * centre) that resamples `box` of an `imageHeight × imageWidth` image to `size` with half-pixel centres.
 * The result keeps every sample inside the image on both the cpu (float64) and wasm (float32) kernels
 * (a sample past the last pixel would get cropAndResize's extrapolation value instead of the edge).
 *
 * @example
 * cropBoxToUnitBox({ top: 0, left: 0, height: 28, width: 28 }, 28, 28, [28, 28]); // [0, 0, 1, 1]
 */
export function cropBoxToUnitBox(box: CropBox, imageHeight: number, imageWidth: number, size: readonly [number, number]): [number, number, number, number] {
  const [y1, y2] = axisToUnit(box.top, box.height, imageHeight, size[0]);
  const [x1, x2] = axisToUnit(box.left, box.width, imageWidth, size[1]);
  return [y1, x1, y2, x2];
}

function axisToUnit(start: number, length: number, imageSize: number, outSize: number): [number, number] {
  if (imageSize === 1) return [0, 0];
  const last = imageSize - 1;
  const step = length / outSize;
  const first = Math.min(Math.max(start + 0.5 * step - 0.5, 0), last);
  const final = Math.min(Math.max(start + length - 0.5 * step - 0.5, 0), last);
  const low = Math.fround(first / last);
  let high = Math.fround(final / last);
  // Rounding to float32 may put the kernel's last sample a hair past the last pixel, where
  // cropAndResize would write the extrapolation value: step down by one float32 ulp until it fits.
  while (high > low && lastSample(low, high, last, outSize) > last) high = previousFloat32(high);
  return [low, high];
}

function lastSample(low: number, high: number, last: number, outSize: number): number {
  if (outSize === 1) return Math.max(0.5 * (low + high) * last, Math.fround(Math.fround(0.5 * Math.fround(low + high)) * last));
  const scale64 = ((high - low) * last) / (outSize - 1);
  const sample64 = low * last + (outSize - 1) * scale64;
  const f = Math.fround;
  const scale32 = f(f(f(high - low) * last) / (outSize - 1));
  const sample32 = f(f(low * last) + f((outSize - 1) * scale32));
  return Math.max(sample64, sample32);
}

const floatView = new Float32Array(1);
const bitsView = new Uint32Array(floatView.buffer);

function previousFloat32(value: number): number {
  floatView[0] = value;
  bitsView[0] = (bitsView[0] as number) - 1;
  return floatView[0] as number;
}
