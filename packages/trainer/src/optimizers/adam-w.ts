import * as tf from "@tensorflow/tfjs-core";
import type { ScheduleLike } from "../schedules.js";
import { StepOptimizer, type Slots, checkRange } from "./step-optimizer.js";

/** Options of {@link adamW}. */
export interface AdamWOptions {
  /** A number or a schedule of the step. */
  learningRate: ScheduleLike;
  /** β₁; default 0.9. */
  beta1?: number;
  /** β₂; default 0.999. */
  beta2?: number;
  /** ε added to √v̂; default 1e-8 (PyTorch's; tfjs's Adam uses 1e-7). */
  epsilon?: number;
  /** Decoupled weight decay λ; default 0.01 (PyTorch's). */
  weightDecay?: number;
}

class AdamW extends StepOptimizer {
  static className = "ContrastiveAdamW";
  constructor(private readonly options: Required<Omit<AdamWOptions, "learningRate">> & { learningRate: ScheduleLike }) {
    super("adamW", options.learningRate, ["m", "v"]);
  }

  protected update(variable: tf.Variable, gradient: tf.Tensor, slots: Slots, learningRate: number): void {
    const { beta1, beta2, epsilon, weightDecay } = this.options;
    const t = this.iterations + 1;
    const m = slots.m as tf.Variable;
    const v = slots.v as tf.Variable;
    m.assign(tf.add(tf.mul(m, beta1), tf.mul(gradient, 1 - beta1)));
    v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(gradient), 1 - beta2)));
    const mHat = tf.div(m, 1 - beta1 ** t);
    const vHat = tf.div(v, 1 - beta2 ** t);
    const decayed = tf.mul(variable, 1 - learningRate * weightDecay);
    variable.assign(tf.sub(decayed, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), epsilon)), learningRate)));
  }

  getConfig(): tf.serialization.ConfigDict {
    const { learningRate, ...rest } = this.options;
    return { ...rest, learningRate: typeof learningRate === "number" ? learningRate : null };
  }
}

/**
 * Adam with decoupled weight decay (Loshchilov & Hutter 2019, "Decoupled Weight Decay
 * Regularization"), exactly PyTorch's `torch.optim.AdamW` (amsgrad off): w ← w·(1 − lr·λ), then the
 * Adam step with bias-corrected moments, w ← w − lr·m̂ / (√v̂ + ε). The learning rate may be a schedule
 * of the step; moments and step count are checkpointed.
 *
 * @throws {ContrastiveError} for β outside [0, 1), a negative ε or λ.
 * @example
 * const optimizer = adamW({ learningRate: 1e-3, weightDecay: 0.05 });
 */
export function adamW(options: AdamWOptions): tf.Optimizer & { currentLearningRate(): number } {
  const beta1 = checkRange("adamW", "beta1", options.beta1 ?? 0.9, 0, 0.999999, "0.9");
  const beta2 = checkRange("adamW", "beta2", options.beta2 ?? 0.999, 0, 0.99999999, "0.999");
  const epsilon = checkRange("adamW", "epsilon", options.epsilon ?? 1e-8, 0, Infinity, "1e-8");
  const weightDecay = checkRange("adamW", "weightDecay", options.weightDecay ?? 0.01, 0, Infinity, "0.01");
  return new AdamW({ learningRate: options.learningRate, beta1, beta2, epsilon, weightDecay });
}
