import type * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, assertPositive, describeValue } from "@contrastive/core";
import type { EmbeddingBatch, Loss } from "@contrastive/core";
import { infoNceKernel } from "./info-nce-kernel.js";
import { checkNegatives, checkViews, ensureFiniteLoss, rejectUnused } from "./validate-batch.js";

const COMPONENT = "infoNce";

/** Options of {@link infoNce}. */
export interface InfoNceOptions {
  /** τ, the temperature that divides the cosine similarities; a finite number > 0. Default 0.07 (MoCo). */
  temperature?: number;
  /**
   * Whether the other rows' keys are negatives of each query (CPC / SimCLR-style InfoNCE). `false`
   * keeps only `batch.negatives` (a MoCo queue), which must then be given. Default `true`.
   */
  inBatchNegatives?: boolean;
}

/**
 * InfoNCE (van den Oord, Li & Vinyals, "Representation Learning with Contrastive Predictive Coding",
 * 2018), in the query / key form of MoCo (He, Fan, Wu, Xie & Girshick, "Momentum Contrast for
 * Unsupervised Visual Representation Learning", CVPR 2020).
 *
 * `views[0]` are the queries q `[N, d]`, `views[1]` their positive keys k `[N, d]`, and
 * `batch.negatives` `[K, d]` extra negatives m (a memory bank or queue). All are L2-normalised
 * inside. The loss is the mean over the N queries of the cross-entropy of the positive among
 * the logits / τ:
 * - `inBatchNegatives: true`: logits q_i · [k_1 … k_N, m_1 … m_K], positive k_i — every other
 *   row's key is a negative too;
 * - `inBatchNegatives: false`: logits [q_i · k_i, q_i · m_1 … q_i · m_K], positive first — exactly
 *   MoCo's loss over its queue.
 *
 * The gradient is hand-written (`tf.customGrad`) with respect to both views; the negatives are never
 * differentiated. `compute` reads the value back once to fail clearly on NaN or infinite inputs (not on webgpu).
 *
 * @throws {ContrastiveError} from `infoNce` when `temperature` is not a finite number > 0; from
 *   `compute` when the views are not exactly 2 tensors `[N, d]` alike, `negatives` is not `[K, d]`,
 *   `inBatchNegatives` is false and `negatives` is absent, or `labels` is given (use `supCon`).
 * @throws {NonFiniteError} from `compute` when a view or the negatives hold NaN or ±Infinity.
 * @example
 * const loss = infoNce({ temperature: 0.07, inBatchNegatives: false });
 * const value = loss.compute({ views: [queries, keys], negatives: queue.negatives() });
 */
export function infoNce(options: InfoNceOptions = {}): Loss {
  const temperature = assertPositive(COMPONENT, "temperature", options.temperature ?? 0.07, "0.07");
  const inBatchNegatives = options.inBatchNegatives ?? true;
  if (typeof inBatchNegatives !== "boolean") {
    throw new ContrastiveError({ component: COMPONENT, argument: "inBatchNegatives", received: describeValue(inBatchNegatives), expected: "true or false" });
  }
  const kernel = infoNceKernel(temperature, inBatchNegatives);
  return {
    name: COMPONENT,
    compute(batch: EmbeddingBatch): tf.Scalar {
      const views = checkViews(COMPONENT, batch, 2, { maximumViews: 2 });
      const negatives = checkNegatives(COMPONENT, batch.negatives, views[0]!.shape[1]);
      rejectUnused(COMPONENT, batch, "labels", "infoNce treats each row as its own instance; for class labels use supCon or ntXent");
      if (!inBatchNegatives && negatives === undefined) {
        throw new ContrastiveError({
          component: COMPONENT,
          argument: "negatives",
          received: "undefined",
          expected: "a tensor [K, d] when inBatchNegatives is false (a MoCo queue); or set inBatchNegatives: true",
        });
      }
      return ensureFiniteLoss(COMPONENT, kernel(views[0]!, views[1]!, negatives), views, negatives);
    },
  };
}
