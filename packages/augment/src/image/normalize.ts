import type { Rng } from "@contrastive/core";
import { checkChannels, checkNormalizeOptions } from "../blur-rotation-options.js";
import { assertRng } from "../checks.js";
import { appendStep, assertPlan, type ImageAugmentation, type ImagePlan } from "./image-plan.js";

/** Options of {@link normalize} (and of the tensor-side `normalize`). */
export interface NormalizeOptions {
  /** One mean per channel, e.g. ImageNet's [0.485, 0.456, 0.406]. */
  mean: readonly number[];
  /** One standard deviation > 0 per channel, e.g. ImageNet's [0.229, 0.224, 0.225]. */
  std: readonly number[];
}

/**
 * Per-channel normalisation (torchvision's `Normalize`): x ← (x − mean[c]) / std[c], on the view's
 * float32 pixels, fused with the other pixel steps. Put it last. Draws nothing.
 *
 * Plan `[H, W, C] → [H, W, C]`; the values leave [0, 1].
 *
 * @throws {ContrastiveError} when mean / std are not one finite number (std > 0) per channel (at
 * construction, and in `apply` when their length differs from the image's channels).
 * @example
 * const imagenet = image.normalize({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
 */
export function normalize(options: NormalizeOptions): ImageAugmentation {
  const component = "image.normalize";
  const { mean, std } = options ?? ({} as NormalizeOptions);
  checkNormalizeOptions(component, mean, std);
  const means = [...mean], stds = [...std];
  return {
    name: "normalize",
    apply(plan: ImagePlan, rng: Rng): ImagePlan {
      assertPlan(component, plan);
      assertRng(component, rng);
      checkChannels(component, means, plan.channels);
      return appendStep(plan, { kind: "color", program: [{ code: "normalize", mean: means, std: stds }] });
    },
  };
}
