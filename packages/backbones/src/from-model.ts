import * as tfl from "@tensorflow/tfjs-layers";
import { ContrastiveError, describeValue } from "@contrastive/core";
import { type LayersBackbone, layersBackbone } from "./layers-backbone.js";

/** Options of {@link fromModel}. */
export interface FromModelOptions {
  /** Name of the layer whose output is the representation; the layers after it are cut off. Default: the model's output. */
  outputLayer?: string;
  /** False freezes the backbone (no trainable weights, batch norm in inference mode). Default true. */
  trainable?: boolean;
  /** Pools a [N, H, W, C] (or [N, T, C]) output to [N, C]: `'average'` (global average) or `'flatten'`. Required for such outputs. */
  pooling?: "average" | "flatten";
  /** Component name used in errors. Default the model's name. */
  name?: string;
}

const listNames = (names: string[]) => (names.length <= 60 ? names.join(", ") : `${names.slice(0, 60).join(", ")}, … (${names.length - 60} more)`);

/**
 * Turns any `tf.LayersModel` (built in code, or loaded, e.g. a MobileNet read with
 * `tf.loadLayersModel(fileSystemHandler(dir))`) into a {@link Backbone}: cut at `outputLayer`,
 * optionally pooled to a vector, frozen or not. This is how a user brings their own encoder; a model
 * with custom layer classes works as long as the classes are registered with
 * `tf.serialization.registerClass` (needed to save and load it).
 *
 * The cut model shares its layers (and weights) with `model`: freezing it freezes them in `model`
 * too, and disposing the backbone disposes them.
 *
 * `apply`: [N, ...model input shape] → [N, d], d the size of the (pooled) output of `outputLayer`.
 *
 * @throws {ContrastiveError} for an unknown `outputLayer` (the message lists the layer names), a model
 *   with several inputs or outputs, an input shape with unknown dimensions, or an output of rank > 2
 *   without `pooling`.
 * @example
 * const backbone = fromModel(mobileNet, { outputLayer: "global_average_pooling2d_1", trainable: false });
 * const v = backbone.apply(images); // [N, 1024]
 */
export function fromModel(model: tfl.LayersModel, options: FromModelOptions = {}): LayersBackbone {
  const component = "fromModel";
  if (model == null || typeof (model as { getLayer?: unknown }).getLayer !== "function" || !Array.isArray(model.inputs)) {
    throw new ContrastiveError({ component, argument: "model", received: describeValue(model), expected: "a tf.LayersModel (tf.model, tf.sequential or tf.loadLayersModel)" });
  }
  const { outputLayer, trainable = true, pooling, name = model.name } = options;
  if (model.inputs.length !== 1) {
    throw new ContrastiveError({ component, argument: "model", received: `a model with ${model.inputs.length} inputs`, expected: "a model with one input" });
  }
  let output: tfl.SymbolicTensor;
  if (outputLayer !== undefined) {
    const names = model.layers.map((layer) => layer.name);
    if (!names.includes(outputLayer)) {
      throw new ContrastiveError({ component, argument: "outputLayer", received: describeValue(outputLayer), expected: `the name of a layer of model "${model.name}": ${listNames(names)}` });
    }
    output = model.getLayer(outputLayer).output as tfl.SymbolicTensor;
  } else {
    if (model.outputs.length !== 1) {
      throw new ContrastiveError({ component, argument: "model", received: `a model with ${model.outputs.length} outputs`, expected: "a model with one output, or outputLayer naming one layer" });
    }
    output = model.outputs[0] as tfl.SymbolicTensor;
  }
  if (output.shape.length > 2) {
    if (pooling === "average" && (output.shape.length === 4 || output.shape.length === 3)) {
      const pool = output.shape.length === 4 ? tfl.layers.globalAveragePooling2d({}) : tfl.layers.globalAveragePooling1d({});
      output = pool.apply(output) as tfl.SymbolicTensor;
    } else if (pooling === "flatten") {
      output = tfl.layers.flatten({}).apply(output) as tfl.SymbolicTensor;
    } else {
      throw new ContrastiveError({ component, argument: "pooling", received: `${describeValue(pooling)} for an output of shape [${output.shape.map((s) => s ?? "N").join(", ")}]`, expected: "'average' or 'flatten' to turn that output into [N, d] vectors, or an outputLayer with a rank-2 output" });
    }
  }
  const inputShape = (model.inputs[0] as tfl.SymbolicTensor).shape.slice(1);
  const outputDim = output.shape[1];
  if (!inputShape.every((s) => typeof s === "number") || typeof outputDim !== "number") {
    throw new ContrastiveError({ component, argument: "model", received: `input shape [${inputShape.join(", ")}], output dim ${outputDim}`, expected: "a model with a fully known input shape (except the batch) and output size" });
  }
  const cut = output === model.outputs[0] ? model : tfl.model({ inputs: model.inputs, outputs: output, name: `${model.name}_backbone` });
  return layersBackbone(cut, { name, inputShape: inputShape as number[], outputDim, trainable });
}
