import type { Rng } from "@contrastive/core";
import { assertRng, viewList } from "../checks.js";
import { assertPlan, type ImageAugmentation, type ImageMultiViewAugmentation, type ImagePlan } from "./image-plan.js";

/**
 * Makes `count` independently drawn views of one image, or one view per augmentation when given a list
 * (BYOL's asymmetric pair, multi-crop). Draws one 32-bit number d; view k draws from
 * `rng.fork(\`multiView/${d}/${k}\`)`, as the tensor-side `multiView`.
 *
 * Plan → `count` plans (or `augmentations.length`).
 *
 * @throws {ContrastiveError} when `count` is not an integer ≥ 1 or an augmentation is not one.
 * @example
 * const two = image.multiView(2, image.simclrAugment({ size: [224, 224] }));
 * const pair = image.multiView([viewOne, viewTwo]);
 */
export function multiView(count: number, augmentation: ImageAugmentation): ImageMultiViewAugmentation;
export function multiView(augmentations: readonly ImageAugmentation[]): ImageMultiViewAugmentation;
export function multiView(first: number | readonly ImageAugmentation[], second?: ImageAugmentation): ImageMultiViewAugmentation {
  const component = "image.multiView";
  const views = viewList<ImageAugmentation>(component, first, second);
  return {
    name: `multiView(${views.map((v) => v.name).join(", ")})`,
    apply(plan: ImagePlan, rng: Rng): ImagePlan[] {
      assertPlan(component, plan);
      assertRng(component, rng);
      const draw = rng.uint32();
      return views.map((view, k) => view.apply(plan, rng.fork(`multiView/${draw}/${k}`)));
    },
  };
}
