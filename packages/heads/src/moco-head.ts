import type { LayersHead } from "./layers-head.js";
import { mlpHead } from "./simclr-head.js";

/** Options of {@link mocoHead}. */
export interface MocoHeadOptions {
  /** Size of v. Default 2048. */
  inputDim?: number;
  /** Width of the hidden layer. Default 2048. */
  hiddenDim?: number;
  /** Size of z. Default 128. */
  outputDim?: number;
  /** Number of linear layers. Default 2 (MoCo v2); v3 uses 3 with batch norm. */
  layers?: number;
  /** Batch norm after every linear. Default false (MoCo v2). */
  batchNorm?: boolean;
  /** Seed of the weight initialisation. Default 0. */
  seed?: number;
}

/**
 * MoCo v2's projection head (Chen, Fan, Girshick & He, "Improved Baselines with Momentum Contrastive
 * Learning", 2020), as lightly's `MoCoProjectionHead`: Linear(2048 → 2048) – ReLU – Linear(2048 → 128)
 * by default, linears with bias, no batch norm. Use the same head for the query and the momentum encoder.
 *
 * `apply`: [N, inputDim] → [N, outputDim].
 *
 * @throws {ContrastiveError} for non-positive dimensions or `layers` < 2.
 * @example
 * const head = mocoHead({ inputDim: 512, hiddenDim: 512, outputDim: 128 });
 */
export function mocoHead(options: MocoHeadOptions = {}): LayersHead {
  return mlpHead("mocoHead", { batchNorm: false, ...options });
}
