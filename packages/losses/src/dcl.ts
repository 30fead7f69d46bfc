import * as tf from "@tensorflow/tfjs-core";
import { assertPositive, l2Normalize } from "@contrastive/core";
import type { EmbeddingBatch, Loss } from "@contrastive/core";
import { diagonalMask } from "./similarity-logits.js";
import { checkViews, ensureFiniteLoss, rejectUnused } from "./validate-batch.js";

const COMPONENT = "dcl";

/** Options of {@link dcl}. */
export interface DclOptions {
  /** τ, the temperature that divides the cosine similarities; a finite number > 0. Default 0.1 (lightly's). */
  temperature?: number;
}

/**
 * One direction of DCL (Eq. 6): mean_i [−s_ab(i, i) + logsumexp over j ≠ i of s_aa(i, j) and s_ab(i, j)
 * together], s = cosine / τ, for normalised a, b `[N, d]`. `mask` is the additive diagonal mask `[N, N]`.
 */
function oneWay(a: tf.Tensor2D, b: tf.Tensor2D, bT: tf.Tensor2D, aT: tf.Tensor2D, mask: tf.Tensor2D, temperature: number): tf.Scalar {
  const scaled = tf.mul(a, 1 / temperature);
  const within = tf.add(tf.matMul(scaled, aT), mask);
  const across = tf.add(tf.matMul(scaled, bT), mask);
  const positives = tf.mean(tf.sum(tf.mul(scaled, b), 1));
  return tf.sub(tf.mean(tf.logSumExp(tf.concat([within, across], 1), 1)), positives) as tf.Scalar;
}

/**
 * Decoupled contrastive loss (Yeh et al., "Decoupled Contrastive Learning", ECCV 2022, Eq. 6): NT-Xent
 * with the positive pair removed from the denominator.
 *
 * For views a, b `[N, d]`, L2-normalised, and s = cosine / τ, each direction is
 * L(a, b) = mean_i [−s(a_i, b_i) + log (Σ_{j ≠ i} exp s(a_i, a_j) + Σ_{j ≠ i} exp s(a_i, b_j))], one
 * log-sum-exp over the 2N − 2 negatives of row i, as the paper, solo-learn and lightly before 2024 have
 * it; the loss is ½ (L(a, b) + L(b, a)). Symmetric in the two views; autodiff gives the gradient.
 *
 * lightly's current `DCLLoss` (`weight_fn=None`) differs: it adds two separate log-sum-exps, one over
 * the same view's rows and one over the other view's, i.e. log Σ_j exp s_aa + log Σ_j exp s_ab, which
 * its own docstring attributes to Eq. 6: for identical embeddings ours is log(2N − 2), lightly's
 * 1/τ + 2 log(N − 1).
 *
 * `compute` takes exactly 2 views `[N, d]` with N ≥ 2 (each row needs another row as its negative).
 *
 * @throws {ContrastiveError} from `dcl` when `temperature` is not a finite number > 0; from `compute`
 *   when there are not exactly 2 views `[N, d]` alike with N ≥ 2, or `labels` or `negatives` is given.
 * @throws {NonFiniteError} from `compute` when a view holds NaN or ±Infinity.
 * @example
 * const loss = dcl({ temperature: 0.1 });
 * const value = loss.compute({ views: [head.apply(a), head.apply(b)] });
 */
export function dcl(options: DclOptions = {}): Loss {
  const temperature = assertPositive(COMPONENT, "temperature", options.temperature ?? 0.1, "0.1");
  return {
    name: COMPONENT,
    compute(batch: EmbeddingBatch): tf.Scalar {
      const views = checkViews(COMPONENT, batch, 2, { maximumViews: 2, minimumRows: 2 });
      rejectUnused(COMPONENT, batch, "labels", "dcl treats each row as its own instance; for class labels use supCon or ntXent");
      rejectUnused(COMPONENT, batch, "negatives", "dcl contrasts the rows of the batch only; for a memory bank or queue use infoNce");
      const value = tf.tidy(() => {
        const a = l2Normalize(views[0]!);
        const b = l2Normalize(views[1]!);
        const [aT, bT] = [tf.transpose(a), tf.transpose(b)]; // explicit transposes: transposeB is slow on wasm
        const mask = diagonalMask(a.shape[0]);
        return tf.mul(tf.add(oneWay(a, b, bT, aT, mask, temperature), oneWay(b, a, aT, bT, mask, temperature)), 0.5) as tf.Scalar;
      });
      return ensureFiniteLoss(COMPONENT, value, views);
    },
  };
}
