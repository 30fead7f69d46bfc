import * as tf from "@tensorflow/tfjs-core";

/**
 * Divides each row by its L2 norm: x / max(‖x‖, epsilon), as `torch.nn.functional.normalize`.
 * Finite for zero rows and for any scale of input. `[N, d] → [N, d]`.
 */
export function l2Normalize<T extends tf.Tensor>(x: T, epsilon = 1e-12): T {
  return tf.tidy(() => {
    const squares = tf.sum(tf.square(x), -1, true);
    return tf.mul(x, tf.rsqrt(tf.maximum(squares, epsilon * epsilon))) as T;
  });
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
