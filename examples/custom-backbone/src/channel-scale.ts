import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

/**
 * A user-defined layer: y = x · s with one learnable scale per channel ("LayerScale", Touvron et al.,
 * "Going deeper with Image Transformers", ICCV 2021). `static className`, `getConfig` and the
 * `registerClass` call below are what tfjs needs to save it and to load it in another process.
 */
export class ChannelScale extends tfl.layers.Layer {
  static className = "ChannelScale";
  readonly initialScale: number;
  private scale?: tfl.LayerVariable;

  constructor(args: { initialScale?: number; name?: string } = {}) {
    super(args);
    this.initialScale = args.initialScale ?? 1;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    const channels = shape[shape.length - 1] as number;
    this.scale = this.addWeight("scale", [channels], "float32", tfl.initializers.constant({ value: this.initialScale }));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.mul(Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs, (this.scale as tfl.LayerVariable).read()));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), initialScale: this.initialScale };
  }
}
tf.serialization.registerClass(ChannelScale);

/** A small user-defined encoder for 28×28×1 digits, with a classifier on top that `fromModel` cuts off. */
export function buildUserModel(seed = 0): tfl.LayersModel {
  const input = tfl.input({ shape: [28, 28, 1], name: "digits" });
  let x = input;
  [16, 32, 64].forEach((filters, i) => {
    x = tfl.layers.conv2d({ filters, kernelSize: 3, strides: i === 0 ? 1 : 2, padding: "same", useBias: false, kernelInitializer: tfl.initializers.heNormal({ seed: seed + i }), name: `conv${i + 1}` }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: `bn${i + 1}` }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.reLU({ name: `relu${i + 1}` }).apply(x) as tfl.SymbolicTensor;
    x = new ChannelScale({ initialScale: 1, name: `scale${i + 1}` }).apply(x) as tfl.SymbolicTensor;
  });
  const features = tfl.layers.globalAveragePooling2d({ name: "features" }).apply(x) as tfl.SymbolicTensor;
  const logits = tfl.layers.dense({ units: 10, name: "classifier" }).apply(features) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: logits, name: "user_digits_net" });
}
