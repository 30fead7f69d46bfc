import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "@contrastive/core";
import { countLeakedTensors } from "@contrastive/core/testing";
import { expect } from "vitest";

/*
 * Helpers for this package's tests (not exported from index.ts, not part of the build).
 */

/** Runs `fn` and fails the test if it leaves tensors allocated. */
export async function expectNoLeaks<T>(fn: () => T | Promise<T>): Promise<T> {
  const { result, leaked } = await countLeakedTensors(fn);
  expect(leaked, "tensors leaked").toBe(0);
  return result;
}

/** Seeded uniform [0, 1) values of the given shape, as a flat Float32Array. */
export function randomValues(shape: readonly number[], seed: number): Float32Array {
  const rng = createRng(seed);
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = rng.next();
  return values;
}

/** A seeded batch of images with values in [0, 1). */
export function randomImages(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  return tf.tensor4d(randomValues(shape, seed), shape, "float32");
}

/** Reads a tensor's values and disposes it. */
export function take(tensor: tf.Tensor): Float32Array {
  const values = tensor.dataSync() as Float32Array;
  tensor.dispose();
  return Float32Array.from(values);
}

/** The smallest and largest of `values` (a loop: spreading large arrays overflows the stack). */
export function extent(values: ArrayLike<number>): [number, number] {
  let low = Infinity, high = -Infinity;
  for (let i = 0; i < values.length; i++) {
    low = Math.min(low, values[i] as number);
    high = Math.max(high, values[i] as number);
  }
  return [low, high];
}
