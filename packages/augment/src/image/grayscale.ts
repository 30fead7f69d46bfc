import type { Rng } from "@contrastive/core";
import { assertRng } from "../checks.js";
import { appendStep, assertPlan, type ImageAugmentation, type ImagePlan } from "./image-plan.js";

/**
 * Grey with the same number of channels (torchvision's `Grayscale(num_output_channels=3)`): every
 * channel ← 0.2989·r + 0.587·g + 0.114·b. Wrap it in `image.randomApply(0.2, …)` for
 * `RandomGrayscale(0.2)`. Draws nothing; grey images are unchanged.
 *
 * Plan `[H, W, C] → [H, W, C]`.
 *
 * @example
 * const maybeGrey = image.randomApply(0.2, image.grayscale());
 */
export function grayscale(): ImageAugmentation {
  const component = "image.grayscale";
  return {
    name: "grayscale",
    apply(plan: ImagePlan, rng: Rng): ImagePlan {
      assertPlan(component, plan);
      assertRng(component, rng);
      return appendStep(plan, { kind: "color", program: [{ code: "grayscale" }] });
    },
  };
}
