import type * as tf from "@tensorflow/tfjs-core";
import type { Trainable } from "./contracts.js";

/** The part of a `tf.LayersModel` (tfjs-layers) that the adapters need; structural, so core does not import tfjs-layers. */
export interface LayersModelLike {
  readonly name: string;
  /** tfjs-layers' `LayerVariable`s; `read()` returns the underlying `tf.Variable` (typed as a Tensor there). */
  readonly trainableWeights: ReadonlyArray<{ read(): tf.Tensor }>;
  readonly weights: ReadonlyArray<{ read(): tf.Tensor }>;
  apply(inputs: tf.Tensor | tf.Tensor[], kwargs?: { training?: boolean }): unknown;
  dispose(): unknown;
}

/**
 * The {@link Trainable} view of a tfjs-layers model: its variables, as the optimizer and checkpoints
 * need them, and `dispose`. Used by the backbone and head packages to wrap the models they build.
 */
export function trainableFromLayersModel(model: LayersModelLike): Trainable {
  return {
    get trainableWeights() {
      return model.trainableWeights.map((w) => w.read() as tf.Variable);
    },
    get weights() {
      return model.weights.map((w) => w.read() as tf.Variable);
    },
    dispose() {
      model.dispose();
    },
  };
}
