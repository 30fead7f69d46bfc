import * as tf from "@tensorflow/tfjs-core";
import type { MomentumEncoder } from "./momentum-encoder.js";

/**
 * The target branch of BYOL- and SimSiam-like methods: for each online view, a target embedding that
 * carries no gradient. The trainer appends the V targets after the V online embeddings (the predictor's
 * outputs, when there is a predictor) in `batch.views`, so a loss sees `[p_1 … p_V, t_1 … t_V]` (see
 * `crossView` in `@contrastive/losses` for the symmetric pairing (p_1, t_2), (p_2, t_1)).
 */
export interface TargetBranch {
  readonly name: string;
  /**
   * The targets of the V online views, called inside the gradient tape: `projections` are the online
   * head's outputs (before any predictor), `views` the images they came from. Must carry no gradient.
   */
  targets(input: { views: tf.Tensor4D[]; projections: tf.Tensor2D[] }): tf.Tensor2D[];
  /** After the optimizer's update (an EMA step). */
  update?(): void;
  /** Variables the branch owns and a training-mode pass may change (restored when a step fails). */
  readonly weights?: tf.Variable[];
}

/**
 * x forward, zero gradient backward: `stopgrad` of SimSiam's pseudo-code, `.detach()` in PyTorch.
 *
 * @example
 * const target = stopGradient(projection); // a constant for the loss's gradient
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const op = tf.customGrad(((input: tf.Tensor) => ({ value: tf.clone(input), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x) as T;
}

/**
 * SimSiam's target (Chen & He 2021): the online projections themselves behind a stop-gradient — the same
 * forward pass, no second network, no EMA.
 *
 * @example
 * createTrainer({ backbone, head: projector, predictor, target: stopGradientTarget(), loss: crossView(negativeCosine()), … });
 */
export function stopGradientTarget(): TargetBranch {
  return {
    name: "stopGradient",
    targets: ({ projections }) => projections.map((z) => stopGradient(z)),
  };
}

/**
 * BYOL's target (Grill et al. 2020): a momentum (EMA) copy of the online backbone and projector that
 * embeds every view; updated after each optimizer step, with a momentum that may follow a schedule
 * (`cosineMomentumSchedule`).
 *
 * @example
 * const ema = momentumEncoder({ online: { backbone, head: projector }, target: { backbone: convNet(o), head: projector2 }, momentum: cosineMomentumSchedule({ base: 0.99, totalSteps }) });
 * createTrainer({ backbone, head: projector, predictor, target: momentumTarget(ema), loss: crossView(negativeCosine()), … });
 */
export function momentumTarget(encoder: MomentumEncoder): TargetBranch {
  return {
    name: "momentum",
    targets: ({ views }) => views.map((v) => stopGradient(encoder.embed(v))),
    update: () => encoder.update(),
    get weights() {
      return [...encoder.backbone.weights, ...(encoder.head?.weights ?? [])];
    },
  };
}
