import * as tf from "@tensorflow/tfjs-core";
import type { ScheduleLike } from "../schedules.js";
import { StepOptimizer, type Slots, checkRange } from "./step-optimizer.js";

/** Options of {@link sgd}. */
export interface SgdOptions {
  /** A number or a schedule of the step. */
  learningRate: ScheduleLike;
  /** μ of the momentum buffer; default 0 (plain SGD). */
  momentum?: number;
  /** Nesterov momentum (Sutskever et al. 2013, PyTorch's form); needs momentum > 0. Default false. */
  nesterov?: boolean;
  /** L2 weight decay λ added to the gradient (coupled, as PyTorch's SGD); default 0. */
  weightDecay?: number;
}

class Sgd extends StepOptimizer {
  static className = "ContrastiveSgd";
  constructor(private readonly options: Required<Omit<SgdOptions, "learningRate">> & { learningRate: ScheduleLike }) {
    super("sgd", options.learningRate, options.momentum > 0 ? ["momentum"] : []);
  }

  protected update(variable: tf.Variable, gradient: tf.Tensor, slots: Slots, learningRate: number): void {
    const { momentum, nesterov, weightDecay } = this.options;
    let g = weightDecay > 0 ? tf.add(gradient, tf.mul(variable, weightDecay)) : gradient;
    if (momentum > 0) {
      const buffer = slots.momentum as tf.Variable;
      // PyTorch: the first step sets buf = g (not μ·0 + g, which is the same, since slots start at 0).
      buffer.assign(tf.add(tf.mul(buffer, momentum), g));
      g = nesterov ? tf.add(g, tf.mul(buffer, momentum)) : buffer;
    }
    variable.assign(tf.sub(variable, tf.mul(g, learningRate)));
  }

  getConfig(): tf.serialization.ConfigDict {
    const { learningRate, ...rest } = this.options;
    return { ...rest, learningRate: typeof learningRate === "number" ? learningRate : null };
  }
}

/**
 * Stochastic gradient descent with optional (Nesterov) momentum and coupled weight decay, exactly
 * PyTorch's `torch.optim.SGD` (dampening 0): g ← ∇ + λw; b ← μb + g; w ← w − lr·(g + μb if Nesterov
 * else b). The learning rate may be a schedule of the step; its state (buffers, step) is checkpointed.
 *
 * @throws {ContrastiveError} for a negative or non-finite option, or `nesterov` without momentum.
 * @example
 * const optimizer = sgd({ learningRate: warmupCosineSchedule({ peak: 0.06, warmupSteps: 100, totalSteps: 5000 }), momentum: 0.9, weightDecay: 5e-4 });
 */
export function sgd(options: SgdOptions): tf.Optimizer & { currentLearningRate(): number } {
  const momentum = checkRange("sgd", "momentum", options.momentum ?? 0, 0, 1, "0.9");
  const weightDecay = checkRange("sgd", "weightDecay", options.weightDecay ?? 0, 0, Infinity, "5e-4");
  const nesterov = options.nesterov ?? false;
  if (nesterov && momentum === 0) checkRange("sgd", "momentum (with nesterov: true)", momentum, Number.MIN_VALUE, 1, "0.9");
  return new Sgd({ learningRate: options.learningRate, momentum, nesterov, weightDecay });
}
