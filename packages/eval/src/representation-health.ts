import type * as tf from "@tensorflow/tfjs-core";
import { alignment } from "./alignment.js";
import { type DimensionStdResult, dimensionStd } from "./dimension-std.js";
import { uniformity } from "./uniformity.js";

/** Options of {@link representationHealth}. */
export interface RepresentationHealthOptions {
  /** The embeddings `[N, d]` (e.g. of the first view, or of a test set). */
  embeddings: tf.Tensor2D;
  /** A second view of the same N instances `[N, d]`: gives `alignment`. */
  positives?: tf.Tensor2D;
  /** α of {@link alignment}; default 2. */
  alpha?: number;
  /** t of {@link uniformity}; default 2. */
  t?: number;
  /** See {@link dimensionStd}; default 0.1. */
  collapseThreshold?: number;
}

/** What {@link representationHealth} found. */
export interface RepresentationHealthResult {
  /** Wang & Isola's alignment of `embeddings` with `positives`; undefined without positives. */
  alignment?: number;
  /** Wang & Isola's uniformity of `embeddings`. */
  uniformity: number;
  /** SimSiam's per-dimension std of the normalised embeddings, with its collapse flag. */
  dimensionStd: DimensionStdResult;
  /** Same as `dimensionStd.collapsed`. */
  collapsed: boolean;
}

/**
 * Representation health in one call: {@link alignment} (Wang & Isola 2020) when a second view is given,
 * {@link uniformity} (Wang & Isola 2020) and the per-dimension {@link dimensionStd} with SimSiam's
 * collapse warning (Chen & He 2021). Leaves no tensors.
 *
 * @throws {ContrastiveError} as the three functions.
 * @example
 * const health = await representationHealth({ embeddings: viewA, positives: viewB });
 * console.log(health.alignment, health.uniformity, health.collapsed ? "collapsed!" : "ok");
 */
export async function representationHealth(options: RepresentationHealthOptions): Promise<RepresentationHealthResult> {
  const { embeddings, positives, alpha = 2, t = 2, collapseThreshold = 0.1 } = options;
  const std = await dimensionStd(embeddings, { collapseThreshold });
  return {
    ...(positives !== undefined ? { alignment: await alignment(embeddings, positives, { alpha }) } : {}),
    uniformity: await uniformity(embeddings, { t }),
    dimensionStd: std,
    collapsed: std.collapsed,
  };
}
