import { ContrastiveError, describeValue } from "@contrastive/core";
import { assertInRange } from "./checks.js";

/** Options of the SimCLR presets, on both sides (`simclrAugment`, `image.simclrAugment`). */
export interface SimclrAugmentOptions {
  /** [height, width] of the views, integers ≥ 1, e.g. [224, 224] (ImageNet) or [32, 32] (CIFAR-10). */
  size: readonly [number, number];
  /** Colour strength s in [0, 1]: jitter 0.8·s brightness, contrast, saturation and 0.2·s hue. Default 1 (ImageNet; SimCLR used 0.5 on CIFAR-10). */
  strength?: number;
  /** Gaussian blur with p 0.5. Default: on when the smaller side of `size` is > 32 (SimCLR blurred ImageNet, not CIFAR-10). */
  blur?: boolean;
  /** Per-channel mean and std to normalise with, last. Default: none (values stay in [0, 1]). */
  normalize?: { mean: readonly number[]; std: readonly number[] };
}

/** The blur kernel of SimCLR: 10% of the side, made odd (23 for 224), at least 3. */
export function simclrBlurKernelSize(size: readonly [number, number]): number {
  const taps = Math.max(3, Math.floor(0.1 * Math.min(size[0], size[1])));
  return taps % 2 === 0 ? taps + 1 : taps;
}

/** Checks preset options (internal). */
export function checkPresetOptions(component: string, options: SimclrAugmentOptions): { size: [number, number]; strength: number; blur: boolean } {
  const { size, strength = 1, blur } = options ?? ({} as SimclrAugmentOptions);
  if (!Array.isArray(size) || size.length !== 2 || !size.every((s) => Number.isInteger(s) && s >= 1)) {
    throw new ContrastiveError({ component, argument: "size", received: describeValue(size), expected: "[height, width], two integers ≥ 1, e.g. [224, 224]" });
  }
  assertInRange(component, "strength", strength, { minimum: 0, maximum: 1, example: "1 (ImageNet) or 0.5 (CIFAR-10)" });
  return { size: [size[0], size[1]], strength, blur: blur ?? Math.min(size[0], size[1]) > 32 };
}

/** Options of the BYOL presets (`byolAugment`, `image.byolAugment`): `size` and `normalize` as SimCLR's; no strength or blur switch. */
export type ByolAugmentOptions = Pick<SimclrAugmentOptions, "size" | "normalize">;
