import type { Rng } from "@contrastive/core";
import { assertRng } from "../checks.js";
import { colorJitterRanges, drawColorJitter, type ColorJitterOptions } from "../color-jitter-parameters.js";
import type { ColorOperation } from "./color-program.js";
import { appendStep, assertPlan, type ImageAugmentation, type ImagePlan } from "./image-plan.js";

const codes = ["brightness", "contrast", "saturation", "hue"] as const;

/**
 * Colour jitter on the image side, as torchvision's `ColorJitter` on tensors: per view, a random order
 * of brightness, contrast, saturation and hue, then for each operation in that order (those with a
 * non-zero strength) the torchvision formula, clipped to [0, 1]:
 *
 *   brightness x·b · contrast c·x + (1 − c)·mean(grey) · saturation s·x + (1 − s)·grey(x) ·
 *   hue: HSV with h ← (h + δ) mod 1,   grey = 0.2989·r + 0.587·g + 0.114·b.
 *
 * libvips has no exact equivalent (its `modulate` works in LCh, and contrast needs the mean of the
 * jittered view), so this runs on the view's float32 pixels in JS, fused with the view's other colour
 * steps (`runColorProgram`). Draws 3 numbers for the order plus 1 per operation in.
 *
 * Plan `[H, W, C] → [H, W, C]`; grey images get brightness and contrast only.
 *
 * @throws {ContrastiveError} for negative strengths, hue outside [0, 0.5] or bad pairs (at construction).
 * @example
 * const jitter = image.colorJitter({ brightness: 0.8, contrast: 0.8, saturation: 0.8, hue: 0.2 });
 */
export function colorJitter(options: ColorJitterOptions = {}): ImageAugmentation {
  const component = "image.colorJitter";
  const ranges = colorJitterRanges(component, options ?? {});
  return {
    name: "colorJitter",
    apply(plan: ImagePlan, rng: Rng): ImagePlan {
      assertPlan(component, plan);
      assertRng(component, rng);
      const draw = drawColorJitter(rng, ranges);
      const program: ColorOperation[] = [];
      for (const index of draw.order) {
        const code = codes[index] as (typeof codes)[number];
        const factor = draw[code];
        if (factor !== undefined) program.push({ code, factor });
      }
      return program.length === 0 ? plan : appendStep(plan, { kind: "color", program });
    },
  };
}
