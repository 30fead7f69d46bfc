import { loadSharp } from "./load-sharp.js";
import { ContrastiveError, describeValue } from "@contrastive/core";

/**
 * Default limit on the pixels (width × height, as the file declares them) of an image read with sharp:
 * 50 megapixels. It admits photos of every common camera (45-MP sensors are 8256 × 5504) and refuses
 * what only a decompression bomb or a scan needs; one such image decodes to at most 150 MB of RGB bytes
 * (libvips adds working buffers of the same order), so a batch read `concurrency` images at a time
 * holds at most about concurrency × 150 MB of pixels. sharp's own limit (268 megapixels, ~800 MB each)
 * is far above what a training batch should risk.
 */
export const DEFAULT_MAX_PIXELS = 50_000_000;

/** Checks a `maxPixels` option: an integer ≥ 1, or Infinity to lift the limit. */
export function assertMaxPixels(component: string, maxPixels: unknown): number {
  if (!(maxPixels === Number.POSITIVE_INFINITY || (Number.isInteger(maxPixels) && (maxPixels as number) >= 1))) {
    throw new ContrastiveError({ component, argument: "maxPixels", received: describeValue(maxPixels), expected: `an integer ≥ 1 (width × height), e.g. ${DEFAULT_MAX_PIXELS}, or Infinity` });
  }
  return maxPixels as number;
}

/** sharp's `limitInputPixels` for a `maxPixels` option (false lifts it). */
export const sharpLimit = (maxPixels: number): number | false => (Number.isFinite(maxPixels) ? maxPixels : false);

/** The error for an image above the limit, with its declared size (read from its header when not given). */
export async function tooManyPixels(component: string, what: string, input: string | Uint8Array, maxPixels: number, size?: { width: number; height: number }): Promise<ContrastiveError> {
  const sharp = await loadSharp();
  const declared = size ?? (await sharp(input, { limitInputPixels: false }).metadata().catch(() => undefined));
  const dims = declared?.width && declared?.height ? `${declared.width} × ${declared.height} = ${declared.width * declared.height} pixels` : "a size";
  return new ContrastiveError({ component, argument: "input", received: `${what}, which declares ${dims}`, expected: `an image of at most maxPixels = ${maxPixels} pixels (raise maxPixels to read larger images)` });
}

/** Whether an error from sharp is its pixel-limit refusal. */
export const isPixelLimit = (error: unknown): boolean => /pixel limit/i.test(String((error as Error)?.message));
