import type { Rng } from "@contrastive/core";
import { ContrastiveError, describeValue } from "@contrastive/core";
import { assertInterval, assertRng } from "../checks.js";
import { drawCropBox } from "../sample-crop-box.js";
import { appendStep, assertPlan, type ImageAugmentation, type ImagePlan } from "./image-plan.js";

/** Options of {@link randomResizedCrop}. */
export interface ImageRandomResizedCropOptions {
  /** [height, width] of the view, integers ≥ 1. */
  size: readonly [number, number];
  /** Range of the crop's area as a fraction of the image's, 0 < low ≤ high ≤ 1. Default [0.08, 1]. */
  scale?: readonly [number, number];
  /** Range of the crop's aspect ratio width / height, 0 < low ≤ high. Default [3/4, 4/3]. */
  ratio?: readonly [number, number];
}

/**
 * Random resized crop on the image side (torchvision's `RandomResizedCrop`): a box drawn by
 * `sampleCropBox` (10 tries, then the central crop), cut out and resized to `size` by libvips
 * (`extract` + `resize` with the antialiasing linear kernel, as PIL's bilinear), in the view's pipeline.
 * Draws 4 to 22 numbers.
 *
 * Plan `[H, W, C] → [size[0], size[1], C]`.
 *
 * @throws {ContrastiveError} when `size`, `scale` or `ratio` is out of range (at construction).
 * @example
 * const crop = image.randomResizedCrop({ size: [224, 224] });
 */
export function randomResizedCrop(options: ImageRandomResizedCropOptions): ImageAugmentation {
  const component = "image.randomResizedCrop";
  const { size, scale = [0.08, 1], ratio = [3 / 4, 4 / 3] } = options ?? ({} as ImageRandomResizedCropOptions);
  if (!Array.isArray(size) || size.length !== 2 || !size.every((s) => Number.isInteger(s) && s >= 1)) {
    throw new ContrastiveError({ component, argument: "size", received: describeValue(size), expected: "[height, width], two integers ≥ 1, e.g. [224, 224]" });
  }
  const scaleRange = assertInterval(component, "scale", scale, { minimum: 0, maximum: 1, example: "[0.08, 1]" });
  const ratioRange = assertInterval(component, "ratio", ratio, { minimum: 0, maximum: Infinity, example: "[3 / 4, 4 / 3]" });
  return {
    name: "randomResizedCrop",
    apply(plan: ImagePlan, rng: Rng): ImagePlan {
      assertPlan(component, plan);
      assertRng(component, rng);
      const box = drawCropBox(rng, plan.height, plan.width, scaleRange, ratioRange);
      return appendStep(plan, { kind: "crop", box, height: size[0], width: size[1] });
    },
  };
}
