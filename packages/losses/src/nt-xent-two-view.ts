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
  /** exp(S − shift) (shift 1 / τ or the row max), `[2N, 2N]`, and its row sums `[2N, 1]`. */
  exps: tf.Tensor2D;
  sums: tf.Tensor2D;
}

function forward(a: tf.Tensor2D, b: tf.Tensor2D, temperature: number): TwoViewForward {
  const n = a.shape[0];
  // Each view normalised on its own: the halves needed for the positives and the gradient come
  // without splitting [2N, d] tensors (splits and concats of big tensors cost as much as small kernels).
  const first = normalizeRows(a);
  const second = normalizeRows(b);
  const z = tf.concat([first.z, second.z], 0);
  // Explicit transposes: tfjs-backend-wasm 4.22 runs matMul with transposeA/B ~15× slower than without.
  const similarities = tf.matMul(tf.mul(z, 1 / temperature), tf.transpose(z));
  // Every logit is a cosine / τ ≤ 1 / τ, so shifting by the constant 1 / τ overflows nothing, and the
  // smallest term, exp(−2 / τ), stays a normal float32 while 2 / τ ≤ 80: no row max (a [2N, 2N]
  // reduction and subtraction) is needed then. Below τ = 0.025 the row max keeps sums from underflowing.
  const constantShift = 2 / temperature <= 80;
  const logits = tf.add(similarities, diagonalMask(2 * n, constantShift ? -1 / temperature : 0));
  const rowMax = constantShift ? tf.scalar(1 / temperature) : tf.max(logits, 1, true);
  const shifted = constantShift ? logits : tf.sub(logits, rowMax);
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
 * each view's normalisation (see `normalizeRowsGradient`). Only `exp(S − shift)` and its row sums are kept.
 */
export function twoViewNtXent(temperature: number): TwoViewLoss {
  const loss = tf.customGrad((...args: unknown[]) => {
    const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    const n = a.shape[0];
    const { value, first, second, z, exps, sums } = forward(a, b, temperature);
    save([z, first.z, first.inverseNorm, first.active, second.z, second.inverseNorm, second.active, exps, sums]);

    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [savedZ, za, inverseA, activeA, zb, inverseB, activeB, savedExps, savedSums] = saved as tf.Tensor2D[];
      // dy / (2N τ) folded into the softmax normalisation: one [2N, 2N] pass.
      const scale = tf.div(dy, 2 * n * temperature);
      const weights = tf.mul(savedExps!, tf.div(scale, savedSums!));
      const [symmetricA, symmetricB] = tf.split(tf.matMul(tf.add(weights, tf.transpose(weights)), savedZ!), 2, 0);
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
  return (first, second) => tf.tidy(() => forward(first, second, temperature).value);
}
