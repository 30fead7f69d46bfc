import type { Rng } from "@contrastive/core";
import { assertAugmentation, assertInRange, assertRng } from "../checks.js";
import { assertPlan, type ImageAugmentation, type ImagePlan } from "./image-plan.js";

/**
 * Applies `augmentation` with probability `probability` (torchvision's `RandomApply`): draws u, and
 * when u < probability lets the augmentation draw its parameters and append its steps; otherwise the
 * plan is returned unchanged and nothing more is drawn (as torchvision).
 *
 * @throws {ContrastiveError} when `probability` is outside [0, 1] or `augmentation` is not an augmentation.
 * @example
 * const jitter = image.randomApply(0.8, image.colorJitter({ brightness: 0.4 }));
 */
export function randomApply(probability: number, augmentation: ImageAugmentation): ImageAugmentation {
  const component = "image.randomApply";
  assertInRange(component, "probability", probability, { minimum: 0, maximum: 1, example: "0.8" });
  assertAugmentation(component, "augmentation", augmentation);
  return {
    name: `randomApply(${probability}, ${augmentation.name})`,
    apply(plan: ImagePlan, rng: Rng): ImagePlan {
      assertPlan(component, plan);
      assertRng(component, rng);
      return rng.next() < probability ? augmentation.apply(plan, rng) : plan;
    },
  };
}
