import type { LayersHead } from "./layers-head.js";
import { projectionHead } from "./projection-head.js";

/** Options of {@link byolHead} and {@link byolPredictionHead}. */
export interface ByolHeadOptions {
  /** Size of the input: v (default 2048) for the projection, z (default 256) for the prediction head. */
  inputDim?: number;
  /** Width of the hidden layer. Default 4096. */
  hiddenDim?: number;
  /** Size of the output. Default 256. */
  outputDim?: number;
  /** Seed of the weight initialisation. Default 0. */
  seed?: number;
}

const twoLayer = (name: string, inputDim: number, options: ByolHeadOptions): LayersHead =>
  projectionHead({
    inputDim,
    blocks: [{ units: options.hiddenDim ?? 4096, batchNorm: true, activation: "relu" }, { units: options.outputDim ?? 256 }],
    seed: options.seed ?? 0,
    name,
  });

/**
 * BYOL's projection head (Grill et al., "Bootstrap Your Own Latent", NeurIPS 2020), as lightly's
 * `BYOLProjectionHead`: Linear(2048 → 4096, no bias) – BN – ReLU – Linear(4096 → 256).
 *
 * `apply`: [N, inputDim] → [N, outputDim].
 *
 * @throws {ContrastiveError} for non-positive dimensions.
 * @example
 * const projection = byolHead({ inputDim: 512 }); // 512 → 4096 → 256
 */
export function byolHead(options: ByolHeadOptions = {}): LayersHead {
  return twoLayer("byolHead", options.inputDim ?? 2048, options);
}

/**
 * BYOL's predictor q (Grill et al., NeurIPS 2020), as lightly's `BYOLPredictionHead`: the same
 * blocks as the projection, Linear(256 → 4096, no bias) – BN – ReLU – Linear(4096 → 256), on the online branch only.
 *
 * `apply`: [N, inputDim] → [N, outputDim].
 *
 * @throws {ContrastiveError} for non-positive dimensions.
 * @example
 * const predictor = byolPredictionHead(); // 256 → 4096 → 256
 */
export function byolPredictionHead(options: ByolHeadOptions = {}): LayersHead {
  return twoLayer("byolPredictionHead", options.inputDim ?? 256, options);
}
