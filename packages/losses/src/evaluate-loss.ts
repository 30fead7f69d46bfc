/*
 * Test helper (not exported): runs a loss the two ways a training loop does, checking that neither
 * leaves a tensor behind, and returns its value and its gradient with respect to every view.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Loss } from "@contrastive/core";
import { ContrastiveError, createRng } from "@contrastive/core";
import { maxAbsDifference } from "@contrastive/core/testing";
import { expect } from "vitest";

/** The value of a loss and its gradient with respect to each view, read back as float32. */
export interface Evaluation {
  value: number;
  gradients: Float32Array[];
}

/** Extra negatives `[K, d]` for a batch, as flat values. */
export interface NegativesInput {
  values: ArrayLike<number>;
  shape: [number, number];
}

/**
 * Builds variables `[rows, columns]` from `views`, computes `loss` inside `tf.tidy` and under
 * `tf.variableGrads`, and expects `tf.memory().numTensors` to be unchanged after each (and at the end).
 * `negatives`, when given, become a (trainable) variable too, and the loss must give it no gradient.
 */
export function evaluateLoss(loss: Loss, views: ArrayLike<number>[], shape: [number, number], labels?: number[], negatives?: NegativesInput): Evaluation {
  const start = tf.memory().numTensors;
  const variables = views.map((view) => {
    const initial = tf.tensor2d(Float32Array.from(view), shape);
    const variable = tf.variable(initial);
    initial.dispose();
    return variable;
  });
  const labelTensor = labels === undefined ? undefined : tf.tensor1d(labels, "int32");
  const negativeVariable = negatives === undefined ? undefined : tf.tidy(() => tf.variable(tf.tensor2d(Float32Array.from(negatives.values), negatives.shape)));
  const batch = { views: variables as tf.Tensor2D[], labels: labelTensor, negatives: negativeVariable as tf.Tensor2D | undefined };
  const before = tf.memory().numTensors;

  const scalar = tf.tidy(() => loss.compute(batch));
  expect(tf.memory().numTensors).toBe(before + 1);
  const value = scalar.dataSync()[0] as number;
  scalar.dispose();

  // Every trainable variable, the negatives included: a bank or queue must get no gradient.
  const { value: again, grads } = tf.variableGrads(() => loss.compute(batch));
  if (negativeVariable) expect(grads[negativeVariable.name]).toBeUndefined();
  const gradients = variables.map((variable) => Float32Array.from(grads[variable.name]!.dataSync() as Float32Array));
  expect(again.dataSync()[0]).toBeCloseTo(value, 5);
  tf.dispose([again, ...Object.values(grads)]);
  expect(tf.memory().numTensors).toBe(before);

  tf.dispose([...variables, ...(labelTensor ? [labelTensor] : []), ...(negativeVariable ? [negativeVariable] : [])]);
  expect(tf.memory().numTensors).toBe(start);
  return { value, gradients };
}

/** `count` seeded arrays of `rows × columns` standard normal values times `scale`. */
export function randomViews(seed: number, count: number, rows: number, columns: number, scale = 1): Float64Array[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => Float64Array.from({ length: rows * columns }, () => scale * rng.normal()));
}

/** Concatenates arrays into one Float64Array. */
export function flatten(arrays: ArrayLike<number>[]): Float64Array {
  const result = new Float64Array(arrays.reduce((total, array) => total + array.length, 0));
  let offset = 0;
  for (const array of arrays) {
    result.set(array, offset);
    offset += array.length;
  }
  return result;
}

/** max |actual − expected| relative to the largest |expected| (float32 against float64). */
export function relativeGap(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  return maxAbsDifference(actual, expected) / Math.max(1e-12, ...Array.from(expected, Math.abs));
}

/** |actual − expected| / max(1, |expected|). */
export const relativeError = (actual: number, expected: number): number => Math.abs(actual - expected) / Math.max(1, Math.abs(expected));

/**
 * Expects `run` to throw a `ContrastiveError` (or `type`) whose message matches `pattern`, leaving
 * `tf.memory().numTensors` unchanged.
 */
export function expectLossError(run: () => unknown, pattern: RegExp, type: typeof ContrastiveError = ContrastiveError): void {
  const before = tf.memory().numTensors;
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(ContrastiveError.isInstance(caught), String(caught)).toBe(true);
  expect(caught).toBeInstanceOf(type);
  expect((caught as Error).message).toMatch(pattern);
  expect(tf.memory().numTensors).toBe(before);
}

/** Runs `run` with tensors of the given shapes (filled with ones), disposing them afterwards. */
export function withTensors<T>(shapes: number[][], run: (tensors: tf.Tensor2D[]) => T): T {
  const tensors = shapes.map((shape): tf.Tensor2D => tf.tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1), shape) as tf.Tensor as tf.Tensor2D);
  try {
    return run(tensors);
  } finally {
    tf.dispose(tensors);
  }
}
