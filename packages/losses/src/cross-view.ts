import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, type EmbeddingBatch, type Loss } from "@contrastive/core";

/**
 * The symmetric loss of BYOL and SimSiam over both view orders: with `batch.views` =
 * [p_1 … p_V, t_1 … t_V] (V online predictions, then the V targets of the same views, as the trainer
 * passes them with a `target` branch), the mean over k of `base` on (p_k, t_{k+1 mod V}) — for two views
 * ½ (L(p_1, t_2) + L(p_2, t_1)), SimSiam's D(p1, z2)/2 + D(p2, z1)/2 (Chen & He 2021, Alg. 1) and BYOL's
 * symmetrised loss (Grill et al. 2020, §3.1; there a sum, so twice this).
 *
 * `base` sees two views at a time (e.g. `negativeCosine()`); labels and negatives are passed through.
 *
 * @throws {ContrastiveError} when `batch.views` does not hold an even number ≥ 4 of views.
 * @example
 * createTrainer({ …, predictor, target: stopGradientTarget(), loss: crossView(negativeCosine()) });
 */
export function crossView(base: Loss): Loss {
  const name = `crossView(${base.name})`;
  return {
    name,
    compute(batch: EmbeddingBatch): tf.Scalar {
      const count = Array.isArray(batch?.views) ? batch.views.length : 0;
      if (count < 4 || count % 2 !== 0) {
        throw new ContrastiveError({ component: name, argument: "views", received: `${count} views`, expected: "V ≥ 2 online embeddings followed by their V targets (a trainer with a target branch passes them so)" });
      }
      const views = count / 2;
      return tf.tidy(() => {
        const terms = Array.from({ length: views }, (_, k) => {
          const pair = { ...batch, views: [batch.views[k] as tf.Tensor2D, batch.views[views + ((k + 1) % views)] as tf.Tensor2D] };
          return base.compute(pair);
        });
        return tf.div(tf.addN(terms), views) as tf.Scalar;
      });
    },
  };
}
