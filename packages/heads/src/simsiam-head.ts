import type { LayersHead } from "./layers-head.js";
import { projectionHead } from "./projection-head.js";

/** Options of {@link simsiamHead} and {@link simsiamPredictionHead}. */
export interface SimsiamHeadOptions {
  /** Size of the input. Default 2048. */
  inputDim?: number;
  /** Width of the hidden layers: default 2048 (projection), 512 (prediction bottleneck). */
  hiddenDim?: number;
  /** Size of the output. Default 2048. */
  outputDim?: number;
  /** Seed of the weight initialisation. Default 0. */
  seed?: number;
}

/**
 * SimSiam's projection MLP (Chen & He, "Exploring Simple Siamese Representation Learning", CVPR 2021),
 * as lightly's `SimSiamProjectionHead`: 3 layers, BN on each, including the output, whose BN has no
 * learnable γ/β (`affine=False`) and no ReLU: Linear(2048 → 2048) – BN – ReLU – Linear(2048 → 2048) – BN –
 * ReLU – Linear(2048 → 2048) – BN; linears without bias.
 *
 * `apply`: [N, inputDim] → [N, outputDim].
 *
 * @throws {ContrastiveError} for non-positive dimensions.
 * @example
 * const projection = simsiamHead({ inputDim: 512 });
 */
export function simsiamHead(options: SimsiamHeadOptions = {}): LayersHead {
  const { inputDim = 2048, hiddenDim = 2048, outputDim = 2048, seed = 0 } = options;
  return projectionHead({
    inputDim,
    blocks: [
      { units: hiddenDim, batchNorm: true, activation: "relu" },
      { units: hiddenDim, batchNorm: true, activation: "relu" },
      { units: outputDim, batchNorm: true, batchNormAffine: false },
    ],
    seed,
    name: "simsiamHead",
  });
}

/**
 * SimSiam's prediction MLP h (Chen & He, CVPR 2021), as lightly's `SimSiamPredictionHead`: a
 * bottleneck Linear(2048 → 512, no bias) – BN – ReLU – Linear(512 → 2048) (no BN, no ReLU on the output).
 *
 * `apply`: [N, inputDim] → [N, outputDim].
 *
 * @throws {ContrastiveError} for non-positive dimensions.
 * @example
 * const predictor = simsiamPredictionHead(); // 2048 → 512 → 2048
 */
export function simsiamPredictionHead(options: SimsiamHeadOptions = {}): LayersHead {
  const { inputDim = 2048, hiddenDim = 512, outputDim = 2048, seed = 0 } = options;
  return projectionHead({
    inputDim,
    blocks: [{ units: hiddenDim, batchNorm: true, activation: "relu" }, { units: outputDim }],
    seed,
    name: "simsiamPredictionHead",
  });
}
