import type { Rng } from "@contrastive/core";
import { assertInRange, assertRng } from "../checks.js";
import { appendStep, assertPlan, type ImageAugmentation, type ImagePlan } from "./image-plan.js";

/** Options of {@link horizontalFlip}. */
export interface HorizontalFlipOptions {
  /** Probability of flipping, in [0, 1]. Default 0.5. */
  probability?: number;
}

/**
 * Mirrors the image left to right with probability `probability` (torchvision's
 * `RandomHorizontalFlip`; libvips `flop` in the view's pipeline). Draws 1 number.
 *
 * Plan `[H, W, C] → [H, W, C]`.
 *
 * @throws {ContrastiveError} when `probability` is outside [0, 1].
 * @example
 * const flip = image.horizontalFlip(); // p = 0.5
 */
export function horizontalFlip(options: HorizontalFlipOptions = {}): ImageAugmentation {
  const component = "image.horizontalFlip";
  const { probability = 0.5 } = options ?? {};
  assertInRange(component, "probability", probability, { minimum: 0, maximum: 1, example: "0.5" });
  return {
    name: "horizontalFlip",
    apply(plan: ImagePlan, rng: Rng): ImagePlan {
      assertPlan(component, plan);
      assertRng(component, rng);
      return rng.next() < probability ? appendStep(plan, { kind: "flip" }) : plan;
    },
  };
}
