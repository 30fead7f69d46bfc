/*
 * Test helper (not exported): runs a loss the two ways a training loop does, checking that neither
 * leaves a tensor behind, and returns its value and its gradient with respect to every view.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Loss } from "@contrastive/core";
import { createRng } from "@contrastive/core";
import { expect } from "vitest";

/** The value of a loss and its gradient with respect to each view, read back as float32. */
export interface Evaluation {
  value: number;
  gradients: Float32Array[];
}

/**
 * Builds variables `[rows, columns]` from `views`, computes `loss` inside `tf.tidy` and under
 * `tf.variableGrads`, and expects `tf.memory().numTensors` to be unchanged after each (and at the end).
 */
export function evaluateLoss(loss: Loss, views: ArrayLike<number>[], shape: [number, number], labels?: number[]): Evaluation {
  const start = tf.memory().numTensors;
  const variables = views.map((view) => {
    const initial = tf.tensor2d(Float32Array.from(view), shape);
    const variable = tf.variable(initial);
    initial.dispose();
    return variable;
  });
  const labelTensor = labels === undefined ? undefined : tf.tensor1d(labels, "int32");
  const batch = { views: variables as tf.Tensor2D[], labels: labelTensor };
  const before = tf.memory().numTensors;

  const scalar = tf.tidy(() => loss.compute(batch));
  expect(tf.memory().numTensors).toBe(before + 1);
  const value = scalar.dataSync()[0] as number;
  scalar.dispose();

  const { value: again, grads } = tf.variableGrads(() => loss.compute(batch), variables);
  const gradients = variables.map((variable) => Float32Array.from(grads[variable.name]!.dataSync() as Float32Array));
  expect(again.dataSync()[0]).toBeCloseTo(value, 5);
  tf.dispose([again, ...Object.values(grads)]);
  expect(tf.memory().numTensors).toBe(before);

  tf.dispose([...variables, ...(labelTensor ? [labelTensor] : [])]);
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
