import { ContrastiveError, describeValue } from "@contrastive/core";
import type { HeadBlock } from "./head-blocks.js";
import type { LayersHead } from "./layers-head.js";
import { projectionHead } from "./projection-head.js";

/** Options of {@link simclrHead}. */
export interface SimclrHeadOptions {
  /** Size of v. Default 2048 (ResNet-50); 512 for ResNet-18/34. */
  inputDim?: number;
  /** Width of the hidden layers. Default 2048. */
  hiddenDim?: number;
  /** Size of z. Default 128. */
  outputDim?: number;
  /** Number of linear layers: 2 for SimCLR v1, 3 for v2. Default 2. */
  layers?: number;
  /** Batch norm after every linear, the last included (SimCLR v2). Default true. */
  batchNorm?: boolean;
  /** Seed of the weight initialisation. Default 0. */
  seed?: number;
}

/**
 * SimCLR's projection head (Chen et al., "A Simple Framework for Contrastive Learning of Visual
 * Representations", ICML 2020; v2: "Big Self-Supervised Models are Strong Semi-Supervised Learners",
 * NeurIPS 2020), as lightly's `SimCLRProjectionHead`: `layers − 1` blocks Linear(hiddenDim) – BN – ReLU,
 * then Linear(outputDim) – BN. Defaults 2048 → 2048 → 128. With `batchNorm: false` it is the v1
 * paper's g(h) = W₂ σ(W₁ h) (linears with bias), e.g. 512-512-128 for ResNet-18 as in `torch_step.py`.
 *
 * `apply`: [N, inputDim] → [N, outputDim].
 *
 * @throws {ContrastiveError} for non-positive dimensions or `layers` < 2.
 * @example
 * const head = simclrHead({ inputDim: 512, hiddenDim: 512, outputDim: 128, batchNorm: false });
 */
export function simclrHead(options: SimclrHeadOptions = {}): LayersHead {
  return mlpHead("simclrHead", { batchNorm: true, ...options });
}

/**
 * The lightly SimCLR / MoCo block list: (layers − 1) × Linear–[BN]–ReLU, then Linear–[BN].
 * @internal
 */
export function mlpHead(name: string, options: SimclrHeadOptions & { batchNorm: boolean }): LayersHead {
  const { inputDim = 2048, hiddenDim = 2048, outputDim = 128, layers = 2, batchNorm, seed = 0 } = options;
  if (!Number.isInteger(layers) || layers < 2) {
    throw new ContrastiveError({ component: name, argument: "layers", received: describeValue(layers), expected: "an integer ≥ 2 (2 for SimCLR v1 / MoCo v2, 3 for SimCLR v2)" });
  }
  const hidden: HeadBlock = { units: hiddenDim, batchNorm, activation: "relu" };
  const blocks: HeadBlock[] = [...Array.from({ length: layers - 1 }, () => hidden), { units: outputDim, batchNorm }];
  return projectionHead({ inputDim, blocks, seed, name });
}
