import type { LayersHead } from "./layers-head.js";
import { projectionHead } from "./projection-head.js";

/** Options of {@link barlowTwinsHead}. */
export interface BarlowTwinsHeadOptions {
  /** Size of v. Default 2048. */
  inputDim?: number;
  /** Width of the two hidden layers. Default 8192. */
  hiddenDim?: number;
  /** Size of z. Default 8192. */
  outputDim?: number;
  /** Seed of the weight initialisation. Default 0. */
  seed?: number;
}

/**
 * Barlow Twins' projector (Zbontar et al., "Barlow Twins: Self-Supervised Learning via Redundancy
 * Reduction", ICML 2021), as lightly's `BarlowTwinsProjectionHead`: "three linear layers, each with
 * 8192 output units; the first two followed by batch norm and ReLU": Linear(2048 → 8192, no bias) – BN –
 * ReLU – Linear(8192 → 8192, no bias) – BN – ReLU – Linear(8192 → 8192). At the defaults that is
 * 2048·8192 + 8192² + 8192² + 8192 + 4·8192 ≈ 151 M parameters: pass smaller sizes for small models.
 *
 * `apply`: [N, inputDim] → [N, outputDim].
 *
 * @throws {ContrastiveError} for non-positive dimensions.
 * @example
 * const projector = barlowTwinsHead({ inputDim: 512, hiddenDim: 2048, outputDim: 2048 });
 */
export function barlowTwinsHead(options: BarlowTwinsHeadOptions = {}): LayersHead {
  const { inputDim = 2048, hiddenDim = 8192, outputDim = 8192, seed = 0 } = options;
  return projectionHead({
    inputDim,
    blocks: [
      { units: hiddenDim, batchNorm: true, activation: "relu" },
      { units: hiddenDim, batchNorm: true, activation: "relu" },
      { units: outputDim },
    ],
    seed,
    name: "barlowTwinsHead",
  });
}
