import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, assertPositive, l2Normalize } from "@contrastive/core";
import type { EmbeddingBatch, Loss } from "@contrastive/core";
import { MASKED_LOGIT } from "./similarity-logits.js";
import { checkLabels, checkViews, ensureFiniteLoss, rejectUnused } from "./validate-batch.js";

const COMPONENT = "supCon";

/** Options of {@link supCon}. */
export interface SupConOptions {
  /** τ, the temperature that divides the cosine similarities; a finite number > 0. Default 0.1. */
  temperature?: number;
}

/** The loss in plain differentiable ops (autodiff gives the gradient). Inputs must already be validated. */
function supConValue(views: tf.Tensor2D[], labels: tf.Tensor1D | undefined, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const n = views[0]!.shape[0];
    const rowCount = n * views.length;
    const z = l2Normalize(tf.concat(views, 0));
    const logits = tf.mul(tf.matMul(z, tf.transpose(z)), 1 / temperature); // no transposeB: slow on wasm
    const rowLabels = tf.tile(labels ?? tf.range(0, n, 1, "int32"), [views.length]);
    const sameLabel = tf.cast(tf.equal(tf.reshape(rowLabels, [rowCount, 1]), tf.reshape(rowLabels, [1, rowCount])), "float32");
    const self = tf.eye(rowCount);
    const positiveMask = tf.sub(sameLabel, self);
    const negativeMask = tf.sub(1, sameLabel);

    // log p_ij = s_ij − logsumexp_{k ≠ i} s_ik (the anchor itself left out of the denominator).
    const denominator = tf.logSumExp(tf.add(logits, tf.mul(self, MASKED_LOGIT)), 1, true);
    const logProbability = tf.sub(logits, denominator);
    const positiveCount = tf.sum(positiveMask, 1);
    const perAnchor = tf.neg(tf.div(tf.sum(tf.mul(positiveMask, logProbability), 1), tf.maximum(positiveCount, 1)));

    // pml's AvgNonZeroReducer: the mean over anchors whose loss is > 0 (anchors without positives give 0);
    // and 0 when the batch has no positive pair or no negative pair at all.
    const counted = tf.step(perAnchor); // 1 where > 0; a comparison op would have no gradient for tf.grad to pass through
    const total = tf.div(tf.sum(tf.mul(perAnchor, counted)), tf.maximum(tf.sum(counted), 1));
    const hasPairs = tf.mul(tf.step(tf.sum(positiveMask)), tf.step(tf.sum(negativeMask)));
    return tf.mul(total, hasPairs) as tf.Scalar;
  });
}

/**
 * Supervised contrastive loss (Khosla et al., "Supervised Contrastive Learning", NeurIPS 2020), equal
 * to pytorch-metric-learning's `SupConLoss` over the V·N rows of the views stacked, each row labelled
 * `labels[row mod N]` (without labels: its instance index, so the views of a row are its positives).
 *
 * With s = cosine / τ over the stacked rows `[VN, VN]`, anchor i's loss is
 * −(1 / |P(i)|) Σ_{p ∈ P(i)} (s_ip − log Σ_{k ≠ i} exp(s_ik)), P(i) the other rows of i's label; the
 * result is the mean over anchors whose loss is > 0 (pml's `AvgNonZeroReducer`), and 0 when the batch
 * has no positive pair or no negative pair. Autodiff gives the gradient.
 *
 * `compute` takes `views` (V ≥ 1 tensors `[N, d]`; V ≥ 2 without labels) and optional `labels` `[N]`.
 *
 * @throws {ContrastiveError} from `supCon` when `temperature` is not a finite number > 0; from `compute`
 *   when the views are not tensors `[N, d]` alike, there is one view and no labels, `labels` is not `[N]`,
 *   or `negatives` is given.
 * @throws {NonFiniteError} from `compute` when a view holds NaN or ±Infinity.
 * @example
 * const loss = supCon({ temperature: 0.1 });
 * const value = loss.compute({ views: [viewA, viewB], labels });
 */
export function supCon(options: SupConOptions = {}): Loss {
  const temperature = assertPositive(COMPONENT, "temperature", options.temperature ?? 0.1, "0.1");
  return {
    name: COMPONENT,
    compute(batch: EmbeddingBatch): tf.Scalar {
      const views = checkViews(COMPONENT, batch, 1);
      const labels = checkLabels(COMPONENT, batch.labels, views[0]!.shape[0]);
      if (labels === undefined && views.length < 2) {
        throw new ContrastiveError({
          component: COMPONENT,
          argument: "views",
          received: "1 view and no labels",
          expected: "at least 2 views, or labels [N] (without labels a row's only positives are its other views)",
        });
      }
      rejectUnused(COMPONENT, batch, "negatives", "supCon contrasts the rows of the batch only; for a memory bank or queue use infoNce");
      return ensureFiniteLoss(COMPONENT, supConValue(views, labels, temperature), views);
    },
  };
}
