import * as tf from "@tensorflow/tfjs-core";
import type { ScheduleLike } from "../schedules.js";
import { StepOptimizer, type Slots, checkRange } from "./step-optimizer.js";

/** Options of {@link lars}. */
export interface LarsOptions {
  /** A number or a schedule of the step (SimCLR: 0.3 × batch / 256 with warm-up and cosine decay). */
  learningRate: ScheduleLike;
  /** μ of the momentum buffer; default 0.9. */
  momentum?: number;
  /** Weight decay λ, on adapted variables only; default 1e-6 (SimCLR's). */
  weightDecay?: number;
  /** η, the trust coefficient; default 0.001. */
  trustCoefficient?: number;
  /** Clip the local rate at the global one (solo-learn's `clip_lr`); default false. */
  clip?: boolean;
  /**
   * Variables left out of adaptation and weight decay (plain SGD with momentum for them). Default:
   * those with one dimension — biases and batch-norm γ, β — as SimCLR and solo-learn do.
   */
  exclude?: (variable: tf.Variable) => boolean;
}

const oneDimensional = (variable: tf.Variable) => variable.rank <= 1;

class Lars extends StepOptimizer {
  static className = "ContrastiveLars";
  constructor(private readonly options: Required<Omit<LarsOptions, "learningRate">> & { learningRate: ScheduleLike }) {
    super("lars", options.learningRate, ["momentum"]);
  }

  protected update(variable: tf.Variable, gradient: tf.Tensor, slots: Slots, learningRate: number): void {
    const { momentum, weightDecay, trustCoefficient, clip, exclude } = this.options;
    let g = gradient;
    if (!exclude(variable)) {
      // solo-learn's LARS: local = η‖w‖ / (‖g‖ + λ‖w‖ + ε) when both norms are > 0, else 1.
      const weightNorm = tf.norm(variable);
      const gradientNorm = tf.norm(gradient);
      const local = tf.div(tf.mul(weightNorm, trustCoefficient), tf.add(tf.add(gradientNorm, tf.mul(weightNorm, weightDecay)), 1e-8));
      const bothPositive = tf.logicalAnd(tf.greater(weightNorm, 0), tf.greater(gradientNorm, 0));
      let ratio = tf.where(bothPositive, local, tf.onesLike(local));
      if (clip) ratio = tf.minimum(tf.div(ratio, learningRate), 1);
      g = tf.mul(tf.add(gradient, tf.mul(variable, weightDecay)), ratio);
    }
    const buffer = slots.momentum as tf.Variable;
    buffer.assign(tf.add(tf.mul(buffer, momentum), g));
    variable.assign(tf.sub(variable, tf.mul(buffer, learningRate)));
  }

  getConfig(): tf.serialization.ConfigDict {
    const { learningRate, exclude: _exclude, ...rest } = this.options;
    return { ...rest, learningRate: typeof learningRate === "number" ? learningRate : null };
  }
}

/**
 * LARS, layer-wise adaptive rate scaling (You, Gitman & Ginsburg 2017), as SimCLR and solo-learn use it
 * for large batches: for each adapted variable, g ← (∇ + λw)·η‖w‖ / (‖∇‖ + λ‖w‖ + ε) (1 when a norm is 0),
 * then SGD with momentum: b ← μb + g, w ← w − lr·b. Biases and batch-norm parameters (one-dimensional
 * variables) are excluded from adaptation and weight decay by default.
 *
 * @throws {ContrastiveError} for a negative or non-finite option.
 * @example
 * const optimizer = lars({ learningRate: warmupCosineSchedule({ peak: 0.3 * batchSize / 256, warmupSteps: 10 * stepsPerEpoch, totalSteps }), weightDecay: 1e-6 });
 */
export function lars(options: LarsOptions): tf.Optimizer & { currentLearningRate(): number } {
  const momentum = checkRange("lars", "momentum", options.momentum ?? 0.9, 0, 1, "0.9");
  const weightDecay = checkRange("lars", "weightDecay", options.weightDecay ?? 1e-6, 0, Infinity, "1e-6");
  const trustCoefficient = checkRange("lars", "trustCoefficient", options.trustCoefficient ?? 0.001, 0, Infinity, "0.001");
  return new Lars({ learningRate: options.learningRate, momentum, weightDecay, trustCoefficient, clip: options.clip ?? false, exclude: options.exclude ?? oneDimensional });
}
