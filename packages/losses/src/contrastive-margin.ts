import * as tf from "@tensorflow/tfjs-core";
import type { EmbeddingBatch, Loss, PairMiner } from "@contrastive/core";
import { assertMargin, linearInDistances, readIndices, reduce, sameLabelMask, stackBatch } from "./triplet-margin.js";

const COMPONENT = "contrastiveMargin";

/** Options of {@link contrastiveMargin}. */
export interface ContrastiveMarginOptions {
  /** Positive pairs farther apart than this are pulled together; a finite number ≥ 0. Default 0. */
  positiveMargin?: number;
  /** Negative pairs closer than this are pushed apart; a finite number ≥ 0 (≤ 2 matters for unit vectors). Default 1. */
  negativeMargin?: number;
  /** Chooses the pairs; it sees the stacked embeddings `[V·N, d]` and their labels `[V·N]`. Default: every pair. */
  miner?: PairMiner;
}

/**
 * The contrastive (margin) loss of Hadsell, Chopra & LeCun, "Dimensionality Reduction by Learning an
 * Invariant Mapping", CVPR 2006, equal to pytorch-metric-learning's `ContrastiveLoss` (default
 * `LpDistance`, power 1, `AvgNonZeroReducer`): with d the Euclidean distance of L2-normalised
 * embeddings, each positive pair (a, p) costs relu(d(a, p) − positiveMargin) and each negative pair
 * (a, n) relu(negativeMargin − d(a, n)); the loss is the mean of the positive-pair costs that are
 * above 0 plus the mean of the negative-pair costs above 0 (a mean over no pair is 0). Costs are not
 * squared, as in pytorch-metric-learning (Hadsell et al. square them).
 *
 * The V views `[N, d]` are stacked into `[V·N, d]`; row v·N + r has label `labels[r]` (default r, so the
 * views of one row are positives). Pairs are ordered (a, b) with a ≠ b: every one without a miner,
 * those the miner returns with one (its indices are constants of the gradient).
 *
 * `compute` returns a scalar. It reads back one number (are the views finite?) before computing.
 *
 * @throws {ContrastiveError} from `contrastiveMargin` when a margin is not a finite number ≥ 0; from
 *   `compute` when a view is not `[N, d]` like `views[0]`, `labels` is not `[N]`, or `negatives` is given.
 * @throws {NonFiniteError} from `compute` when a view holds NaN or ±Infinity (it names the view).
 * @example
 * const loss = contrastiveMargin({ positiveMargin: 0, negativeMargin: 1 });
 * const value = loss.compute({ views: [head.apply(features)], labels });
 */
export function contrastiveMargin(options: ContrastiveMarginOptions = {}): Loss {
  const positiveMargin = assertMargin(COMPONENT, "positiveMargin", options.positiveMargin ?? 0, "0");
  const negativeMargin = assertMargin(COMPONENT, "negativeMargin", options.negativeMargin ?? 1, "1");
  const { miner } = options;
  return {
    name: COMPONENT,
    compute(batch: EmbeddingBatch): tf.Scalar {
      return tf.tidy(() => {
        const { embeddings, rowLabels, distances } = stackBatch(COMPONENT, batch);
        const rows = embeddings.shape[0];
        const none = tf.scalar(0);
        if (miner === undefined) {
          const sameLabel = sameLabelMask(rowLabels);
          const positive = tf.mul(tf.relu(tf.sub(distances, positiveMargin)), tf.sub(sameLabel, tf.eye(rows)));
          const negative = tf.mul(tf.relu(tf.sub(negativeMargin, distances)), tf.sub(1, sameLabel));
          return tf.add(reduce(positive, "meanNonZero", none), reduce(negative, "meanNonZero", none));
        }
        // Indices are constants: the loss is linear in the distances of the active pairs, read back once.
        const pairs = miner.mine(embeddings, rowLabels);
        const [pa, pb] = readIndices(COMPONENT, miner.name, [pairs.positiveAnchors, pairs.positives], rows);
        const [na, nb] = readIndices(COMPONENT, miner.name, [pairs.negativeAnchors, pairs.negatives], rows);
        const d = distances.dataSync();
        const weights = new Float64Array(rows * rows);
        let offset = 0;
        // sign +1: cost d − positiveMargin; sign −1: cost negativeMargin − d; the mean of the active costs.
        for (const [anchors, others, sign, margin] of [[pa!, pb!, 1, positiveMargin], [na!, nb!, -1, negativeMargin]] as const) {
          const active = Array.from(anchors.keys()).filter((t) => sign * (d[anchors[t]! * rows + others[t]!]! - margin) > 0);
          for (const t of active) weights[anchors[t]! * rows + others[t]!] += sign / active.length;
          if (active.length > 0) offset -= sign * margin;
        }
        return linearInDistances(distances, weights, offset);
      });
    },
  };
}
