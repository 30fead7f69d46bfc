import type * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { ContrastiveError, type Head, describeValue, trainableFromLayersModel } from "@contrastive/core";

/** A {@link Head} backed by a tfjs-layers model, which `saveHead` can write to disk. */
export interface LayersHead extends Head {
  readonly model: tfl.LayersModel;
}

/**
 * Wraps a tfjs-layers model mapping `[N, inputDim]` to `[N, outputDim]` as a {@link Head}. `apply`
 * checks the input shape and passes `training` on (batch norm uses batch statistics while training).
 *
 * @throws {ContrastiveError} from `apply` for features that are not `[N, inputDim]`.
 * @example
 * const head = layersHead(myModel, { name: "myHead", inputDim: 512, outputDim: 128 });
 */
export function layersHead(model: tfl.LayersModel, info: { name: string; inputDim: number; outputDim: number }): LayersHead {
  const trainable = trainableFromLayersModel(model);
  const { name, inputDim, outputDim } = info;
  return {
    name,
    inputDim,
    outputDim,
    model,
    get trainableWeights() {
      return trainable.trainableWeights;
    },
    get weights() {
      return trainable.weights;
    },
    apply(features: tf.Tensor2D, forward = {}) {
      if (features == null || features.rank !== 2 || features.shape[1] !== inputDim) {
        throw new ContrastiveError({ component: name, argument: "features", received: describeValue(features), expected: `a tensor of shape [N, ${inputDim}]` });
      }
      return model.apply(features, { training: forward.training ?? false }) as tf.Tensor2D;
    },
    dispose() {
      trainable.dispose();
    },
  };
}
