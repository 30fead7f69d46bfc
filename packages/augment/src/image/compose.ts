import type { Rng } from "@contrastive/core";
import { ContrastiveError, describeValue } from "@contrastive/core";
import { assertAugmentation, assertRng } from "../checks.js";
import { assertPlan, type ImageAugmentation, type ImagePlan } from "./image-plan.js";

/**
 * Chains image augmentations: each appends its steps to the plan the previous one returned, all
 * drawing in turn from the same `rng` (torchvision's `Compose`).
 *
 * @throws {ContrastiveError} when `augmentations` is not a non-empty array of augmentations.
 * @example
 * const view = image.compose([image.randomResizedCrop({ size: [224, 224] }), image.horizontalFlip()]);
 */
export function compose(augmentations: readonly ImageAugmentation[]): ImageAugmentation {
  const component = "image.compose";
  if (!Array.isArray(augmentations) || augmentations.length === 0) {
    throw new ContrastiveError({ component, argument: "augmentations", received: describeValue(augmentations), expected: "a non-empty array of image augmentations, e.g. [image.randomResizedCrop({ size: [224, 224] }), image.horizontalFlip()]" });
  }
  augmentations.forEach((augmentation, i) => assertAugmentation(component, `augmentations[${i}]`, augmentation));
  const steps = [...augmentations];
  return {
    name: `compose(${steps.map((s) => s.name).join(", ")})`,
    apply(plan: ImagePlan, rng: Rng): ImagePlan {
      assertPlan(component, plan);
      assertRng(component, rng);
      return steps.reduce((current, step) => step.apply(current, rng), plan);
    },
  };
}
