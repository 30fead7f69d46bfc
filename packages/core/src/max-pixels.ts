import { ContrastiveError, describeValue } from "./errors.js";

/**
 * Default limit on the pixels (width × height, as a file declares them) of an image decoded with sharp,
 * by `@contrastive/augment/image` and `@contrastive/data/image`: 50 megapixels. It admits photos of every
 * common camera (45-MP sensors are 8256 × 5504) and refuses decompression bombs before decoding; one such
 * image decodes to at most 150 MB of RGB bytes (libvips adds working buffers of the same order), so a
 * batch read `concurrency` images at a time holds at most about concurrency × 150 MB of pixels. sharp's
 * own limit (268 megapixels, ~800 MB each) is far above what a training batch should risk.
 */
export const DEFAULT_MAX_PIXELS = 50_000_000;

/**
 * Checks a `maxPixels` option: an integer ≥ 1, or Infinity to lift the limit.
 *
 * @throws {ContrastiveError} naming `component` and `maxPixels` otherwise.
 */
export function assertMaxPixels(component: string, maxPixels: unknown): number {
  if (!(maxPixels === Number.POSITIVE_INFINITY || (Number.isInteger(maxPixels) && (maxPixels as number) >= 1))) {
    throw new ContrastiveError({ component, argument: "maxPixels", received: describeValue(maxPixels), expected: `an integer ≥ 1 (width × height), e.g. ${DEFAULT_MAX_PIXELS}, or Infinity` });
  }
  return maxPixels as number;
}
