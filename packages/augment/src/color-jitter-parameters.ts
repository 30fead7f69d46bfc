import type { Rng } from "@contrastive/core";
import { ContrastiveError, describeValue } from "@contrastive/core";

/** Options of the colour jitter on both sides (`colorJitter`, `image.colorJitter`), as torchvision's `ColorJitter`. */
export interface ColorJitterOptions {
  /** Factor b ~ U(max(0, 1 − v), 1 + v) for a number v ≥ 0, or U(low, high) for a pair; 0 leaves brightness alone. Default 0. */
  brightness?: number | readonly [number, number];
  /** Factor c, drawn as brightness's; contrast blends with the mean grey value. Default 0. */
  contrast?: number | readonly [number, number];
  /** Factor s, drawn as brightness's; saturation blends with the pixel's grey value. Default 0. */
  saturation?: number | readonly [number, number];
  /** Shift h ~ U(−v, v) for 0 ≤ v ≤ 0.5, or U(low, high) with −0.5 ≤ low ≤ high ≤ 0.5. Default 0. */
  hue?: number | readonly [number, number];
}

/** The validated ranges of a colour jitter; `undefined` for an operation that is left out. */
export interface ColorJitterRanges {
  brightness?: [number, number];
  contrast?: [number, number];
  saturation?: [number, number];
  hue?: [number, number];
}

/** One drawn jitter: the order of the four operations (0 brightness, 1 contrast, 2 saturation, 3 hue) and the factors. */
export interface ColorJitterDraw {
  order: Int32Array;
  brightness?: number;
  contrast?: number;
  saturation?: number;
  hue?: number;
}

/**
 * Checks the options as torchvision's `ColorJitter._check_input` (a range reduced to the identity
 * factor, e.g. brightness 0, leaves the operation out).
 *
 * @throws {ContrastiveError} for negative strengths, hue above 0.5 or badly ordered pairs.
 * @example
 * colorJitterRanges("colorJitter", { brightness: 0.4, hue: 0.1 }); // { brightness: [0.6, 1.4], hue: [-0.1, 0.1] }
 */
export function colorJitterRanges(component: string, options: ColorJitterOptions): ColorJitterRanges {
  const ranges: ColorJitterRanges = {};
  for (const key of ["brightness", "contrast", "saturation"] as const) {
    const range = toRange(component, key, options[key] ?? 0, 1, [0, Infinity]);
    if (range !== undefined) ranges[key] = range;
  }
  const hue = toRange(component, "hue", options.hue ?? 0, 0, [-0.5, 0.5]);
  if (hue !== undefined) ranges.hue = hue;
  return ranges;
}

function toRange(component: string, argument: string, value: number | readonly [number, number], center: number, bounds: [number, number]): [number, number] | undefined {
  let range: [number, number] | undefined;
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) {
    range = [center - value, center + value];
    if (center === 1) range[0] = Math.max(0, range[0]);
  } else if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === "number" && Number.isFinite(v))) {
    range = [value[0] as number, value[1] as number];
  }
  if (range === undefined || range[0] > range[1] || range[0] < bounds[0] || range[1] > bounds[1]) {
    const limit = center === 0 ? "a number in [0, 0.5] or a pair [low, high] within [−0.5, 0.5]" : "a number ≥ 0 or a pair [low, high] with 0 ≤ low ≤ high";
    throw new ContrastiveError({ component, argument, received: describeValue(value), expected: `${limit}, e.g. ${center === 0 ? "0.1" : "0.4"}` });
  }
  return range[0] === center && range[1] === center ? undefined : range;
}

/**
 * Draws one jitter as `ColorJitter.get_params`: a random order of the four operations (a permutation of
 * 0…3), then the factors of the operations that are in, in the order brightness, contrast, saturation, hue.
 * 3 + (number of operations in) draws.
 *
 * @example
 * const draw = drawColorJitter(createRng(1), colorJitterRanges("x", { brightness: 0.4 }));
 */
export function drawColorJitter(rng: Rng, ranges: ColorJitterRanges): ColorJitterDraw {
  const draw: ColorJitterDraw = { order: rng.permutation(4) };
  for (const key of ["brightness", "contrast", "saturation", "hue"] as const) {
    const range = ranges[key];
    if (range !== undefined) draw[key] = rng.uniform(range[0], range[1]);
  }
  return draw;
}
