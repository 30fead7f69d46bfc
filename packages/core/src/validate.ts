import type * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, describeValue } from "./errors.js";

/** Throws unless `value` is a finite number > 0 (e.g. a temperature). */
export function assertPositive(component: string, argument: string, value: unknown, example = "0.5"): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new ContrastiveError({ component, argument, received: describeValue(value), expected: `a finite number > 0, e.g. ${example}` });
  }
  return value;
}

/** Throws unless `value` is an integer ≥ `minimum`. */
export function assertInteger(component: string, argument: string, value: unknown, minimum = 1): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < minimum) {
    throw new ContrastiveError({ component, argument, received: describeValue(value), expected: `an integer ≥ ${minimum}` });
  }
  return value;
}

/** Throws unless `tensor` is a tensor of the given rank (and, where given, shape; -1 matches any size). */
export function assertShape(component: string, argument: string, tensor: unknown, shape: readonly number[], note = ""): tf.Tensor {
  const t = tensor as tf.Tensor | undefined;
  const ok =
    t !== undefined && t !== null && Array.isArray(t.shape) && t.shape.length === shape.length &&
    shape.every((size, i) => size === -1 || t.shape[i] === size);
  if (!ok) {
    const want = `[${shape.map((s) => (s === -1 ? "any" : String(s))).join(", ")}]`;
    throw new ContrastiveError({ component, argument, received: describeValue(tensor), expected: `a tensor of shape ${want}${note}` });
  }
  return t as tf.Tensor;
}
