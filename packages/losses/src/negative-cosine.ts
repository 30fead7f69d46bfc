import * as tf from "@tensorflow/tfjs-core";
import { l2Normalize } from "@contrastive/core";
import type { EmbeddingBatch, Loss } from "@contrastive/core";
import { checkViews, ensureFiniteLoss, rejectUnused } from "./validate-batch.js";

const COMPONENT = "negativeCosine";

/** The epsilon of `torch.nn.functional.cosine_similarity` (and lightly's default): norms below it are clamped. */
export const COSINE_EPSILON = 1e-8;

/**
 * Negative cosine similarity, the loss of SimSiam (Chen & He, "Exploring Simple Siamese Representation
 * Learning", CVPR 2021) and, on normalised vectors, of BYOL (Grill et al., NeurIPS 2020); equal to
 * lightly's `NegativeCosineSimilarity`: −mean_i cos(a_i, b_i) with
 * cos(a, b) = a · b / (max(‖a‖, 1e-8) · max(‖b‖, 1e-8)), as `torch.nn.functional.cosine_similarity`.
 *
 * `compute` takes exactly 2 views `[N, d]`: `views[0]` the predictions, `views[1]` the targets (pass the
 * targets through a stop-gradient yourself, e.g. from an EMA encoder, where the method needs it).
 * Symmetric in the two views; in [−1, 1]; −1 for identical directions. Autodiff gives the gradient.
 *
 * @throws {ContrastiveError} from `compute` when there are not exactly 2 views `[N, d]` alike, or
 *   `labels` or `negatives` is given.
 * @throws {NonFiniteError} from `compute` when a view holds NaN or ±Infinity.
 * @example
 * const loss = negativeCosine();
 * const value = loss.compute({ views: [predictor.apply(online), target] });
 */
export function negativeCosine(): Loss {
  return {
    name: COMPONENT,
    compute(batch: EmbeddingBatch): tf.Scalar {
      const views = checkViews(COMPONENT, batch, 2, { maximumViews: 2 });
      rejectUnused(COMPONENT, batch, "labels", "negativeCosine compares two views of the same rows; it takes no labels");
      rejectUnused(COMPONENT, batch, "negatives", "negativeCosine uses no negatives");
      const value = tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(l2Normalize(views[0]!, COSINE_EPSILON), l2Normalize(views[1]!, COSINE_EPSILON)), 1))) as tf.Scalar);
      return ensureFiniteLoss(COMPONENT, value, views);
    },
  };
}
