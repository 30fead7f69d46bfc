import * as tf from "@tensorflow/tfjs-core";
import { diagonalMask, normalizeRows, normalizeRowsGradient } from "./similarity-logits.js";
import type { NormalizedRows } from "./similarity-logits.js";

/** NT-Xent of two views, `[N, d], [N, d] → []`. */
export type TwoViewLoss = (first: tf.Tensor2D, second: tf.Tensor2D) => tf.Scalar;

/** The forward pass of the two-view path and what its gradient needs. */
interface TwoViewForward {
  value: tf.Scalar;
  rows: NormalizedRows;
  /** exp(S − rowMax), `[2N, 2N]`, and its row sums `[2N, 1]`. */
  exps: tf.Tensor2D;
  sums: tf.Tensor2D;
}

function forward(first: tf.Tensor2D, second: tf.Tensor2D, temperature: number): TwoViewForward {
  const n = first.shape[0];
  const rows = normalizeRows(tf.concat([first, second], 0));
  // Explicit transposes: tfjs-backend-wasm 4.22 runs matMul with transposeA/B ~15× slower than without.
  const logits = tf.add(tf.matMul(tf.mul(rows.z, 1 / temperature), tf.transpose(rows.z)), diagonalMask(2 * n));
  const rowMax = tf.max(logits, 1, true);
  const exps = tf.exp(tf.sub(logits, rowMax)) as tf.Tensor2D;
  const sums = tf.sum(exps, 1, true) as tf.Tensor2D;
  const [za, zb] = tf.split(rows.z, 2, 0);
  const positives = tf.sum(tf.mul(za!, zb!));
  const value = tf.sub(tf.mean(tf.add(tf.log(sums), rowMax)), tf.mul(positives, 1 / (n * temperature))) as tf.Scalar;
  return { value, rows, exps, sums };
}

/**
 * SimCLR's NT-Xent for two views without labels, as one `[2N, 2N]` matMul and a log-sum-exp, with a
 * hand-written gradient (`tf.customGrad`). Inputs must already be validated.
 *
 * Forward: z = normalize([a; b]), S = z zᵀ / τ with −1e9 on the diagonal, and
 * loss = mean_i logsumexp(S_i) − (1 / 2N) Σ_i S_i,pos(i), where Σ_i S_i,pos(i) = 2 Σ_k z_ak · z_bk / τ.
 *
 * Backward: ∂loss/∂S = (P − Y) / 2N with P the row softmax and Y the positives, so
 * ∂loss/∂z = ((P + Pᵀ) z − 2 Y z) / (2N τ), Y z being z with its halves swapped; then back through
 * the normalisation (see `normalizeRowsGradient`). Only `exp(S − rowMax)` and its row sums are kept.
 */
export function twoViewNtXent(temperature: number): TwoViewLoss {
  const loss = tf.customGrad((...args: unknown[]) => {
    const [first, second, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    const n = first.shape[0];
    const { value, rows, exps, sums } = forward(first, second, temperature);
    save([rows.z, rows.inverseNorm, rows.active, exps, sums]);

    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [z, inverseNorm, active, savedExps, savedSums] = saved as tf.Tensor2D[];
      // dy / (2N τ) folded into the softmax normalisation: one [2N, 2N] pass.
      const scale = tf.div(dy, 2 * n * temperature);
      const weights = tf.mul(savedExps!, tf.div(scale, savedSums!));
      const symmetric = tf.matMul(tf.add(weights, tf.transpose(weights)), z!);
      const [halfA, halfB] = tf.split(z!, 2, 0);
      const swapped = tf.concat([halfB!, halfA!], 0);
      const gradientZ = tf.sub(symmetric, tf.mul(swapped, tf.mul(scale, 2))) as tf.Tensor2D;
      const gradientX = normalizeRowsGradient({ z: z!, inverseNorm: inverseNorm!, active: active! }, gradientZ);
      return tf.split(gradientX, 2, 0);
    };
    return { value, gradFunc };
  });
  return loss as unknown as TwoViewLoss;
}

/** The same forward pass in plain ops, differentiated by autodiff: the check (and the baseline) for the custom gradient. */
export function twoViewNtXentAutodiff(temperature: number): TwoViewLoss {
  return (first, second) => tf.tidy(() => forward(first, second, temperature).value);
}
