import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, assertShape, describeValue, l2Normalize } from "@contrastive/core";

/** Options of {@link dimensionStd}. */
export interface DimensionStdOptions {
  /** `collapsed` is set when the mean std is below `collapseThreshold / √d`; default 0.1. */
  collapseThreshold?: number;
}

/** What {@link dimensionStd} found. */
export interface DimensionStdResult {
  /** The standard deviation of each dimension of the L2-normalised embeddings (N − 1 denominator, as `torch.std`). */
  perDimension: Float32Array;
  /** Their mean. */
  mean: number;
  /** 1/√d: the mean std of embeddings spread isotropically (e.g. Gaussian) over the sphere. */
  reference: number;
  /** True when `mean < collapseThreshold / √d`: the embeddings have (nearly) collapsed to a point. */
  collapsed: boolean;
}

/**
 * The collapse check of SimSiam (Chen & He, "Exploring Simple Siamese Representation Learning", CVPR
 * 2021, Fig. 2): the per-dimension standard deviation of L2-normalised embeddings z/‖z‖. Collapsed
 * outputs give 0; outputs spread like an isotropic Gaussian give about 1/√d. `collapsed` flags a mean
 * below `collapseThreshold`/√d (default 0.1/√d).
 *
 * Shapes: `embeddings [N, d]`, N ≥ 2 → `perDimension` of length d. Leaves no tensors.
 *
 * @throws {ContrastiveError} when embeddings are not `[N, d]` with N ≥ 2, or the threshold is not > 0.
 * @example
 * const { mean, reference, collapsed } = await dimensionStd(embeddings);
 * if (collapsed) console.warn(`collapse: mean std ${mean.toFixed(4)} ≪ 1/√d = ${reference.toFixed(4)}`);
 */
export async function dimensionStd(embeddings: tf.Tensor2D, options: DimensionStdOptions = {}): Promise<DimensionStdResult> {
  const { collapseThreshold = 0.1 } = options;
  assertShape("dimensionStd", "embeddings", embeddings, [-1, -1]);
  const [rows, dimension] = embeddings.shape;
  if (rows < 2) throw new ContrastiveError({ component: "dimensionStd", argument: "embeddings", received: describeValue(embeddings), expected: "at least 2 rows" });
  if (typeof collapseThreshold !== "number" || !Number.isFinite(collapseThreshold) || collapseThreshold <= 0) {
    throw new ContrastiveError({ component: "dimensionStd", argument: "collapseThreshold", received: describeValue(collapseThreshold), expected: "a finite number > 0, e.g. 0.1" });
  }
  const std = tf.tidy(() => {
    const z = l2Normalize(tf.cast(embeddings, "float32"));
    const centred = tf.sub(z, tf.mean(z, 0));
    return tf.sqrt(tf.div(tf.sum(tf.square(centred), 0), rows - 1));
  });
  const perDimension = (await std.data().finally(() => std.dispose())) as Float32Array;
  const mean = perDimension.reduce((sum, s) => sum + s, 0) / dimension;
  const reference = 1 / Math.sqrt(dimension);
  return { perDimension, mean, reference, collapsed: mean < collapseThreshold * reference };
}
