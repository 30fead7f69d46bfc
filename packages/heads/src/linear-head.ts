import type { LayersHead } from "./layers-head.js";
import { projectionHead } from "./projection-head.js";

/** Options of {@link linearHead}. */
export interface LinearHeadOptions {
  /** Size of v. */
  inputDim: number;
  /** Size of z. */
  outputDim: number;
  /** Bias in the linear. Default true. */
  bias?: boolean;
  /** Seed of the weight initialisation. Default 0. */
  seed?: number;
}

/**
 * A single linear map z = W v (+ b): the linear projection head that SimCLR (Chen et al., ICML 2020,
 * Fig. 8) compares with the MLP head, InstDisc's (Wu et al., CVPR 2018) 128-d embedding, or a linear
 * probe's classifier. Initialised as PyTorch's `nn.Linear`.
 *
 * `apply`: [N, inputDim] → [N, outputDim].
 *
 * @throws {ContrastiveError} for non-positive dimensions.
 * @example
 * const head = linearHead({ inputDim: 512, outputDim: 128 });
 */
export function linearHead(options: LinearHeadOptions): LayersHead {
  const { inputDim, outputDim, bias = true, seed = 0 } = options;
  return projectionHead({ inputDim, blocks: [{ units: outputDim, bias }], seed, name: "linearHead" });
}
