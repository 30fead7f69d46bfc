import * as tfl from "@tensorflow/tfjs-layers";
import { ContrastiveError, createRng, describeValue } from "@contrastive/core";
import { pytorchLinearInitializers } from "./initializers.js";
import { type LayersBackbone, layersBackbone } from "./layers-backbone.js";

/** Options of {@link mlp}. */
export interface MlpOptions {
  /** Size of one input vector. */
  inputDim: number;
  /** Width of each linear block; the last is the representation size d. */
  units: number[];
  /** Batch norm after each linear (then the linear has no bias). Default true. */
  batchNorm?: boolean;
  /** Activation of every block. Default 'relu'. */
  activation?: "relu" | "gelu" | "elu" | "tanh" | "linear";
  /** Seed of the weight initialisation. Default 0. */
  seed?: number;
}

/**
 * A multi-layer perceptron encoder for vector data (tabular features, precomputed embeddings):
 * blocks linear → batch norm → activation, initialised as PyTorch's `nn.Linear` (uniform ±1/√fan_in)
 * and `nn.BatchNorm1d` (momentum 0.1, ε 1e-5).
 *
 * `apply`: [N, inputDim] → [N, units.at(-1)].
 *
 * @throws {ContrastiveError} for a non-positive inputDim or an empty / non-integer `units`.
 * @example
 * const encoder = mlp({ inputDim: 64, units: [256, 128] });
 * const v = encoder.apply(vectors, { training: true }); // [N, 128]
 */
export function mlp(options: MlpOptions): LayersBackbone {
  const { inputDim, units, batchNorm = true, activation = "relu", seed = 0 } = options;
  if (!Number.isInteger(inputDim) || inputDim <= 0) {
    throw new ContrastiveError({ component: "mlp", argument: "inputDim", received: describeValue(inputDim), expected: "a positive integer" });
  }
  if (!Array.isArray(units) || units.length === 0 || !units.every((u) => Number.isInteger(u) && u > 0)) {
    throw new ContrastiveError({ component: "mlp", argument: "units", received: describeValue(units), expected: "a non-empty list of positive integers, e.g. [256, 128]" });
  }
  const rng = createRng(seed);
  const model = tfl.sequential({ name: "mlp" });
  let width = inputDim;
  units.forEach((size, i) => {
    const init = pytorchLinearInitializers(width, rng);
    model.add(tfl.layers.dense({ units: size, useBias: !batchNorm, kernelInitializer: init.kernel, biasInitializer: init.bias, ...(i === 0 ? { inputShape: [inputDim] } : {}) }));
    if (batchNorm) model.add(tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }));
    if (activation !== "linear") model.add(tfl.layers.activation({ activation }));
    width = size;
  });
  return layersBackbone(model, { name: "mlp", inputShape: [inputDim], outputDim: width });
}
