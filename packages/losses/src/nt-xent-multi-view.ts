import * as tf from "@tensorflow/tfjs-core";
import { l2Normalize } from "@contrastive/core";
import { MASKED_LOGIT } from "./similarity-logits.js";

/**
 * NT-Xent over V ≥ 2 views and optional labels, with pytorch-metric-learning's `NTXentLoss`
 * semantics, in plain differentiable ops (autodiff gives the gradient). Inputs must already be validated.
 *
 * The V·N rows of the views are stacked; row r has label `labels[r mod N]` (default: its instance
 * index r mod N). Every ordered pair (a, p), a ≠ p, of equal labels is a positive pair and every row
 * with another label is a negative of a. One term per positive pair,
 * −log(exp(s_ap) / (exp(s_ap) + Σ_n exp(s_an))), s = cosine / τ, averaged over all positive pairs.
 * Each term is shifted by max(s_ap, max_n s_an), as pml does, so that no exponential overflows or
 * underflows to a log of zero at any temperature. For V = 2 and no labels this is SimCLR's NT-Xent.
 */
export function multiViewNtXent(views: tf.Tensor2D[], labels: tf.Tensor1D | undefined, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const n = views[0]!.shape[0];
    const rowCount = n * views.length;
    const z = l2Normalize(tf.concat(views, 0));
    const logits = tf.mul(tf.matMul(z, tf.transpose(z)), 1 / temperature); // no transposeB: slow on wasm

    const instanceLabels = labels ?? tf.range(0, n, 1, "int32");
    const rowLabels = tf.tile(instanceLabels, [views.length]);
    const sameLabel = tf.cast(tf.equal(tf.reshape(rowLabels, [rowCount, 1]), tf.reshape(rowLabels, [1, rowCount])), "float32");
    const positiveMask = tf.sub(sameLabel, tf.eye(rowCount));
    const negativeMask = tf.sub(1, sameLabel);

    // Per anchor: the largest negative logit and Σ_n exp(s_an − that maximum) (0 when a has no negatives).
    const negativeLogits = tf.add(logits, tf.mul(sameLabel, MASKED_LOGIT));
    const negativeMax = tf.max(negativeLogits, 1, true);
    const negativeSum = tf.sum(tf.mul(tf.exp(tf.sub(negativeLogits, negativeMax)), negativeMask), 1, true);

    // Per pair (a, p): log(exp(s_ap − c) + exp(max_n − c) · Σ) − (s_ap − c), c = max(s_ap, max_n).
    const shift = tf.add(negativeMax, tf.relu(tf.sub(logits, negativeMax))); // max(s_ap, max_n), broadcast
    const shifted = tf.sub(logits, shift);
    const denominator = tf.add(tf.exp(shifted), tf.mul(tf.exp(tf.sub(negativeMax, shift)), negativeSum));
    const perPair = tf.sub(tf.log(denominator), shifted);
    return tf.div(tf.sum(tf.mul(perPair, positiveMask)), tf.sum(positiveMask)) as tf.Scalar;
  });
}
