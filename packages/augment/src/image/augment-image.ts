import { readFile } from "node:fs/promises";
import type { Rng } from "@contrastive/core";
import { assertAugmentation, assertRng } from "../checks.js";
import { startPlan, type ImageAugmentation, type ImageMultiViewAugmentation, type ImagePlan } from "./image-plan.js";
import { readJpegHeader } from "./jpeg-header.js";
import { DEFAULT_MAX_PIXELS, assertMaxPixels, tooManyPixels } from "./pixel-limit.js";
import { decodeImage, isRawImage, type DecodeImageOptions, type ImageInput } from "./raw-image.js";
import { renderPlan, renderPlanFrom, type EncodedJpeg, type ImageView } from "./render-plan.js";

/**
 * Augments one image: decodes it once (unless given pixels), draws its view plans from `rng`
 * synchronously, then renders the views concurrently on the libuv thread pool. A single view that
 * starts with a crop, of an 8-bit RGB JPEG without an ICC profile, is planned from the JPEG header
 * and rendered in one libvips pipeline from the encoded bytes (decode, crop, resize, flip): the same
 * pixels as decoding first, one trip to the thread pool fewer.
 *
 * @returns one float32 `[H, W, C]` view per plan (one for a single-view augmentation).
 * @throws {ContrastiveError} (rejects) when the input cannot be decoded, naming the file, or declares more
 * than `options.maxPixels` (default 50 megapixels), naming its size.
 * @example
 * const [view] = await image.augmentImage("cat.jpg", image.simclrAugment({ size: [224, 224] }), createRng(1));
 * view.data; // Float32Array of 224·224·3 values in [0, 1]
 */
export async function augmentImage(
  input: ImageInput,
  augmentation: ImageAugmentation | ImageMultiViewAugmentation,
  rng: Rng,
  options: DecodeImageOptions = {},
): Promise<ImageView[]> {
  assertAugmentation("image.augmentImage", "augmentation", augmentation);
  assertRng("image.augmentImage", rng);
  const maxPixels = assertMaxPixels("image.augmentImage", options?.maxPixels ?? DEFAULT_MAX_PIXELS);
  const jpeg = (options ?? {}).channels === 1 ? undefined : await plainJpeg(input);
  if (jpeg !== undefined && jpeg.width * jpeg.height > maxPixels) {
    throw await tooManyPixels("decodeImage", typeof input === "string" ? `the file ${input}` : `a buffer of ${jpeg.encoded.length} bytes`, jpeg.encoded, maxPixels, jpeg);
  }
  if (jpeg === undefined) {
    const raw = await decodeImage(input, options);
    return Promise.all(planViews(raw, augmentation, rng).map((plan) => renderPlan(raw, plan)));
  }
  const plans = planViews(jpeg, augmentation, rng); // the header's size is the decoded size
  if (plans.length === 1 && (plans[0] as ImagePlan).steps[0]?.kind === "crop") {
    const view = await renderPlanFrom(jpeg, plans[0] as ImagePlan).catch(() => undefined);
    if (view !== undefined) return [view];
  }
  // Several views: decode once. On failure, decode the input as given, so the error names the file.
  const raw = await decodeImage(jpeg.encoded, { maxPixels }).catch(() => decodeImage(input, options));
  return Promise.all(plans.map((plan) => renderPlan(raw, plan)));
}

function planViews(size: { height: number; width: number; channels: number }, augmentation: ImageAugmentation | ImageMultiViewAugmentation, rng: Rng): ImagePlan[] {
  const planned = augmentation.apply(startPlan(size), rng);
  return Array.isArray(planned) ? planned : [planned];
}

/** The input's bytes and size when it is an 8-bit, 3-component JPEG without an ICC profile; else undefined. */
async function plainJpeg(input: ImageInput): Promise<EncodedJpeg | undefined> {
  if (isRawImage(input)) return undefined;
  const encoded = typeof input === "string" ? await readFile(input).catch(() => undefined) : input instanceof Uint8Array ? input : undefined;
  const header = encoded === undefined ? undefined : readJpegHeader(encoded);
  if (header === undefined || header.components !== 3 || header.precision !== 8 || header.iccProfile) return undefined;
  return { encoded: encoded as Uint8Array, height: header.height, width: header.width, channels: 3 };
}
