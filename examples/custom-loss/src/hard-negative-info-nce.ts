import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, type EmbeddingBatch, type Loss, assertPositive, describeValue, l2Normalize } from "@contrastive/core";

/** Options of {@link hardNegativeInfoNce}. */
export interface HardNegativeInfoNceOptions {
  /** τ, the temperature of the cosine similarities. Default 0.5. */
  temperature?: number;
  /** β ≥ 0, how much harder negatives weigh: 0 gives plain NT-Xent. Default 1. */
  beta?: number;
}

/**
 * A user's own loss: the hard-negative InfoNCE of Robinson, Chuang, Sra & Jegelka, "Contrastive
 * Learning with Hard Negative Samples" (ICLR 2021), without their debiasing term (τ⁺ = 0).
 *
 * Over the 2N rows z of two views (L2-normalised), s = cosine / τ, anchor i with positive p(i) and the
 * M = 2N − 2 other rows as negatives n, each negative weighted by its importance
 * w_in = exp(β s_in) / mean_n exp(β s_in):
 *   loss_i = −log(exp(s_ip) / (exp(s_ip) + Σ_n w_in exp(s_in))),
 * averaged over the 2N anchors. In logs: loss_i = softplus(log G_i − s_ip) with
 * log G_i = logsumexp_n((1 + β) s_in) − logsumexp_n(β s_in) + log M — stable at any τ.
 *
 * It is a plain object with `name` and `compute`: nothing to register, no base class.
 */
export function hardNegativeInfoNce(options: HardNegativeInfoNceOptions = {}): Loss {
  const temperature = assertPositive("hardNegativeInfoNce", "temperature", options.temperature ?? 0.5, "0.5");
  const beta = options.beta ?? 1;
  if (typeof beta !== "number" || !Number.isFinite(beta) || beta < 0) {
    throw new ContrastiveError({ component: "hardNegativeInfoNce", argument: "beta", received: describeValue(beta), expected: "a finite number ≥ 0, e.g. 1" });
  }
  return {
    name: "hardNegativeInfoNce",
    compute({ views }: EmbeddingBatch): tf.Scalar {
      if (views.length !== 2 || views[0]!.shape[0] < 2) {
        throw new ContrastiveError({ component: "hardNegativeInfoNce", argument: "views", received: `${views.length} views of ${views[0]?.shape[0]} rows`, expected: "2 views [N, d] with N ≥ 2" });
      }
      return tf.tidy(() => {
        const n = views[0]!.shape[0];
        const z = l2Normalize(tf.concat(views, 0));
        const logits = tf.mul(tf.matMul(z, tf.transpose(z)), 1 / temperature);
        // The positive of row i is row (i + N) mod 2N: a shifted identity.
        const eye = tf.eye(n);
        const zeros = tf.zerosLike(eye);
        const positiveMask = tf.concat([tf.concat([zeros, eye], 1), tf.concat([eye, zeros], 1)], 0);
        const excluded = tf.add(tf.eye(2 * n), positiveMask); // self and positive: not negatives
        const masked = (x: tf.Tensor) => tf.add(x, tf.mul(excluded, -1e9));
        const positive = tf.sum(tf.mul(logits, positiveMask), 1);
        const logG = tf.add(
          tf.sub(tf.logSumExp(masked(tf.mul(logits, 1 + beta)), 1), tf.logSumExp(masked(tf.mul(logits, beta)), 1)),
          Math.log(2 * n - 2),
        );
        return tf.mean(tf.softplus(tf.sub(logG, positive))) as tf.Scalar;
      });
    },
  };
}
