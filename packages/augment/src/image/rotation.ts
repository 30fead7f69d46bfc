import type { Rng } from "@contrastive/core";
import { checkRotationOptions, type RotationOptions } from "../blur-rotation-options.js";
import { assertRng } from "../checks.js";
import { appendStep, assertPlan, type ImageAugmentation, type ImagePlan } from "./image-plan.js";

/**
 * Random rotation on the image side (torchvision's `RandomRotation` with `expand=False`, fill 0):
 * angle ~ U(degrees), counter-clockwise about the centre, same size, corners filled with black,
 * bilinear (libvips `rotate` then a centre `extract`, a pipeline of its own). Draws 1 number.
 *
 * Plan `[H, W, C] → [H, W, C]`.
 *
 * @throws {ContrastiveError} when `degrees` is not a number ≥ 0 or an ordered pair.
 * @example
 * const turn = image.rotation({ degrees: 15 });
 */
export function rotation(options: RotationOptions): ImageAugmentation {
  const component = "image.rotation";
  const [low, high] = checkRotationOptions(component, options);
  return {
    name: "rotation",
    apply(plan: ImagePlan, rng: Rng): ImagePlan {
      assertPlan(component, plan);
      assertRng(component, rng);
      return appendStep(plan, { kind: "rotate", degrees: rng.uniform(low, high) });
    },
  };
}
