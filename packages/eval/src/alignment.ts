import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, assertShape, describeValue, l2Normalize } from "@contrastive/core";

/** Options of {@link alignment}. */
export interface AlignmentOptions {
  /** The power α of the distance; default 2. */
  alpha?: number;
}

/**
 * Alignment of positive pairs (Wang & Isola, "Understanding Contrastive Representation Learning through
 * Alignment and Uniformity on the Hypersphere", ICML 2020): E ‖f(x) − f(y)‖₂^α over the rows of two
 * views, each row L2-normalised first — their `lalign` (`(x - y).norm(dim=1).pow(alpha).mean()`).
 * 0 when the views agree; 2^α when every pair is antipodal. Lower is better.
 *
 * Shapes: `viewA [N, d]`, `viewB [N, d]` (row i of both is one instance) → a number. Leaves no tensors.
 *
 * @throws {ContrastiveError} when the views are not `[N, d]` of one shape with N ≥ 1, or α is not > 0.
 * @example
 * const value = await alignment(embedA, embedB, { alpha: 2 });
 */
export async function alignment(viewA: tf.Tensor2D, viewB: tf.Tensor2D, options: AlignmentOptions = {}): Promise<number> {
  const { alpha = 2 } = options;
  assertShape("alignment", "viewA", viewA, [-1, -1]);
  assertShape("alignment", "viewB", viewB, viewA.shape, " (the shape of viewA)");
  if (viewA.shape[0] === 0) throw new ContrastiveError({ component: "alignment", argument: "viewA", received: describeValue(viewA), expected: "at least one row" });
  if (typeof alpha !== "number" || !Number.isFinite(alpha) || alpha <= 0) {
    throw new ContrastiveError({ component: "alignment", argument: "alpha", received: describeValue(alpha), expected: "a finite number > 0, e.g. 2" });
  }
  const value = tf.tidy(() => {
    const difference = tf.sub(l2Normalize(tf.cast(viewA, "float32")), l2Normalize(tf.cast(viewB, "float32")));
    const squared = tf.sum(tf.square(difference), 1);
    return tf.mean(alpha === 2 ? squared : tf.pow(tf.sqrt(squared), alpha));
  });
  return (await value.data().finally(() => value.dispose()))[0] as number;
}
