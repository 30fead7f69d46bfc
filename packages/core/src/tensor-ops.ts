import * as tf from "@tensorflow/tfjs-core";

/**
 * Divides each row by its L2 norm, along the last axis: x / ‖x‖, as `torch.nn.functional.normalize`,
 * but at every scale float32 holds: each row is first divided by its largest |value| (so its norm is
 * in [1, √d] and neither squares overflow above ~1e19 nor underflow below ~1e-19), then by that norm.
 * Rows scaled by 1e-30 or 1e30 give the same result as at scale 1. A row of zeros stays zero (its
 * gradient is 1/epsilon, as torch's; the gradient is written by hand, (g − z (z · g)) / ‖x‖). Unlike torch, a tiny nonzero row (‖x‖ < epsilon) is normalised
 * too: epsilon (default 1e-12) bounds the divisor of the rescaled row, so it acts on zero rows only
 * (or on every row when it is above 1). Non-finite input gives NaN rows; the losses turn those into a
 * `NonFiniteError` naming the input. `[..., d] → [..., d]`.
 *
 * @example
 * l2Normalize(tf.tensor2d([[3e30, 4e30], [0, 0]])); // [[0.6, 0.8], [0, 0]]
 */
export function l2Normalize<T extends tf.Tensor>(x: T, epsilon = 1e-12): T {
  const normalize = tf.customGrad((...args: unknown[]) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const largest = tf.max(tf.abs(input), -1, true);
    // the largest |value|, or 1 for a zero row (a custom gradient, so comparisons are fine here)
    const scale = tf.where(tf.greater(largest, 0), largest, tf.onesLike(largest));
    const rescaled = tf.div(input, scale);
    const squares = tf.sum(tf.square(rescaled), -1, true);
    const inverse = tf.rsqrt(tf.maximum(squares, epsilon * epsilon));
    const value = tf.mul(rescaled, inverse);
    // d(x / ‖x‖)/dx · g = (g − z (z · g)) / ‖x‖; where epsilon took over, z = x / (scale · epsilon): g / (scale · epsilon)
    const active = tf.cast(tf.greater(squares, epsilon * epsilon), "float32");
    save([value, tf.div(inverse, scale), active]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [z, inverseNorm, on] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const radial = tf.mul(tf.sum(tf.mul(z, dy), -1, true), on);
        return tf.mul(tf.sub(dy, tf.mul(z, radial)), inverseNorm);
      },
    };
  });
  return tf.tidy(() => normalize(x) as T);
}

/**
 * Cosine similarities of every row of `a` with every row of `b` (default `b = a`).
 * `[N, d], [M, d] → [N, M]`, each entry in [-1, 1].
 */
export function cosineSimilarityMatrix(a: tf.Tensor2D, b?: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const na = l2Normalize(a);
    const nb = b === undefined ? na : l2Normalize(b);
    return tf.matMul(na, nb, false, true);
  });
}

/**
 * Euclidean (or squared Euclidean) distances of every row of `a` to every row of `b` (default `b = a`),
 * computed as ‖a‖² + ‖b‖² − 2ab, clamped at 0; the diagonal of `a` with itself is exactly 0.
 * `[N, d], [M, d] → [N, M]`.
 */
export function euclideanDistanceMatrix(a: tf.Tensor2D, b?: tf.Tensor2D, options: { squared?: boolean } = {}): tf.Tensor2D {
  return tf.tidy(() => {
    const other = b ?? a;
    const aa = tf.sum(tf.square(a), 1, true);
    const bb = tf.reshape(tf.sum(tf.square(other), 1), [1, -1]);
    let squared = tf.relu(tf.sub(tf.add(aa, bb), tf.mul(2, tf.matMul(a, other, false, true)))) as tf.Tensor2D;
    if (b === undefined) {
      const n = a.shape[0];
      squared = tf.mul(squared, tf.sub(1, tf.eye(n))) as tf.Tensor2D;
    }
    if (options.squared) return squared;
    // sqrt has an infinite derivative at 0. sign(s) is 1 where s > 0 and 0 where s = 0, with a zero
    // gradient (a mask from tf.equal would break tf.grad: Equal has no gradient), so the root below is
    // exactly sqrt(s) where s > 0, and exactly 0 with gradient 0 where s = 0.
    const positive = tf.sign(squared);
    return tf.mul(positive, tf.sqrt(tf.add(squared, tf.mul(tf.sub(1, positive), 1e-16)))) as tf.Tensor2D;
  });
}
