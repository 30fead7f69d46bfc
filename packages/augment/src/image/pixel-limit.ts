import { loadSharp } from "./load-sharp.js";
import { ContrastiveError } from "@contrastive/core";

export { DEFAULT_MAX_PIXELS, assertMaxPixels } from "@contrastive/core";

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
