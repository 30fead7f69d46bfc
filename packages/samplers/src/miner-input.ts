/*
 * Shared by the miners (not exported): checks a miner's inputs and reads back what index selection
 * needs, the labels and, for the miners that look at embeddings, the matrix of pairwise distances.
 */
import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, NonFiniteError, assertShape, describeValue, euclideanDistanceMatrix, l2Normalize } from "@contrastive/core";

/** What a miner reads back from its inputs: N, the labels and (when asked) the N × N distances, row-major. */
export interface MinerInput {
  rows: number;
  labels: ArrayLike<number>;
  distances?: Float32Array;
}

/**
 * Checks `embeddings` `[N, d]` and `labels` `[N]`, reads the labels back and, with `withDistances`, the
 * Euclidean distances of the (L2-normalised, when `normalize`) embeddings. Frees every tensor it makes.
 *
 * @throws {ContrastiveError} when the shapes disagree; {@link NonFiniteError} when a distance is NaN or infinite.
 */
export function readMinerInput(component: string, embeddings: tf.Tensor2D, labels: tf.Tensor1D, options: { withDistances: boolean; normalize: boolean }): MinerInput {
  assertShape(component, "embeddings", embeddings, [-1, -1], " ([N, d], one row per example)");
  const rows = embeddings.shape[0];
  assertShape(component, "labels", labels, [rows], ", one class id per row of embeddings");
  const labelValues = labels.dataSync() as ArrayLike<number>;
  if (!options.withDistances) return { rows, labels: labelValues };
  const matrix = tf.tidy(() => euclideanDistanceMatrix(options.normalize ? l2Normalize(embeddings) : embeddings));
  const distances = matrix.dataSync() as Float32Array;
  matrix.dispose();
  const bad = distances.findIndex((value) => !Number.isFinite(value));
  if (bad >= 0) {
    throw new NonFiniteError({
      component,
      argument: "embeddings",
      received: `a non-finite distance (${distances[bad]}) between rows ${Math.floor(bad / rows)} and ${bad % rows}`,
      expected: "finite embeddings: check the encoder's output",
    });
  }
  return { rows, labels: labelValues, distances };
}

/** An int32 tensor `[length]` of `values`. */
export function indexTensor(values: number[]): tf.Tensor1D {
  return tf.tensor1d(Int32Array.from(values), "int32");
}

/** Throws unless `value` is a finite number ≥ 0 (a margin in distance units). */
export function assertMargin(component: string, argument: string, value: unknown, example: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new ContrastiveError({ component, argument, received: describeValue(value), expected: `a finite number ≥ 0 (a distance between L2-normalised embeddings, in [0, 2]), e.g. ${example}` });
  }
  return value;
}
