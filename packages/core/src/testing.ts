import * as tf from "@tensorflow/tfjs-core";
import { registerWasmTrainingKernels } from "./wasm-kernels.js";

/**
 * Helpers for testing tensor code on every backend, for this project's tests and for users
 * testing their own losses and components.
 */

/** The backends tests run on. */
export const TEST_BACKENDS = ["cpu", "wasm"] as const;
export type TestBackend = (typeof TEST_BACKENDS)[number];

let loaded = false;

/** Loads tfjs (gradients), the cpu and wasm backends and the wasm training kernels, once. */
export async function loadTestBackends(): Promise<void> {
  if (loaded) return;
  await import("@tensorflow/tfjs");
  await import("@tensorflow/tfjs-backend-cpu");
  await import("@tensorflow/tfjs-backend-wasm");
  registerWasmTrainingKernels();
  tf.enableProdMode();
  loaded = true;
}

/** Sets `name` as the active backend (loading the test backends first). */
export async function useBackend(name: TestBackend): Promise<void> {
  await loadTestBackends();
  if (!(await tf.setBackend(name))) throw new Error(`could not set the ${name} backend`);
  await tf.ready();
}

/**
 * Runs `fn` and returns its result with the number of tensors it left allocated
 * (`tf.memory().numTensors` after minus before). A leak-free function gives 0.
 */
export async function countLeakedTensors<T>(fn: () => T | Promise<T>): Promise<{ result: T; leaked: number }> {
  const before = tf.memory().numTensors;
  const result = await fn();
  return { result, leaked: tf.memory().numTensors - before };
}

/** Central finite-difference gradient of a scalar function of a flat Float64 vector, in float64 JS arithmetic. */
export function finiteDifferenceGradient(f: (x: Float64Array) => number, x: Float64Array, step = 1e-5): Float64Array {
  const grad = new Float64Array(x.length);
  const probe = Float64Array.from(x);
  for (let i = 0; i < x.length; i++) {
    const original = probe[i] as number;
    probe[i] = original + step;
    const plus = f(probe);
    probe[i] = original - step;
    const minus = f(probe);
    probe[i] = original;
    grad[i] = (plus - minus) / (2 * step);
  }
  return grad;
}

/** The largest absolute elementwise difference of two equal-length arrays. */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
}
