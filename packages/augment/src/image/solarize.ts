import type { Rng } from "@contrastive/core";
import { assertInRange, assertRng } from "../checks.js";
import { appendStep, assertPlan, type ImageAugmentation, type ImagePlan } from "./image-plan.js";

/** Options of {@link solarize}. */
export interface SolarizeOptions {
  /** Values ≥ threshold are inverted, in [0, 1]. Default 0.5 (BYOL). */
  threshold?: number;
}

/**
 * Solarization (torchvision's `solarize`; BYOL, Grill et al. 2020): x ← 1 − x where x ≥ threshold.
 * Wrap it in `image.randomApply(p, …)` for `RandomSolarize`. Draws nothing.
 *
 * Plan `[H, W, C] → [H, W, C]`.
 *
 * @throws {ContrastiveError} when `threshold` is outside [0, 1].
 * @example
 * const maybeSolarize = image.randomApply(0.2, image.solarize());
 */
export function solarize(options: SolarizeOptions = {}): ImageAugmentation {
  const component = "image.solarize";
  const { threshold = 0.5 } = options ?? {};
  assertInRange(component, "threshold", threshold, { minimum: 0, maximum: 1, example: "0.5" });
  return {
    name: "solarize",
    apply(plan: ImagePlan, rng: Rng): ImagePlan {
      assertPlan(component, plan);
      assertRng(component, rng);
      return appendStep(plan, { kind: "color", program: [{ code: "solarize", threshold }] });
    },
  };
}
