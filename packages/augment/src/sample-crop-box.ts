import type { Rng } from "@contrastive/core";
import { assertInteger } from "@contrastive/core";
import { assertInterval } from "./checks.js";

/** A box of whole pixels inside an image: rows `top … top + height − 1`, columns `left … left + width − 1`. */
export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

/**
 * Python's `round`: to the nearest integer, ties to the even one (torchvision rounds box sides with it).
 *
 * @example
 * [0.5, 1.5, 2.5].map(roundHalfToEven); // [0, 2, 2]
 */
export function roundHalfToEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Draws the box of a random resized crop exactly as torchvision's `RandomResizedCrop.get_params`:
 * up to 10 tries of an area fraction s ~ U(scale) and an aspect ratio r = w / h with log r ~ U(log ratio),
 * sides w = round(√(s·A·r)), h = round(√(s·A / r)); the first box that fits is placed uniformly
 * (top ~ U{0 … H − h}, left ~ U{0 … W − w}). When no try fits, it falls back to the central crop of the
 * whole image clamped to the ratio range, as torchvision does. A pure function of the `rng` draws:
 * 2 per try, plus 2 for the placement.
 *
 * (The reference script `bench/pytorch/torch_simclr_mnist.py` of the repository instead clamps w, h ≤ 1 with no retry and keeps
 * fractional boxes; this follows torchvision, which is what users of `RandomResizedCrop` expect.)
 *
 * @param rng - the generator to draw from (advanced by 2 to 22 draws).
 * @param height - the image height H in pixels, an integer ≥ 1.
 * @param width - the image width W in pixels, an integer ≥ 1.
 * @param scale - [low, high], 0 < low ≤ high ≤ 1: the range of the crop's area as a fraction of H·W.
 * @param ratio - [low, high], 0 < low ≤ high: the range of the crop's aspect ratio width / height.
 * @returns a box of whole pixels inside the image, with height, width ≥ 1.
 * @throws {ContrastiveError} when height or width is not an integer ≥ 1, or scale or ratio is out of range.
 * @example
 * const box = sampleCropBox(createRng(0), 28, 28, [0.4, 1], [3 / 4, 4 / 3]);
 * // e.g. { top: 3, left: 0, height: 23, width: 21 }
 */
export function sampleCropBox(
  rng: Rng,
  height: number,
  width: number,
  scale: readonly [number, number],
  ratio: readonly [number, number],
): CropBox {
  assertInteger("sampleCropBox", "height", height);
  assertInteger("sampleCropBox", "width", width);
  assertInterval("sampleCropBox", "scale", scale, { minimum: 0, maximum: 1, example: "[0.08, 1]" });
  assertInterval("sampleCropBox", "ratio", ratio, { minimum: 0, maximum: Infinity, example: "[3 / 4, 4 / 3]" });
  return drawCropBox(rng, height, width, scale, ratio);
}

/** {@link sampleCropBox} without the checks, for callers that validated their options once. */
export function drawCropBox(
  rng: Rng,
  height: number,
  width: number,
  scale: readonly [number, number],
  ratio: readonly [number, number],
): CropBox {
  const area = height * width;
  const logLow = Math.log(ratio[0]);
  const logHigh = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(logLow, logHigh));
    const w = roundHalfToEven(Math.sqrt(targetArea * aspect));
    const h = roundHalfToEven(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = rng.int(height - h + 1);
      const left = rng.int(width - w + 1);
      return { top, left, height: h, width: w };
    }
  }
  // torchvision's fallback: the central crop, as large as the ratio range allows.
  const inputRatio = width / height;
  let w = width;
  let h = height;
  if (inputRatio < ratio[0]) {
    h = roundHalfToEven(w / ratio[0]);
  } else if (inputRatio > ratio[1]) {
    w = roundHalfToEven(h * ratio[1]);
  }
  h = Math.max(1, Math.min(h, height));
  w = Math.max(1, Math.min(w, width));
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}
