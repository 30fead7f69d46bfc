import type * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, assertInteger, describeValue } from "@contrastive/core";

/*
 * Checks shared by the augmentations of this package (internal: not exported from index.ts).
 */

/** Throws unless `images` is a float32 tensor of shape [N, H, W, C] with N, H, W, C ≥ 1. */
export function assertImages(component: string, images: unknown, argument = "images"): tf.Tensor4D {
  const t = images as tf.Tensor | undefined;
  const ok =
    t !== undefined && t !== null && Array.isArray(t.shape) && t.shape.length === 4 &&
    t.shape.every((size) => size >= 1) && t.dtype === "float32";
  if (!ok) {
    throw new ContrastiveError({
      component,
      argument,
      received: describeValue(images),
      expected: "a float32 tensor of shape [N, H, W, C] with values in [0, 1] (a batch of images, channels last)",
    });
  }
  return t as tf.Tensor4D;
}

/** Throws unless `value` is a pair [low, high] of finite numbers with `minimum` < low ≤ high ≤ `maximum`. */
export function assertInterval(
  component: string,
  argument: string,
  value: unknown,
  bounds: { minimum: number; maximum: number; example: string },
): [number, number] {
  const pair = value as number[];
  const ok =
    Array.isArray(pair) && pair.length === 2 && pair.every((v) => typeof v === "number" && Number.isFinite(v)) &&
    (pair[0] as number) > bounds.minimum && (pair[0] as number) <= (pair[1] as number) && (pair[1] as number) <= bounds.maximum;
  if (!ok) {
    const upper = bounds.maximum === Infinity ? "" : ` ≤ ${bounds.maximum}`;
    throw new ContrastiveError({
      component,
      argument,
      received: describeValue(value),
      expected: `a pair [low, high] with ${bounds.minimum} < low ≤ high${upper}, e.g. ${bounds.example}`,
    });
  }
  return [pair[0] as number, pair[1] as number];
}

/** Throws unless `value` is a finite number in [minimum, maximum]. */
export function assertInRange(
  component: string,
  argument: string,
  value: unknown,
  bounds: { minimum: number; maximum: number; example: string },
): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < bounds.minimum || value > bounds.maximum) {
    const upper = bounds.maximum === Infinity ? "" : ` and ≤ ${bounds.maximum}`;
    throw new ContrastiveError({
      component,
      argument,
      received: describeValue(value),
      expected: `a finite number ≥ ${bounds.minimum}${upper}, e.g. ${bounds.example}`,
    });
  }
  return value;
}

/** Throws unless `value` has the shape of an augmentation: an object with `name` and an `apply` function. */
export function assertAugmentation(component: string, argument: string, value: unknown): void {
  const candidate = value as { name?: unknown; apply?: unknown } | undefined;
  if (candidate === null || typeof candidate !== "object" || typeof candidate.apply !== "function" || typeof candidate.name !== "string") {
    throw new ContrastiveError({
      component,
      argument,
      received: describeValue(value),
      expected: "an Augmentation, an object { name, apply(images, rng) }, e.g. randomResizedCrop({ size: [28, 28] })",
    });
  }
}

/** Throws unless `value` looks like an {@link Rng} from `createRng`. */
export function assertRng(component: string, value: unknown): void {
  const candidate = value as { next?: unknown; fork?: unknown } | undefined;
  if (candidate === null || typeof candidate !== "object" || typeof candidate.next !== "function" || typeof candidate.fork !== "function") {
    throw new ContrastiveError({ component, argument: "rng", received: describeValue(value), expected: "an Rng, e.g. createRng(42) from @contrastive/core" });
  }
}

/**
 * The views of a `multiView(count, augmentation)` or `multiView([a, b, …])` call, checked, on either
 * side (tensor batches or image plans).
 */
export function viewList<A>(component: string, first: number | readonly A[], second?: A): A[] {
  if (Array.isArray(first)) {
    assertInteger(component, "augmentations.length", first.length, 1);
    first.forEach((a, i) => assertAugmentation(component, `augmentations[${i}]`, a));
    return [...first];
  }
  assertInteger(component, "count", first, 1);
  assertAugmentation(component, "augmentation", second);
  return Array.from({ length: first as number }, () => second as A);
}
