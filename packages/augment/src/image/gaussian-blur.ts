import type { Rng } from "@contrastive/core";
import { checkBlurOptions, type GaussianBlurOptions } from "../blur-rotation-options.js";
import { assertRng } from "../checks.js";
import { appendStep, assertPlan, type ImageAugmentation, type ImagePlan } from "./image-plan.js";

/**
 * Gaussian blur on the image side (torchvision's `GaussianBlur`; SimCLR's blur, Chen et al. 2020):
 * σ ~ U(sigma), a separable Gaussian of `kernelSize` taps run by libvips (`gaussblur`, its kernel cut where
 * the tail is below 0.1%, in float precision after colour steps), in the view's pipeline. Borders
 * repeat the edge pixel (torchvision reflects them). Draws 1 number.
 *
 * Plan `[H, W, C] → [H, W, C]`. Wrap it in `image.randomApply(p, …)` for a probability.
 *
 * @throws {ContrastiveError} when `kernelSize` is not an odd integer ≥ 1 or `sigma` is not 0 < low ≤ high.
 * @example
 * const blur = image.randomApply(0.5, image.gaussianBlur({ kernelSize: 23 }));
 */
export function gaussianBlur(options: GaussianBlurOptions): ImageAugmentation {
  const component = "image.gaussianBlur";
  const { kernelSize, sigma } = checkBlurOptions(component, options);
  return {
    name: "gaussianBlur",
    apply(plan: ImagePlan, rng: Rng): ImagePlan {
      assertPlan(component, plan);
      assertRng(component, rng);
      return appendStep(plan, { kind: "blur", sigma: rng.uniform(sigma[0], sigma[1]), kernelSize });
    },
  };
}
