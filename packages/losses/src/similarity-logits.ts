import * as tf from "@tensorflow/tfjs-core";

/** `l2Normalize`'s epsilon (1e-12), squared: a rescaled row with ‖s‖² ≤ this (a zero row) is divided by 1e-12. */
export const EPSILON_SQUARED = 1e-24;

/** What masked logits are set to: far below any logit (|cosine / τ| ≤ 1 / τ), yet finite in float32. */
export const MASKED_LOGIT = -1e9;

/** The rows of `x` divided by their L2 norms, with the inverse norms kept for a hand-written gradient. */
export interface NormalizedRows {
  /** x / ‖x‖ (zero rows stay zero), `[M, d]`. */
  z: tf.Tensor2D;
  /** 1 / ‖x‖, or 1 / 1e-12 for a zero row, `[M, 1]`. */
  inverseNorm: tf.Tensor2D;
  /** 1 where the row is not zero (the norm depends on x), 0 where the epsilon took over, `[M, 1]`. */
  active: tf.Tensor2D;
}

/**
 * L2-normalises the rows of `x` exactly as core's `l2Normalize` does (each row first divided by its
 * largest |value|, so any scale float32 holds works), keeping what its gradient needs.
 */
export function normalizeRows(x: tf.Tensor2D): NormalizedRows {
  const largest = tf.max(tf.abs(x), 1, true);
  // the largest |value|, or 1 for a zero row: relu(1 − 1e38·min(m, 1)) is 1 at m = 0 and 0 for every normal float32 m > 0.
  // (Built from differentiable ops, as the autodiff twins differentiate it; wasm's Sign returned 0 for 2e-30 here.
  // min(m, 1) keeps the product finite: WebGPU shaders do not promise IEEE infinities.)
  const scale = tf.add(largest, tf.relu(tf.sub(1, tf.mul(tf.minimum(largest, 1), 1e38))));
  const rescaled = tf.div(x, scale);
  const squares = tf.sum(tf.square(rescaled), 1, true);
  const inverse = tf.rsqrt(tf.maximum(squares, EPSILON_SQUARED));
  const active = tf.cast(tf.greater(squares, EPSILON_SQUARED), "float32") as tf.Tensor2D;
  return { z: tf.mul(rescaled, inverse), inverseNorm: tf.div(inverse, scale) as tf.Tensor2D, active };
}

/**
 * The gradient with respect to x of a function of z = x / max(‖x‖, ε), given its gradient g with
 * respect to z: (g − z (z · g)) / ‖x‖ per row, or g / ε where the epsilon took over. `[M, d]`.
 */
export function normalizeRowsGradient(rows: NormalizedRows, gradient: tf.Tensor2D): tf.Tensor2D {
  const radial = tf.mul(tf.sum(tf.mul(rows.z, gradient), 1, true), rows.active);
  return tf.mul(tf.sub(gradient, tf.mul(rows.z, radial)), rows.inverseNorm);
}

/** An additive mask `[size, size]`: {@link MASKED_LOGIT} on the diagonal, `offDiagonal` (default 0) elsewhere. */
export function diagonalMask(size: number, offDiagonal = 0): tf.Tensor2D {
  const values = new Float32Array(size * size);
  if (offDiagonal !== 0) values.fill(offDiagonal);
  for (let i = 0; i < size; i++) values[i * size + i] = MASKED_LOGIT;
  return tf.tensor2d(values, [size, size]);
}
