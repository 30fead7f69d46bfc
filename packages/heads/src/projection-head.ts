import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { ContrastiveError, type Head, createRng, describeValue, trainableFromLayersModel } from "@contrastive/core";

/** Activation between the blocks of a head. */
export type HeadActivation = "relu" | "linear" | "gelu" | "elu" | "tanh";

/** Options of {@link projectionHead}. */
export interface ProjectionHeadOptions {
  /** Size of the backbone's representation v. */
  inputDim: number;
  /** Sizes of the hidden blocks (linear → [batch norm] → activation). Default [inputDim]. */
  hiddenDims?: number[];
  /** Size of the output z. */
  outputDim: number;
  /** Batch norm after each hidden linear. Default true. */
  batchNorm?: boolean;
  /** Activation of the hidden blocks. Default 'relu'. */
  activation?: HeadActivation;
  /** Seed of the weight initialisation. Default 0. */
  seed?: number;
}

/**
 * A projection head h: v → z declared as data: hidden blocks linear → batch norm → activation, then a
 * final linear. `projectionHead({ inputDim: 128, hiddenDims: [128], outputDim: 64 })` is the demo's
 * Linear(128,128)–BN–ReLU–Linear(128,64) (SimCLR, Chen et al. 2020, uses a 2-layer MLP head).
 * Linears are initialised as PyTorch's `nn.Linear` (uniform ±1/√fan_in); batch norm as `nn.BatchNorm1d`
 * (momentum 0.1, ε 1e-5).
 *
 * `apply`: [N, inputDim] → [N, outputDim].
 *
 * @throws {ContrastiveError} for non-positive dimensions.
 * @example
 * const head = projectionHead({ inputDim: 128, hiddenDims: [128], outputDim: 64 });
 * const z = head.apply(features, { training: true }); // [N, 64]
 */
export function projectionHead(options: ProjectionHeadOptions): Head & { model: tfl.LayersModel } {
  const { inputDim, outputDim, batchNorm = true, activation = "relu", seed = 0 } = options;
  const hiddenDims = options.hiddenDims ?? [inputDim];
  const dims: Array<[string, unknown]> = [["inputDim", inputDim], ["outputDim", outputDim], ...hiddenDims.map((d, i): [string, unknown] => [`hiddenDims[${i}]`, d])];
  for (const [argument, value] of dims) {
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
      throw new ContrastiveError({ component: "projectionHead", argument, received: describeValue(value), expected: "a positive integer" });
    }
  }
  const rng = createRng(seed);
  const model = tfl.sequential({ name: "projection_head" });
  const linear = (units: number, fanIn: number, first: boolean) => {
    const bound = 1 / Math.sqrt(fanIn);
    model.add(
      tfl.layers.dense({
        units,
        kernelInitializer: tfl.initializers.randomUniform({ minval: -bound, maxval: bound, seed: rng.uint32() }),
        biasInitializer: tfl.initializers.randomUniform({ minval: -bound, maxval: bound, seed: rng.uint32() }),
        ...(first ? { inputShape: [inputDim] } : {}),
      }),
    );
  };
  let width = inputDim;
  hiddenDims.forEach((units, i) => {
    linear(units, width, i === 0);
    if (batchNorm) model.add(tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }));
    if (activation !== "linear") model.add(tfl.layers.activation({ activation }));
    width = units;
  });
  linear(outputDim, width, hiddenDims.length === 0);
  const trainable = trainableFromLayersModel(model);
  return {
    name: "projectionHead",
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
      if (features.rank !== 2 || features.shape[1] !== inputDim) {
        throw new ContrastiveError({ component: "projectionHead", argument: "features", received: describeValue(features), expected: `a tensor of shape [N, ${inputDim}]` });
      }
      return model.apply(features, { training: forward.training ?? false }) as tf.Tensor2D;
    },
    dispose() {
      trainable.dispose();
    },
  };
}
