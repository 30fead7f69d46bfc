import type { Rng } from "@contrastive/core";
import { assertAugmentation, assertRng } from "../checks.js";
import { startPlan, type ImageAugmentation, type ImageMultiViewAugmentation } from "./image-plan.js";
import { decodeImage, type DecodeImageOptions, type ImageInput } from "./raw-image.js";
import { renderPlan, type ImageView } from "./render-plan.js";

/**
 * Augments one image: decodes it once (unless given pixels), draws its view plans from `rng`
 * synchronously, then renders the views concurrently on the libuv thread pool.
 *
 * @returns one float32 `[H, W, C]` view per plan (one for a single-view augmentation).
 * @throws {ContrastiveError} (rejects) when the input cannot be decoded, naming the file.
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
  const raw = await decodeImage(input, options);
  const planned = augmentation.apply(startPlan(raw), rng);
  const plans = Array.isArray(planned) ? planned : [planned];
  return Promise.all(plans.map((plan) => renderPlan(raw, plan)));
}
