import * as tf from "@tensorflow/tfjs-core";
import { diagonalMask, normalizeRows, normalizeRowsGradient } from "./similarity-logits.js";
import type { NormalizedRows } from "./similarity-logits.js";

/** NT-Xent of two views, `[N, d], [N, d] → []`. */
export type TwoViewLoss = (first: tf.Tensor2D, second: tf.Tensor2D) => tf.Scalar;

/** The forward pass of the two-view path and what its gradient needs. */
interface TwoViewForward {
  value: tf.Scalar;
  first: NormalizedRows;
  second: NormalizedRows;
  /** [za; zb] `[2N, d]`. */
  z: tf.Tensor2D;
  /**
   * `[2N, 2N]`: exp(S − shift) (shift 1 / τ or the row max), or, in the softmax form, the row softmax P
   * = exp(S − 1 / τ) / sums; and `sums`, the row sums of exp(S − shift), `[2N, 1]`.
   */
  exps: tf.Tensor2D;
  sums: tf.Tensor2D;
}

/** How the log-sum-exp is taken: by the softmax kernel, by exp and a sum after a constant shift, or after each row's max. */
export type Form = "softmax" | "constant-shift" | "row-max";

/**
 * Every logit is a cosine / τ ≤ 1 / τ, so shifting by the constant 1 / τ overflows nothing, and the
 * smallest term, exp(−2 / τ), stays a normal float32 while 2 / τ ≤ 80: no row max (a [2N, 2N] reduction
 * and subtraction) is needed then. Below τ = 0.025 the row max keeps sums from underflowing. While also
 * P_pos = exp(S_pos − logsumexp) ≥ exp(−2 / τ) / 2N stays normal (2 / τ + log 2N ≤ 80), the loss is taken
 * as mean −log P_pos from the softmax kernel (XNNPACK's vectorised exp on wasm: 3× faster than Exp).
 */
export function formOf(temperature: number, rows: number): Form {
  if (2 / temperature > 80) return "row-max";
  return 2 / temperature + Math.log(rows) <= 80 ? "softmax" : "constant-shift";
}

/**
 * P[i, pos(i)] `[2N, 1]`, pos(i) = i + N for the first view's rows and i − N for the second's: by a gather,
 * or, where autodiff must go through it, by a mask (gather's gradient needs UnsortedSegmentSum, absent on wasm).
 */
function positiveEntries(probabilities: tf.Tensor2D, n: number, differentiable: boolean): tf.Tensor2D {
  const positionOf = (i: number) => (i < n ? i + n : i - n);
  if (differentiable) {
    const mask = new Float32Array(4 * n * n);
    for (let i = 0; i < 2 * n; i++) mask[i * 2 * n + positionOf(i)] = 1;
    return tf.sum(tf.mul(probabilities, tf.tensor2d(mask, [2 * n, 2 * n])), 1, true) as tf.Tensor2D;
  }
  const flatPositions = tf.tensor1d(Int32Array.from({ length: 2 * n }, (_, i) => i * 2 * n + positionOf(i)), "int32");
  return tf.reshape(tf.gather(tf.reshape(probabilities, [4 * n * n]), flatPositions), [2 * n, 1]);
}

function forward(a: tf.Tensor2D, b: tf.Tensor2D, temperature: number, differentiable: boolean): TwoViewForward {
  const n = a.shape[0];
  // Each view normalised on its own: the halves needed for the positives and the gradient come
  // without splitting [2N, d] tensors (splits and concats of big tensors cost as much as small kernels).
  const first = normalizeRows(a);
  const second = normalizeRows(b);
  const z = tf.concat([first.z, second.z], 0);
  // Explicit transposes: tfjs-backend-wasm 4.22 runs matMul with transposeA/B ~15× slower than without.
  const similarities = tf.matMul(tf.mul(z, 1 / temperature), tf.transpose(z));
  const form = formOf(temperature, 2 * n);
  const logits = tf.add(similarities, diagonalMask(2 * n, form === "row-max" ? 0 : -1 / temperature));
  if (form === "softmax") {
    const probabilities = tf.softmax(logits) as tf.Tensor2D;
    const positive = positiveEntries(probabilities, n, differentiable);
    const logPositive = tf.log(positive);
    // sums = exp(S_pos − 1 / τ) / P_pos, the row sums of exp(S − 1 / τ) that the gradient needs.
    const cosines = tf.sum(tf.mul(first.z, second.z), 1, true);
    const shiftedPositive = tf.mul(tf.sub(tf.concat([cosines, cosines], 0), 1), 1 / temperature);
    const sums = tf.exp(tf.sub(shiftedPositive, logPositive)) as tf.Tensor2D;
    return { value: tf.neg(tf.mean(logPositive)) as tf.Scalar, first, second, z, exps: probabilities, sums };
  }
  const rowMax = form === "constant-shift" ? tf.scalar(1 / temperature) : tf.max(logits, 1, true);
  const shifted = form === "constant-shift" ? logits : tf.sub(logits, rowMax);
  const exps = tf.exp(shifted) as tf.Tensor2D;
  const sums = tf.sum(exps, 1, true) as tf.Tensor2D;
  const positives = tf.sum(tf.mul(first.z, second.z));
  const value = tf.sub(tf.mean(tf.add(tf.log(sums), rowMax)), tf.mul(positives, 1 / (n * temperature))) as tf.Scalar;
  return { value, first, second, z, exps, sums };
}

/**
 * SimCLR's NT-Xent for two views without labels, as one `[2N, 2N]` matMul and a log-sum-exp, with a
 * hand-written gradient (`tf.customGrad`). Inputs must already be validated.
 *
 * Forward: z = [normalize(a); normalize(b)], S = z zᵀ / τ with −1e9 on the diagonal, and
 * loss = mean_i logsumexp(S_i) − (1 / 2N) Σ_i S_i,pos(i), where Σ_i S_i,pos(i) = 2 Σ_k z_ak · z_bk / τ.
 *
 * Backward: ∂loss/∂S = (P − Y) / 2N with P the row softmax and Y the positives, so
 * ∂loss/∂z = ((P + Pᵀ) z − 2 Y z) / (2N τ), Y z being z with its halves swapped; then back through
 * each view's normalisation (see `normalizeRowsGradient`). Only P (or `exp(S − shift)`) and the row sums
 * are kept. With a constant shift, exp(S − 1/τ) is symmetric, so (P + Pᵀ) = exp(S − 1/τ) ∘ (1/s_i + 1/s_j)
 * needs no `[2N, 2N]` transpose. On wasm the two matMuls are then about 60 % of the time (`pnpm bench:losses -- --profile`).
 */
export function twoViewNtXent(temperature: number): TwoViewLoss {
  const loss = tf.customGrad((...args: unknown[]) => {
    const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    const n = a.shape[0];
    const form = formOf(temperature, 2 * n);
    const { value, first, second, z, exps, sums } = forward(a, b, temperature, false);
    save([z, first.z, first.inverseNorm, first.active, second.z, second.inverseNorm, second.active, exps, sums]);

    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [savedZ, za, inverseA, activeA, zb, inverseB, activeB, savedExps, savedSums] = saved as tf.Tensor2D[];
      // dy / (2N τ) folded into the softmax normalisation: one [2N, 2N] pass.
      const scale = tf.div(dy, 2 * n * temperature);
      const rowScale = tf.div(scale, savedSums!); // [2N, 1]
      // W = E · rowScale (row-wise), E = exp(S − shift); W + Wᵀ is needed. With the constant shift, E is
      // symmetric, so W + Wᵀ = E ∘ (c_i + c_j): two [2N, 2N] passes instead of a [2N, 2N] transpose (the
      // slowest of them on wasm) and two more. The softmax form keeps P = E / sums: E = P ∘ sums first.
      // With the row max, E is not symmetric: transpose.
      const symmetric =
        form === "row-max"
          ? tf.add(tf.mul(savedExps!, rowScale), tf.transpose(tf.mul(savedExps!, rowScale)))
          : tf.mul(form === "softmax" ? tf.mul(savedExps!, savedSums!) : savedExps!, tf.add(rowScale, tf.reshape(rowScale, [1, 2 * n])));
      const [symmetricA, symmetricB] = tf.split(tf.matMul(symmetric, savedZ!), 2, 0);
      const positiveScale = tf.mul(scale, 2);
      return [
        normalizeRowsGradient({ z: za!, inverseNorm: inverseA!, active: activeA! }, tf.sub(symmetricA!, tf.mul(zb!, positiveScale)) as tf.Tensor2D),
        normalizeRowsGradient({ z: zb!, inverseNorm: inverseB!, active: activeB! }, tf.sub(symmetricB!, tf.mul(za!, positiveScale)) as tf.Tensor2D),
      ];
    };
    return { value, gradFunc };
  });
  return loss as unknown as TwoViewLoss;
}

/** The same forward pass in plain ops, differentiated by autodiff: the check (and the baseline) for the custom gradient. */
export function twoViewNtXentAutodiff(temperature: number): TwoViewLoss {
  return (first, second) => tf.tidy(() => forward(first, second, temperature, true).value);
}
