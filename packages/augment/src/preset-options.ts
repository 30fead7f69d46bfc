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

/**
 * The operations the presets are written in, supplied by either side: the tensor-batch factories of
 * this package or their `image.*` twins. The SimCLR and BYOL recipes below are then defined once.
 */
export interface PresetVocabulary<A> {
  randomResizedCrop(options: { size: [number, number]; scale: [number, number]; ratio: [number, number] }): A;
  horizontalFlip(options: { probability: number }): A;
  colorJitter(options: { brightness: number; contrast: number; saturation: number; hue: number }): A;
  grayscale(): A;
  gaussianBlur(options: { kernelSize: number; sigma: [number, number] }): A;
  solarize(options: { threshold: number }): A;
  normalize(options: { mean: readonly number[]; std: readonly number[] }): A;
  randomApply(probability: number, augmentation: A): A;
  compose(steps: A[]): A;
}

/** SimCLR's view (Chen et al. 2020, appendix A) in the given vocabulary; options checked as `component`. */
export function simclrRecipe<A>(component: string, v: PresetVocabulary<A>, options: SimclrAugmentOptions): A {
  const { size, strength, blur } = checkPresetOptions(component, options);
  const steps = [
    v.randomResizedCrop({ size, scale: [0.08, 1], ratio: [3 / 4, 4 / 3] }),
    v.horizontalFlip({ probability: 0.5 }),
    v.randomApply(0.8, v.colorJitter({ brightness: 0.8 * strength, contrast: 0.8 * strength, saturation: 0.8 * strength, hue: 0.2 * strength })),
    v.randomApply(0.2, v.grayscale()),
  ];
  if (blur) steps.push(v.randomApply(0.5, v.gaussianBlur({ kernelSize: simclrBlurKernelSize(size), sigma: [0.1, 2] })));
  if (options.normalize !== undefined) steps.push(v.normalize(options.normalize));
  return v.compose(steps);
}

/** BYOL's two views (Grill et al. 2020, table 6) in the given vocabulary: blur p 1.0 / 0.1, solarize p 0 / 0.2. */
export function byolRecipe<A>(component: string, v: PresetVocabulary<A>, options: ByolAugmentOptions): [A, A] {
  const { size } = checkPresetOptions(component, { ...options, strength: 1 });
  const view = (blurProbability: number, solarizeProbability: number): A => {
    const steps = [
      v.randomResizedCrop({ size, scale: [0.08, 1], ratio: [3 / 4, 4 / 3] }),
      v.horizontalFlip({ probability: 0.5 }),
      v.randomApply(0.8, v.colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1 })),
      v.randomApply(0.2, v.grayscale()),
      v.randomApply(blurProbability, v.gaussianBlur({ kernelSize: simclrBlurKernelSize(size), sigma: [0.1, 2] })),
    ];
    if (solarizeProbability > 0) steps.push(v.randomApply(solarizeProbability, v.solarize({ threshold: 0.5 })));
    if (options.normalize !== undefined) steps.push(v.normalize(options.normalize));
    return v.compose(steps);
  };
  return [view(1, 0), view(0.1, 0.2)];
}
