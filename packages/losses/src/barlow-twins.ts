import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, describeValue } from "@contrastive/core";
import type { EmbeddingBatch, Loss } from "@contrastive/core";
import { checkViews, ensureFiniteLoss, rejectUnused } from "./validate-batch.js";

const COMPONENT = "barlowTwins";

/** The epsilon of `torch.nn.functional.batch_norm`, which lightly normalises each view with. */
export const BATCH_NORM_EPSILON = 1e-5;

/** Options of {@link barlowTwins}. */
export interface BarlowTwinsOptions {
  /** λ, the weight of the off-diagonal (redundancy-reduction) terms; a finite number ≥ 0. Default 5e-3. */
  lambda?: number;
}

/** (x − mean) / sqrt(var + 1e-5) per column over the batch, with the biased variance: batch norm without affine. */
function batchNormalize(x: tf.Tensor2D): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, 0, true);
  return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, BATCH_NORM_EPSILON))) as tf.Tensor2D;
}

/**
 * The Barlow Twins loss (Zbontar, Jing, Misra, LeCun & Deny, "Barlow Twins: Self-Supervised Learning
 * via Redundancy Reduction", ICML 2021), equal to lightly's `BarlowTwinsLoss`.
 *
 * Each view `[N, d]` is batch-normalised on its own, as `F.batch_norm` in training mode does (biased
 * variance over the N rows, epsilon 1e-5, no affine); C = âᵀ b̂ / N `[d, d]` is their
 * cross-correlation, and the loss is Σ_i (1 − C_ii)² + λ Σ_{i ≠ j} C_ij². Symmetric in the two
 * views; autodiff gives the gradient. Not a contrastive loss: no temperature, no negatives.
 *
 * `compute` takes exactly 2 views `[N, d]` with N ≥ 2 (batch statistics need two rows).
 *
 * @throws {ContrastiveError} from `barlowTwins` when `lambda` is not a finite number ≥ 0; from `compute`
 *   when there are not exactly 2 views `[N, d]` alike with N ≥ 2, or `labels` or `negatives` is given.
 * @throws {NonFiniteError} from `compute` when a view holds NaN or ±Infinity.
 * @example
 * const loss = barlowTwins({ lambda: 5e-3 });
 * const value = loss.compute({ views: [head.apply(a), head.apply(b)] });
 */
export function barlowTwins(options: BarlowTwinsOptions = {}): Loss {
  const lambda = options.lambda ?? 5e-3;
  if (typeof lambda !== "number" || !Number.isFinite(lambda) || lambda < 0) {
    throw new ContrastiveError({ component: COMPONENT, argument: "lambda", received: describeValue(lambda), expected: "a finite number ≥ 0, e.g. 5e-3" });
  }
  return {
    name: COMPONENT,
    compute(batch: EmbeddingBatch): tf.Scalar {
      const views = checkViews(COMPONENT, batch, 2, { maximumViews: 2, minimumRows: 2 });
      rejectUnused(COMPONENT, batch, "labels", "barlowTwins compares two views of the same rows; it takes no labels");
      rejectUnused(COMPONENT, batch, "negatives", "barlowTwins uses no negatives");
      const value = tf.tidy(() => {
        const [n, d] = views[0]!.shape;
        const a = batchNormalize(views[0]!);
        const b = batchNormalize(views[1]!);
        const correlation = tf.div(tf.matMul(tf.transpose(a), b), n); // explicit transpose: transposeA is slow on wasm
        const eye = tf.eye(d);
        const onDiagonal = tf.sum(tf.square(tf.sub(tf.mul(correlation, eye), eye)));
        const offDiagonal = tf.sum(tf.square(tf.mul(correlation, tf.sub(1, eye))));
        return tf.add(onDiagonal, tf.mul(offDiagonal, lambda)) as tf.Scalar;
      });
      return ensureFiniteLoss(COMPONENT, value, views);
    },
  };
}
