import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, assertPositive, describeValue } from "@contrastive/core";
import type { EmbeddingBatch, Loss } from "@contrastive/core";
import { multiViewNtXent } from "./nt-xent-multi-view.js";
import { twoViewNtXent } from "./nt-xent-two-view.js";
import { checkLabels, checkViews, ensureFiniteLoss } from "./validate-batch.js";

const COMPONENT = "ntXent";

/** Options of {@link ntXent}. */
export interface NtXentOptions {
  /** τ, the temperature that divides the cosine similarities; a finite number > 0. Default 0.5. */
  temperature?: number;
}

/**
 * NT-Xent, the normalised temperature-scaled cross-entropy of SimCLR (Chen, Kornblith, Norouzi &
 * Hinton, "A Simple Framework for Contrastive Learning of Visual Representations", ICML 2020).
 *
 * For two views a, b `[N, d]`: z = L2-normalise([a; b]) `[2N, d]`, S = z zᵀ / τ `[2N, 2N]` without its
 * diagonal, and the loss is the mean over the 2N rows i of −log softmax(S_i)[j], j the other view of
 * row i — equal to lightly's `NTXentLoss`. This path runs as one matMul and a log-sum-exp, with a
 * hand-written gradient.
 *
 * With V > 2 views or with `labels` it follows pytorch-metric-learning's `NTXentLoss`: every pair of
 * rows of the same instance (or of equal labels) is a positive pair, every row of another instance
 * (or label) a negative, and the loss is the mean over positive pairs (a, p) of
 * −log(exp(s_ap) / (exp(s_ap) + Σ_n exp(s_an))). Both definitions agree for V = 2 without labels.
 *
 * `compute` takes `views` (V ≥ 2 tensors `[N, d]`) and optional `labels` `[N]`; it returns a scalar.
 * It reads the loss value back once, to fail with a clear error when an input is NaN or infinite (not on
 * webgpu, where a synchronous read stalls; see `ensureFiniteLoss`).
 *
 * @throws {ContrastiveError} from `ntXent` when `temperature` is not a finite number > 0; from
 *   `compute` when there are fewer than 2 views, a view is not `[N, d]` like `views[0]`, `labels`
 *   is not `[N]`, or `negatives` is given (use `infoNce` for extra negatives).
 * @throws {NonFiniteError} from `compute` when a view holds NaN or ±Infinity (it names the view).
 * @example
 * const loss = ntXent({ temperature: 0.5 });
 * const { value, grads } = tf.variableGrads(() => loss.compute({ views: [head.apply(a), head.apply(b)] }));
 */
export function ntXent(options: NtXentOptions = {}): Loss {
  const temperature = assertPositive(COMPONENT, "temperature", options.temperature ?? 0.5, "0.5");
  const twoView = twoViewNtXent(temperature);
  return {
    name: COMPONENT,
    compute(batch: EmbeddingBatch): tf.Scalar {
      const views = checkViews(COMPONENT, batch, 2);
      const labels = checkLabels(COMPONENT, batch.labels, views[0]!.shape[0]);
      if (batch.negatives !== undefined) {
        throw new ContrastiveError({
          component: COMPONENT,
          argument: "negatives",
          received: describeValue(batch.negatives),
          expected: "absent: ntXent contrasts each row with the other rows of the batch only; for extra negatives (memory bank, queue) use infoNce",
        });
      }
      const value =
        views.length === 2 && labels === undefined
          ? twoView(views[0]!, views[1]!)
          : multiViewNtXent(views, labels, temperature);
      return ensureFiniteLoss(COMPONENT, value, views);
    },
  };
}
