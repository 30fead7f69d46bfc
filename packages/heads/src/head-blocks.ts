import * as tfl from "@tensorflow/tfjs-layers";
import { ContrastiveError, createRng, describeValue } from "@contrastive/core";
import { PlainBatchNormalization, registerHeadLayers } from "./plain-batch-norm.js";

/** Activation of a head block. */
export type HeadActivation = "relu" | "linear" | "gelu" | "elu" | "tanh";

/**
 * One block of a head, as data (lightly's `(in, out, batch_norm, non_linearity)` tuples):
 * linear(units) → [batch norm] → [activation].
 */
export interface HeadBlock {
  /** Output size of the block's linear layer. */
  units: number;
  /** Batch norm after the linear (`nn.BatchNorm1d`, momentum 0.1, ε 1e-5). Default false. */
  batchNorm?: boolean;
  /** Learnable γ and β in that batch norm. Default true; SimSiam's output BN has none (`affine=False`). */
  batchNormAffine?: boolean;
  /** Activation after the (normalised) linear. Default 'linear' (none). */
  activation?: HeadActivation;
  /** Bias in the linear. Default `!batchNorm` (a bias before batch norm is redundant), as lightly. */
  bias?: boolean;
}

const activations = new Set(["relu", "linear", "gelu", "elu", "tanh"]);

/** Checks `blocks` and builds the sequential model; linears initialised as `nn.Linear` (uniform ±1/√fan_in). */
export function buildHeadModel(component: string, inputDim: number, blocks: HeadBlock[], seed: number, name: string): tfl.Sequential {
  if (typeof inputDim !== "number" || !Number.isInteger(inputDim) || inputDim <= 0) {
    throw new ContrastiveError({ component, argument: "inputDim", received: describeValue(inputDim), expected: "a positive integer" });
  }
  if (!Array.isArray(blocks) || blocks.length === 0) {
    throw new ContrastiveError({ component, argument: "blocks", received: describeValue(blocks), expected: "a non-empty list of { units, batchNorm?, activation?, bias? }" });
  }
  blocks.forEach((block, i) => {
    if (typeof block?.units !== "number" || !Number.isInteger(block.units) || block.units <= 0) {
      throw new ContrastiveError({ component, argument: `blocks[${i}].units`, received: describeValue(block?.units), expected: "a positive integer" });
    }
    if (block.activation !== undefined && !activations.has(block.activation)) {
      throw new ContrastiveError({ component, argument: `blocks[${i}].activation`, received: describeValue(block.activation), expected: `one of ${[...activations].join(", ")}` });
    }
  });
  registerHeadLayers();
  const rng = createRng(seed);
  const model = tfl.sequential({ name });
  let width = inputDim;
  blocks.forEach((block, i) => {
    const bound = 1 / Math.sqrt(width);
    const batchNorm = block.batchNorm ?? false;
    model.add(
      tfl.layers.dense({
        units: block.units,
        useBias: block.bias ?? !batchNorm,
        kernelInitializer: tfl.initializers.randomUniform({ minval: -bound, maxval: bound, seed: rng.uint32() }),
        biasInitializer: tfl.initializers.randomUniform({ minval: -bound, maxval: bound, seed: rng.uint32() }),
        ...(i === 0 ? { inputShape: [inputDim] } : {}),
      }),
    );
    if (batchNorm) {
      const affine = block.batchNormAffine ?? true;
      if (affine) model.add(tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }));
      else model.add(new PlainBatchNormalization({ momentum: 0.9, epsilon: 1e-5 }));
    }
    if (block.activation !== undefined && block.activation !== "linear") model.add(tfl.layers.activation({ activation: block.activation }));
    width = block.units;
  });
  return model;
}
