import * as tf from "@tensorflow/tfjs-core";
import { type Schedule, valueAt } from "./schedules.js";
import { type Backbone, ContrastiveError, type Head, describeValue } from "@contrastive/core";

/** A target (key) network that follows an online network by exponential moving average. */
export interface MomentumEncoder {
  readonly backbone: Backbone;
  readonly head?: Head;
  /** m in θ_k ← m·θ_k + (1 − m)·θ_q. */
  /** m of the next update (a schedule's value at the current step). */
  readonly momentum: number;
  /** Updates made so far (the clock of a momentum schedule, unless `step` was given). */
  readonly updates: number;
  /** Embeds images [N, H, W, C] → [N, d] with the target network, outside any gradient. */
  embed(images: tf.Tensor4D): tf.Tensor2D;
  /** One EMA step towards the online network's current weights. */
  update(): void;
}

/** Options of {@link momentumEncoder}. */
export interface MomentumEncoderOptions {
  /** The online (query) network, trained by the optimizer. */
  online: { backbone: Backbone; head?: Head };
  /** A second instance of the same architecture, e.g. `convNet(sameOptions)`; its weights are overwritten by the online ones. */
  target: { backbone: Backbone; head?: Head };
  /** Default 0.99 (MoCo on small data; 0.999 on ImageNet). */
  momentum?: number | Schedule;
  /**
   * The step a momentum schedule reads; default the number of `update()` calls. Pass
   * `() => optimizer.iterations` so that a run resumed from a checkpoint continues the schedule.
   */
  step?: () => number;
  /** Run the target with batch statistics, as MoCo's key encoder does (its running averages then follow its own inputs). Default true. */
  training?: boolean;
}

/**
 * The momentum (EMA) encoder of MoCo (He et al. 2020) and BYOL (Grill et al. 2020): a copy of the
 * encoder and head whose parameters follow the online ones, θ_k ← m·θ_k + (1 − m)·θ_q, after each
 * optimizer step. Give it to `createTrainer({ momentumEncoder })`: the trainer then embeds the last view
 * with it (no gradient) and calls `update()` after the step. Batch-norm running averages are not
 * averaged: the target keeps its own, as in MoCo.
 *
 * @throws {ContrastiveError} when the two networks' weights do not match in number and shape, or m ∉ [0, 1].
 * @example
 * const momentum = momentumEncoder({ online: { backbone, head },
 *   target: { backbone: convNet(options), head: projectionHead(headOptions) }, momentum: 0.99 });
 */
export function momentumEncoder(options: MomentumEncoderOptions): MomentumEncoder {
  const { online, target, momentum = 0.99, training = true } = options;
  const inUnit = (m: unknown) => typeof m === "number" && m >= 0 && m <= 1;
  if (!(inUnit(momentum) || typeof momentum === "function")) {
    throw new ContrastiveError({ component: "momentumEncoder", argument: "momentum", received: describeValue(momentum), expected: "a number in [0, 1], e.g. 0.99, or a schedule such as cosineMomentumSchedule(…)" });
  }
  const pairs = (part: "backbone" | "head") => {
    const source = online[part]?.trainableWeights ?? [];
    const destination = target[part]?.trainableWeights ?? [];
    const mismatch = source.length !== destination.length || source.some((v, i) => !tf.util.arraysEqual(v.shape, destination[i]!.shape));
    if (mismatch) {
      throw new ContrastiveError({
        component: "momentumEncoder",
        argument: `target.${part}`,
        received: `${destination.length} weights [${destination.map((v) => v.shape.join("×")).join(", ")}]`,
        expected: `the same architecture as online.${part}: ${source.length} weights [${source.map((v) => v.shape.join("×")).join(", ")}]`,
      });
    }
    return source.map((v, i) => [destination[i]!, v] as const);
  };
  const weights = [...pairs("backbone"), ...pairs("head")];
  let updates = 0;
  const clock = options.step ?? (() => updates);
  const current = () => valueAt(momentum, clock());
  for (const [destination, source] of weights) destination.assign(source);
  return {
    backbone: target.backbone,
    ...(target.head ? { head: target.head } : {}),
    get momentum() {
      return current();
    },
    get updates() {
      return updates;
    },
    embed(images) {
      return tf.tidy(() => {
        const features = target.backbone.apply(images, { training });
        return target.head ? target.head.apply(features, { training }) : features;
      });
    },
    update() {
      // assign() inside tidy: the new value's own tensor handle is released, the variable keeps the data
      const m = current();
      if (!inUnit(m)) {
        throw new ContrastiveError({ component: "momentumEncoder", argument: `momentum at step ${clock()}`, received: describeValue(m), expected: "a number in [0, 1] from the schedule" });
      }
      updates += 1;
      tf.tidy(() => {
        for (const [destination, source] of weights) destination.assign(tf.add(tf.mul(destination, m), tf.mul(source, 1 - m)));
      });
    },
  };
}
