import * as tf from "@tensorflow/tfjs-core";
import { l2Normalize } from "@contrastive/core";
import { normalizeRows, normalizeRowsGradient } from "./similarity-logits.js";
import type { NormalizedRows } from "./similarity-logits.js";

/** InfoNCE of queries and keys `[N, d]` with extra negatives `[K, d]` (or none), `→ []`. */
export type InfoNceKernel = (queries: tf.Tensor2D, keys: tf.Tensor2D, negatives: tf.Tensor2D | undefined) => tf.Scalar;

interface Forward {
  value: tf.Scalar;
  q: NormalizedRows;
  k: NormalizedRows;
  /** The normalised negatives `[K, d]` (in-batch keys first when `inBatchNegatives`). */
  candidates: tf.Tensor2D | undefined;
  /** exp(logits − rowMax) and its row sums `[N, 1]`. */
  exps: tf.Tensor2D;
  sums: tf.Tensor2D;
}

/**
 * With in-batch negatives the logits are q [k; m]ᵀ / τ `[N, N + K]` and row i's positive is column i.
 * Without, they are [q_i · k_i, q_i mᵀ] / τ `[N, 1 + K]` and the positive is column 0 (MoCo).
 * Either way loss = mean_i logsumexp(logits_i) − (1 / N τ) Σ_i q_i · k_i.
 */
function forward(queries: tf.Tensor2D, keys: tf.Tensor2D, negatives: tf.Tensor2D | undefined, temperature: number, inBatch: boolean): Forward {
  const n = queries.shape[0];
  const q = normalizeRows(queries);
  const k = normalizeRows(keys);
  const bank = negatives === undefined ? undefined : l2Normalize(negatives);
  const scaledQ = tf.mul(q.z, 1 / temperature);
  let logits: tf.Tensor2D;
  let candidates: tf.Tensor2D | undefined;
  if (inBatch) {
    candidates = bank === undefined ? k.z : tf.concat([k.z, bank], 0);
    // Explicit transposes: tfjs-backend-wasm runs matMul with transposeB far slower than without.
    logits = tf.matMul(scaledQ, tf.transpose(candidates));
  } else {
    candidates = bank;
    const positive = tf.sum(tf.mul(scaledQ, k.z), 1, true) as tf.Tensor2D;
    logits = bank === undefined ? positive : tf.concat([positive, tf.matMul(scaledQ, tf.transpose(bank)) as tf.Tensor2D], 1);
  }
  const rowMax = tf.max(logits, 1, true);
  const exps = tf.exp(tf.sub(logits, rowMax)) as tf.Tensor2D;
  const sums = tf.sum(exps, 1, true) as tf.Tensor2D;
  const positives = tf.sum(tf.mul(q.z, k.z));
  const value = tf.sub(tf.mean(tf.add(tf.log(sums), rowMax)), tf.mul(positives, 1 / (n * temperature))) as tf.Scalar;
  return { value, q, k, candidates, exps, sums };
}

/**
 * InfoNCE with a hand-written gradient (`tf.customGrad`). Inputs must already be validated; the
 * negatives are constants (a bank or queue is never part of the gradient).
 *
 * Backward: with W = softmax(logits) dy / (N τ) `[N, C]` and s = dy / (N τ),
 * in-batch: ∂/∂q = W [k; m] − s k and ∂/∂k = W[:, :N]ᵀ q − s q;
 * MoCo: ∂/∂q = (W[:, 0] − s) k + W[:, 1:] m and ∂/∂k = (W[:, 0] − s) q;
 * then back through the normalisation (see `normalizeRowsGradient`).
 */
export function infoNceKernel(temperature: number, inBatch: boolean): InfoNceKernel {
  return (queries, keys, negatives) => {
    const loss = tf.customGrad((...args: unknown[]) => {
      const [first, second, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
      const n = first.shape[0];
      const { value, q, k, candidates, exps, sums } = forward(first, second, negatives, temperature, inBatch);
      save([q.z, q.inverseNorm, q.active, k.z, k.inverseNorm, k.active, exps, sums, ...(candidates ? [candidates] : [])]);

      const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
        const [qz, qInverse, qActive, kz, kInverse, kActive, savedExps, savedSums, savedCandidates] = saved as tf.Tensor2D[];
        const scale = tf.div(dy, n * temperature);
        const weights = tf.mul(savedExps!, tf.div(scale, savedSums!)) as tf.Tensor2D;
        let gradientQ: tf.Tensor2D;
        let gradientK: tf.Tensor2D;
        if (inBatch) {
          gradientQ = tf.sub(tf.matMul(weights, savedCandidates!), tf.mul(kz!, scale));
          const inBatchWeights = savedCandidates!.shape[0] === n ? weights : tf.slice(weights, [0, 0], [n, n]);
          gradientK = tf.sub(tf.matMul(tf.transpose(inBatchWeights), qz!), tf.mul(qz!, scale));
        } else {
          const positiveWeight = tf.sub(tf.slice(weights, [0, 0], [n, 1]), scale);
          gradientK = tf.mul(qz!, positiveWeight);
          gradientQ = tf.mul(kz!, positiveWeight);
          if (savedCandidates) gradientQ = tf.add(gradientQ, tf.matMul(tf.slice(weights, [0, 1], [n, -1]), savedCandidates));
        }
        return [
          normalizeRowsGradient({ z: qz!, inverseNorm: qInverse!, active: qActive! }, gradientQ),
          normalizeRowsGradient({ z: kz!, inverseNorm: kInverse!, active: kActive! }, gradientK),
        ];
      };
      return { value, gradFunc };
    });
    return (loss as unknown as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Scalar)(queries, keys);
  };
}

/**
 * The same forward pass in plain ops, differentiated by autodiff: the check for the custom gradient
 * (it would also differentiate into `negatives` if they were variables; the tests pass constants).
 */
export function infoNceAutodiff(temperature: number, inBatch: boolean): InfoNceKernel {
  return (queries, keys, negatives) => tf.tidy(() => forward(queries, keys, negatives, temperature, inBatch).value);
}
