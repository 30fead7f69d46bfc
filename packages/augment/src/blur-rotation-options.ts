import { ContrastiveError, describeValue } from "@contrastive/core";
import { assertInterval } from "./checks.js";

/** Options of the Gaussian blur on both sides (`gaussianBlur`, `image.gaussianBlur`), as torchvision's `GaussianBlur`. */
export interface GaussianBlurOptions {
  /** Taps of the kernel, an odd integer ≥ 1 (SimCLR: about 10% of the image side, 23 for 224). */
  kernelSize: number;
  /** The standard deviation is drawn from U(low, high), 0 < low ≤ high. Default [0.1, 2]. */
  sigma?: readonly [number, number];
}

/** Options of the rotation on both sides (`rotation`, `image.rotation`), as torchvision's `RandomRotation`. */
export interface RotationOptions {
  /** The angle in degrees (counter-clockwise) ~ U(−d, d) for a number d ≥ 0, or U(low, high) for a pair. */
  degrees: number | readonly [number, number];
}

/** Checks blur options (internal). @throws {ContrastiveError} for an even or non-integer kernel size or a bad sigma range. */
export function checkBlurOptions(component: string, options: GaussianBlurOptions): { kernelSize: number; sigma: [number, number] } {
  const { kernelSize, sigma = [0.1, 2] } = options ?? ({} as GaussianBlurOptions);
  if (!Number.isInteger(kernelSize) || kernelSize < 1 || kernelSize % 2 !== 1) {
    throw new ContrastiveError({ component, argument: "kernelSize", received: describeValue(kernelSize), expected: "an odd integer ≥ 1, e.g. 23 for 224-pixel views" });
  }
  return { kernelSize, sigma: assertInterval(component, "sigma", sigma, { minimum: 0, maximum: Infinity, example: "[0.1, 2]" }) };
}

/** Checks rotation options (internal). @throws {ContrastiveError} for a negative or non-finite angle or a bad pair. */
export function checkRotationOptions(component: string, options: RotationOptions): [number, number] {
  const degrees = (options ?? ({} as RotationOptions)).degrees;
  if (typeof degrees === "number" && Number.isFinite(degrees) && degrees >= 0) return [-degrees, degrees];
  if (Array.isArray(degrees) && degrees.length === 2 && degrees.every((d) => typeof d === "number" && Number.isFinite(d)) && (degrees[0] as number) <= (degrees[1] as number)) {
    return [degrees[0] as number, degrees[1] as number];
  }
  throw new ContrastiveError({ component, argument: "degrees", received: describeValue(degrees), expected: "a number ≥ 0 or a pair [low, high] with low ≤ high, e.g. 15" });
}

/** Checks normalisation options against the channel count (internal). @throws {ContrastiveError} for lengths ≠ channels or std ≤ 0. */
export function checkNormalizeOptions(component: string, mean: unknown, std: unknown): void {
  const ok = (value: unknown, positive: boolean) =>
    Array.isArray(value) && value.length >= 1 && value.every((v) => typeof v === "number" && Number.isFinite(v) && (!positive || v > 0));
  if (!ok(mean, false)) throw new ContrastiveError({ component, argument: "mean", received: describeValue(mean), expected: "one finite number per channel, e.g. [0.485, 0.456, 0.406]" });
  if (!ok(std, true) || (std as number[]).length !== (mean as number[]).length) {
    throw new ContrastiveError({ component, argument: "std", received: describeValue(std), expected: `one number > 0 per channel, as many as mean (${(mean as number[]).length}), e.g. [0.229, 0.224, 0.225]` });
  }
}

/** Throws unless `mean` has one entry per channel of the images (internal). */
export function checkChannels(component: string, mean: readonly number[], channels: number): void {
  if (mean.length !== channels) {
    throw new ContrastiveError({ component, argument: "mean", received: `${mean.length} values for images with ${channels} channel(s)`, expected: "one value per channel of the images" });
  }
}
