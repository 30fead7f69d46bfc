import { ContrastiveError, describeValue } from "@contrastive/core";
import { type HeadActivation, type HeadBlock, buildHeadModel } from "./head-blocks.js";
import { type LayersHead, layersHead } from "./layers-head.js";

/** Options of {@link projectionHead}: either `blocks`, or `hiddenDims` + `outputDim` (+ `batchNorm`, `activation`). */
export interface ProjectionHeadOptions {
  /** Size of the backbone's representation v. */
  inputDim: number;
  /** The head as a list of blocks (linear → [batch norm] → [activation]); the last block's units are the output size. */
  blocks?: HeadBlock[];
  /** Without `blocks`: sizes of the hidden blocks (linear with bias → [batch norm] → activation). Default [inputDim]. */
  hiddenDims?: number[];
  /** Without `blocks`: size of the output z (a final plain linear). */
  outputDim?: number;
  /** Without `blocks`: batch norm after each hidden linear. Default true. */
  batchNorm?: boolean;
  /** Without `blocks`: activation of the hidden blocks. Default 'relu'. */
  activation?: HeadActivation;
  /** Seed of the weight initialisation. Default 0. */
  seed?: number;
  /** Component name (in errors and in saved files). Default 'projectionHead'. */
  name?: string;
}

/**
 * A projection head h: v → z declared as data. With `blocks`, any list of linear → batch norm →
 * activation blocks (lightly's `ProjectionHead`); with `hiddenDims`/`outputDim`, hidden blocks
 * linear → batch norm → activation and a final linear, e.g. `{ inputDim: 128, hiddenDims: [128], outputDim: 64 }`
 * is the demo's Linear(128,128)–BN–ReLU–Linear(128,64) (SimCLR, Chen et al. 2020, uses a 2-layer MLP head).
 * Linears are initialised as PyTorch's `nn.Linear` (uniform ±1/√fan_in), batch norm as `nn.BatchNorm1d`
 * (momentum 0.1, ε 1e-5). The presets (`simclrHead`, `mocoHead`, …) are block lists.
 *
 * `apply`: [N, inputDim] → [N, outputDim].
 *
 * @throws {ContrastiveError} for non-positive dimensions, an empty block list, or both `blocks` and `hiddenDims`/`outputDim`.
 * @example
 * const head = projectionHead({ inputDim: 512, blocks: [
 *   { units: 512, batchNorm: true, activation: "relu" },
 *   { units: 128 },
 * ] });
 * const z = head.apply(features, { training: true }); // [N, 128]
 */
export function projectionHead(options: ProjectionHeadOptions): LayersHead {
  const { inputDim, seed = 0, name = "projectionHead" } = options;
  let blocks = options.blocks;
  if (blocks !== undefined) {
    if (options.hiddenDims !== undefined || options.outputDim !== undefined) {
      throw new ContrastiveError({ component: name, argument: "blocks", received: "blocks together with hiddenDims/outputDim", expected: "either blocks or hiddenDims + outputDim, not both" });
    }
  } else {
    const { outputDim, batchNorm = true, activation = "relu" } = options;
    const hiddenDims = options.hiddenDims ?? [inputDim];
    const dims: Array<[string, unknown]> = [["inputDim", inputDim], ["outputDim", outputDim], ...hiddenDims.map((d, i): [string, unknown] => [`hiddenDims[${i}]`, d])];
    for (const [argument, value] of dims) {
      if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
        throw new ContrastiveError({ component: name, argument, received: describeValue(value), expected: "a positive integer" });
      }
    }
    blocks = [...hiddenDims.map((units) => ({ units, batchNorm, activation, bias: true })), { units: outputDim as number }];
  }
  const model = buildHeadModel(name, inputDim, blocks, seed, "projection_head");
  return layersHead(model, { name, inputDim, outputDim: (blocks.at(-1) as HeadBlock).units });
}
