import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, assertInteger, assertShape, describeValue, l2Normalize } from "@contrastive/core";

/** Options of {@link uniformity}. */
export interface UniformityOptions {
  /** The scale t of the Gaussian potential exp(−t‖x − y‖²); default 2. */
  t?: number;
  /** Rows per block of pair distances `[batchSize, N]`; default 1024. */
  batchSize?: number;
}

/**
 * Uniformity of embeddings on the hypersphere (Wang & Isola, ICML 2020): log E exp(−t‖x − y‖²) over
 * distinct pairs of L2-normalised rows — their `lunif` (`torch.pdist(x).pow(2).mul(-t).exp().mean().log()`).
 * 0 when all rows coincide (collapse); lower is more uniform; −4 + log I₀(4) ≈ −1.575 for t = 2 on a
 * uniform circle. Computed as a log-sum-exp in blocks of rows, so it stays finite for any t.
 *
 * Shapes: `embeddings [N, d]`, N ≥ 2 → a number. Leaves no tensors; memory `[batchSize, N]`.
 *
 * @throws {ContrastiveError} when embeddings are not `[N, d]` with N ≥ 2, t is not > 0, or batchSize is not an integer ≥ 1.
 * @example
 * const value = await uniformity(embeddings, { t: 2 });
 */
export async function uniformity(embeddings: tf.Tensor2D, options: UniformityOptions = {}): Promise<number> {
  const { t = 2, batchSize = 1024 } = options;
  assertShape("uniformity", "embeddings", embeddings, [-1, -1]);
  const [rows, dimension] = embeddings.shape;
  if (rows < 2) throw new ContrastiveError({ component: "uniformity", argument: "embeddings", received: describeValue(embeddings), expected: "at least 2 rows (pairs of distinct rows)" });
  if (typeof t !== "number" || !Number.isFinite(t) || t <= 0) {
    throw new ContrastiveError({ component: "uniformity", argument: "t", received: describeValue(t), expected: "a finite number > 0, e.g. 2" });
  }
  assertInteger("uniformity", "batchSize", batchSize);
  const normalised = tf.tidy(() => l2Normalize(tf.cast(embeddings, "float32")));
  // Row by row log-sum-exps, combined in float64: one float32 sum over N² terms loses digits on some backends.
  let largest = -Infinity;
  const rowSums: number[] = [];
  try {
    for (let start = 0; start < rows; start += batchSize) {
      const count = Math.min(batchSize, rows - start);
      const block = tf.tidy(() => {
        const x = tf.slice(normalised, [start, 0], [count, dimension]);
        // ‖x − y‖² = 2 − 2 x·y for unit rows; the diagonal (a row with itself) is left out with −∞.
        const squared = tf.relu(tf.sub(2, tf.mul(2, tf.matMul(x, normalised, false, true))));
        const self = tf.cast(tf.oneHot(tf.range(start, start + count, 1, "int32"), rows), "bool");
        return tf.logSumExp(tf.where(self, tf.fill([count, rows], -Infinity), tf.mul(-t, squared)), 1);
      });
      for (const value of await block.data().finally(() => block.dispose())) {
        rowSums.push(value);
        largest = Math.max(largest, value);
      }
    }
    const logSum = largest + Math.log(rowSums.reduce((sum, value) => sum + Math.exp(value - largest), 0));
    // The mean over ordered pairs i ≠ j equals the mean over unordered pairs i < j.
    return logSum - Math.log(rows * (rows - 1));
  } finally {
    normalised.dispose();
  }
}
