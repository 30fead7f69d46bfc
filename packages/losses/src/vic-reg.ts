import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, describeValue } from "@contrastive/core";
import type { EmbeddingBatch, Loss } from "@contrastive/core";
import { checkViews, ensureFiniteLoss, rejectUnused } from "./validate-batch.js";

const COMPONENT = "vicReg";

/** lightly's epsilon inside the standard deviation of the variance term. */
export const VICREG_EPSILON = 1e-4;

/** Options of {@link vicReg}: the weights of the three terms, each a finite number ≥ 0. */
export interface VicRegOptions {
  /** λ, the weight of the invariance (mean squared error) term. Default 25. */
  invarianceWeight?: number;
  /** μ, the weight of the variance (hinge on the standard deviation) term. Default 25. */
  varianceWeight?: number;
  /** ν, the weight of the covariance (off-diagonal) term. Default 1. */
  covarianceWeight?: number;
}

/** mean_j relu(1 − sqrt(var_j + 1e-4)) and Σ_{i ≠ j} cov_ij² / d of one view, with unbiased (N − 1) statistics. */
function varianceAndCovariance(x: tf.Tensor2D): [tf.Scalar, tf.Scalar] {
  const [n, d] = x.shape;
  const centred = tf.sub(x, tf.mean(x, 0, true)) as tf.Tensor2D;
  const covariance = tf.div(tf.matMul(tf.transpose(centred), centred), n - 1); // explicit transpose: slow on wasm
  const variance = tf.div(tf.sum(tf.square(centred), 0), n - 1);
  const varianceTerm = tf.mean(tf.relu(tf.sub(1, tf.sqrt(tf.add(variance, VICREG_EPSILON))))) as tf.Scalar;
  const offDiagonal = tf.mul(covariance, tf.sub(1, tf.eye(d)));
  const covarianceTerm = tf.div(tf.sum(tf.square(offDiagonal)), d) as tf.Scalar;
  return [varianceTerm, covarianceTerm];
}

function checkWeight(argument: string, value: unknown, fallback: number): number {
  const weight = value ?? fallback;
  if (typeof weight !== "number" || !Number.isFinite(weight) || weight < 0) {
    throw new ContrastiveError({ component: COMPONENT, argument, received: describeValue(weight), expected: `a finite number ≥ 0, e.g. ${fallback}` });
  }
  return weight;
}

/**
 * VICReg (Bardes, Ponce & LeCun, "VICReg: Variance-Invariance-Covariance Regularization for
 * Self-Supervised Learning", ICLR 2022), equal to lightly's `VICRegLoss`.
 *
 * For views a, b `[N, d]`: λ · mean((a − b)²) + μ · ½ (v(a) + v(b)) + ν · (c(a) + c(b)), with
 * v(x) = mean_j relu(1 − sqrt(Var_j(x) + 1e-4)) (γ = 1, unbiased variance) and
 * c(x) = Σ_{i ≠ j} Cov(x)_ij² / d (Cov with N − 1). Symmetric in the two views; autodiff gives the gradient.
 *
 * `compute` takes exactly 2 views `[N, d]` with N ≥ 2 (variances need two rows).
 *
 * @throws {ContrastiveError} from `vicReg` when a weight is not a finite number ≥ 0; from `compute` when
 *   there are not exactly 2 views `[N, d]` alike with N ≥ 2, or `labels` or `negatives` is given.
 * @throws {NonFiniteError} from `compute` when a view holds NaN or ±Infinity.
 * @example
 * const loss = vicReg({ invarianceWeight: 25, varianceWeight: 25, covarianceWeight: 1 });
 * const value = loss.compute({ views: [head.apply(a), head.apply(b)] });
 */
export function vicReg(options: VicRegOptions = {}): Loss {
  const invarianceWeight = checkWeight("invarianceWeight", options.invarianceWeight, 25);
  const varianceWeight = checkWeight("varianceWeight", options.varianceWeight, 25);
  const covarianceWeight = checkWeight("covarianceWeight", options.covarianceWeight, 1);
  return {
    name: COMPONENT,
    compute(batch: EmbeddingBatch): tf.Scalar {
      const views = checkViews(COMPONENT, batch, 2, { maximumViews: 2, minimumRows: 2 });
      rejectUnused(COMPONENT, batch, "labels", "vicReg compares two views of the same rows; it takes no labels");
      rejectUnused(COMPONENT, batch, "negatives", "vicReg uses no negatives");
      const value = tf.tidy(() => {
        const invariance = tf.mean(tf.squaredDifference(views[0]!, views[1]!));
        const [varianceA, covarianceA] = varianceAndCovariance(views[0]!);
        const [varianceB, covarianceB] = varianceAndCovariance(views[1]!);
        return tf.addN([
          tf.mul(invariance, invarianceWeight),
          tf.mul(tf.add(varianceA, varianceB), varianceWeight / 2),
          tf.mul(tf.add(covarianceA, covarianceB), covarianceWeight),
        ]) as tf.Scalar;
      });
      return ensureFiniteLoss(COMPONENT, value, views);
    },
  };
}
