import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

/** Options of {@link PlainBatchNormalization}. */
export interface PlainBatchNormalizationArgs {
  /** Layer name. Default a unique `plain_batch_normalization_N`. */
  name?: string;
  /** Shape of one input, for a first layer. */
  inputShape?: number[];
  /** Weight of the old running average (tfjs convention; PyTorch's momentum 0.1 is 0.9 here). Default 0.9. */
  momentum?: number;
  /** Added to the variance. Default 1e-5. */
  epsilon?: number;
}

/**
 * Batch norm of [N, d] features without learnable scale and offset: PyTorch's
 * `nn.BatchNorm1d(d, affine=False)` (SimSiam's output BN). tfjs-layers' `batchNormalization` with
 * `center: false, scale: false` fails in training mode in 4.22 (it reads the missing γ), hence this
 * layer. Training: normalises with the batch's mean and (biased) variance and updates the running
 * averages, the variance unbiased as PyTorch does; inference: uses the running averages.
 * Registered for serialization as `PlainBatchNormalization`, so saved heads load anywhere
 * `@contrastive/heads` is imported.
 *
 * @example
 * model.add(new PlainBatchNormalization({ momentum: 0.9, epsilon: 1e-5 }));
 */
export class PlainBatchNormalization extends tfl.layers.Layer {
  static className = "PlainBatchNormalization";
  readonly momentum: number;
  readonly epsilon: number;
  private movingMean?: tfl.LayerVariable;
  private movingVariance?: tfl.LayerVariable;

  constructor(args: PlainBatchNormalizationArgs = {}) {
    super(args);
    this.momentum = args.momentum ?? 0.9;
    this.epsilon = args.epsilon ?? 1e-5;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const features = shape[shape.length - 1] as number;
    this.movingMean = this.addWeight("moving_mean", [features], "float32", tfl.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight("moving_variance", [features], "float32", tfl.initializers.ones(), undefined, false);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
      const movingMean = this.movingMean as tfl.LayerVariable;
      const movingVariance = this.movingVariance as tfl.LayerVariable;
      if (!(kwargs?.training ?? false)) {
        return tf.batchNorm(x, movingMean.read(), movingVariance.read(), undefined, undefined, this.epsilon);
      }
      const axes = x.shape.slice(0, -1).map((_, i) => i);
      const { mean, variance } = tf.moments(x, axes);
      const count = axes.reduce((n, a) => n * (x.shape[a] as number), 1);
      const unbiased = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
      const decay = 1 - this.momentum;
      movingMean.write(tf.sub(movingMean.read(), tf.mul(tf.sub(movingMean.read(), mean), decay)));
      movingVariance.write(tf.sub(movingVariance.read(), tf.mul(tf.sub(movingVariance.read(), unbiased), decay)));
      return tf.batchNorm(x, mean, variance, undefined, undefined, this.epsilon);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon };
  }
}

let registered = false;

/** Registers this package's custom layers for (de)serialization, once; `loadHead` calls it. */
export function registerHeadLayers(): void {
  if (registered) return;
  tf.serialization.registerClass(PlainBatchNormalization);
  registered = true;
}
