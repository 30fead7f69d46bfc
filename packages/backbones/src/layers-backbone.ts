import type * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { type Backbone, ContrastiveError, describeValue, trainableFromLayersModel } from "@contrastive/core";

/** What {@link layersBackbone} needs to know besides the model; also what `saveBackbone` stores beside it. */
export interface LayersBackboneInfo {
  /** The component name used in errors, e.g. `resnet18`. */
  name: string;
  /** Shape of one input example, without the batch dimension. */
  inputShape: readonly number[];
  /** d, the size of a representation. */
  outputDim: number;
  /** False freezes the model: no trainable weights, and batch norm always in inference mode. Default true. */
  trainable?: boolean;
}

/** A {@link Backbone} backed by a tfjs-layers model, which `saveBackbone` can write to disk. */
export interface LayersBackbone extends Backbone {
  readonly model: tfl.LayersModel;
  /** True unless the backbone was frozen. */
  readonly trainable: boolean;
}

/**
 * Wraps a tfjs-layers model that maps `[N, ...inputShape]` to `[N, outputDim]` as a {@link Backbone}.
 * `apply` checks the input shape and runs the model with `training` as given (batch norm uses batch
 * statistics and updates its running averages while training); a frozen backbone always runs in inference mode.
 *
 * @throws {ContrastiveError} from `apply` for an input whose shape is not `[N, ...inputShape]`.
 * @example
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 8, inputShape: [4] })] });
 * const backbone = layersBackbone(model, { name: "myEncoder", inputShape: [4], outputDim: 8 });
 */
export function layersBackbone(model: tfl.LayersModel, info: LayersBackboneInfo): LayersBackbone {
  const trainableModel = info.trainable ?? true;
  if (!trainableModel) model.trainable = false;
  const trainable = trainableFromLayersModel(model);
  const expected = [...info.inputShape];
  return {
    name: info.name,
    inputShape: expected,
    outputDim: info.outputDim,
    model,
    trainable: trainableModel,
    get trainableWeights() {
      return trainableModel ? trainable.trainableWeights : [];
    },
    get weights() {
      return trainable.weights;
    },
    apply(inputs: tf.Tensor, forward = {}) {
      if (inputs == null || inputs.rank !== expected.length + 1 || !expected.every((s, i) => inputs.shape[i + 1] === s)) {
        throw new ContrastiveError({ component: info.name, argument: "inputs", received: describeValue(inputs), expected: `a tensor of shape [N, ${expected.join(", ")}]` });
      }
      return model.apply(inputs, { training: trainableModel && (forward.training ?? false) }) as tf.Tensor2D;
    },
    dispose() {
      trainable.dispose();
    },
  };
}
