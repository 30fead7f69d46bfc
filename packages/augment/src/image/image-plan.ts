import type { Augmentation } from "@contrastive/core";
import { ContrastiveError, describeValue } from "@contrastive/core";
import type { CropBox } from "../sample-crop-box.js";
import type { ColorProgram } from "./color-program.js";

/**
 * A pixel operation: changes `pixels` (float32 HWC, values normally in [0, 1]) in place. `channels`
 * is 1 or 3.
 */
export type PixelOperation = (pixels: Float32Array, channels: number) => void;

/** One drawn step of an {@link ImagePlan}: its parameters are fixed, nothing random is left. */
export type PlanStep =
  | { readonly kind: "crop"; readonly box: CropBox; readonly height: number; readonly width: number }
  | { readonly kind: "flip" }
  | { readonly kind: "rotate"; readonly degrees: number }
  | { readonly kind: "blur"; readonly sigma: number; readonly kernelSize: number }
  | { readonly kind: "color"; readonly program: ColorProgram }
  | { readonly kind: "pixels"; readonly name: string; readonly apply: PixelOperation };

/**
 * The recipe of one view of one image, built synchronously by image augmentations (each draws its
 * random parameters from the rng and appends a step) and run later by `renderPlan` as few libvips
 * pipelines as the steps allow. `height`, `width`, `channels` are the size the view has after the steps.
 */
export interface ImagePlan {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly steps: readonly PlanStep[];
}

/**
 * An augmentation on the image side: draws its parameters from the rng and returns the plan with its
 * step appended (the plan given is not changed). Same plan and rng state give the same plan.
 */
export type ImageAugmentation = Augmentation<ImagePlan, ImagePlan>;

/** An image augmentation that makes several views: one plan per view. */
export type ImageMultiViewAugmentation = Augmentation<ImagePlan, ImagePlan[]>;

/**
 * The empty plan of an image of the given size: rendering it gives the image as floats in [0, 1].
 *
 * @throws {ContrastiveError} when a size is not an integer ≥ 1 or channels is not 1 or 3.
 * @example
 * const plan = startPlan({ height: 256, width: 256, channels: 3 });
 */
export function startPlan(size: { height: number; width: number; channels: number }): ImagePlan {
  const { height, width, channels } = size ?? ({} as ImagePlan);
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1 || (channels !== 1 && channels !== 3)) {
    throw new ContrastiveError({ component: "startPlan", argument: "size", received: describeValue(size), expected: "{ height, width } integers ≥ 1 and channels 1 or 3" });
  }
  return { height, width, channels, steps: [] };
}

/** The plan with `step` appended and, for a crop, the new size. */
export function appendStep(plan: ImagePlan, step: PlanStep): ImagePlan {
  const size = step.kind === "crop" ? { height: step.height, width: step.width } : { height: plan.height, width: plan.width };
  return { ...size, channels: plan.channels, steps: [...plan.steps, step] };
}

/** Throws unless `value` is an {@link ImagePlan} (internal). */
export function assertPlan(component: string, value: unknown): ImagePlan {
  const plan = value as ImagePlan | null;
  if (typeof plan !== "object" || plan === null || !Array.isArray(plan.steps) || !Number.isInteger(plan.height) || !Number.isInteger(plan.width)) {
    throw new ContrastiveError({
      component,
      argument: "plan",
      received: describeValue(value),
      expected: "an ImagePlan from startPlan(...) (image augmentations work on plans; tensor batches take the top-level augmentations)",
    });
  }
  return plan;
}
