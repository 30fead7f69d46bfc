import type * as tfl from "@tensorflow/tfjs-layers";
import { ContrastiveError } from "@contrastive/core";

/**
 * How layer variables are named in a PyTorch state dict:
 * - `'torchvision'`: the module name is the layer's name (our ResNets name their layers as torchvision's
 *   `ResNet`: `conv1`, `bn1`, `layer2.0.downsample.0`, …);
 * - `'timm'`: the same for timm's `resnet18`/`resnet34`/`resnet50` (timm keeps torchvision's parameter
 *   names; its `act1`, `drop_block`, `aa` modules hold no parameters). The deep-stem variants (`resnet50d`, …) differ;
 * - `'sequential'`: the module name is the layer's index in a `tf.Sequential`, as in a PyTorch
 *   `nn.Sequential` built from the same list (`convNet`, heads; see `scale-out/models.py`).
 */
export type TorchNames = "torchvision" | "timm" | "sequential";

/** One variable and its PyTorch counterpart. */
export interface TorchParameter {
  /** The state-dict key, prefix included, e.g. `layer1.0.conv1.weight`. */
  name: string;
  variable: tfl.LayerVariable;
  /** The PyTorch shape, e.g. [out, in, kH, kW] for a conv kernel. */
  shape: number[];
  /** Axes of our array taken in the PyTorch order ([3, 2, 0, 1]: HWIO → OIHW; [1, 0]: dense [in, out] → [out, in]); none for vectors. */
  permutation?: number[];
}

/** The PyTorch view of a model: its parameters and running statistics, and its `num_batches_tracked` buffers. */
export interface TorchLayout {
  parameters: TorchParameter[];
  /** `num_batches_tracked` keys (one per batch norm): ignored on read, written as int64 0 on export. */
  counters: string[];
  /** Keys that may be present but are not ours (`fc.*` of a torchvision classifier). */
  optional: (key: string) => boolean;
}

const suffixes: Record<string, string> = { kernel: "weight", bias: "bias", gamma: "weight", beta: "bias", moving_mean: "running_mean", moving_variance: "running_var" };
const batchNorms = new Set(["BatchNormalization", "PlainBatchNormalization"]);

/**
 * Maps a tfjs-layers model's variables to PyTorch state-dict keys and layouts (see {@link TorchNames}):
 * conv kernels HWIO ↔ OIHW, dense kernels [in, out] ↔ [out, in], batch norm γ/β/moving mean/moving
 * variance ↔ weight/bias/running_mean/running_var.
 *
 * @throws {ContrastiveError} for a layer variable with no PyTorch counterpart (e.g. a depthwise kernel).
 * @example
 * torchLayout(resnet({ depth: 18, stem: "imagenet", inputShape: [224, 224, 3] }).model, "resnet18", { names: "torchvision" }).parameters[0].name; // "conv1.weight"
 */
export function torchLayout(model: tfl.LayersModel, component: string, options: { names?: TorchNames; prefix?: string } = {}): TorchLayout {
  const sequential = model.getClassName() === "Sequential";
  const names = options.names ?? (sequential ? "sequential" : "torchvision");
  const prefix = options.prefix ?? "";
  if (!["torchvision", "timm", "sequential"].includes(names)) {
    throw new ContrastiveError({ component, argument: "names", received: JSON.stringify(names), expected: "'torchvision', 'timm' or 'sequential'" });
  }
  if (names === "sequential" && !sequential) {
    throw new ContrastiveError({ component, argument: "names", received: `'sequential' for a ${model.getClassName()} model`, expected: "'torchvision' or 'timm' (layer names as module names); 'sequential' needs a tf.Sequential (convNet, heads)" });
  }
  const parameters: TorchParameter[] = [];
  const counters: string[] = [];
  model.layers.forEach((layer, index) => {
    const module = `${prefix}${names === "sequential" ? index : layer.name}`;
    for (const variable of layer.weights) {
      const kind = variable.originalName.split("/").at(-1) as string;
      const suffix = suffixes[kind];
      if (suffix === undefined) {
        throw new ContrastiveError({ component, argument: `layer ${layer.name}`, received: `a variable ${JSON.stringify(kind)} (${layer.getClassName()})`, expected: "layers whose variables PyTorch names (conv2d, dense, batch norm)" });
      }
      const shape = [...variable.shape] as number[];
      const permutation = kind !== "kernel" ? undefined : shape.length === 4 ? [3, 2, 0, 1] : shape.length === 2 ? [1, 0] : undefined;
      parameters.push({ name: `${module}.${suffix}`, variable, shape: permutation ? permutation.map((axis) => shape[axis] as number) : shape, ...(permutation ? { permutation } : {}) });
    }
    if (batchNorms.has(layer.getClassName())) counters.push(`${module}.num_batches_tracked`);
  });
  const hasFc = names !== "sequential" && model.layers.some((layer) => layer.name === "fc");
  const optional = (key: string) => names !== "sequential" && !hasFc && key.startsWith(`${prefix}fc.`);
  return { parameters, counters, optional };
}

/** Copies `values` (row-major, `shape`) with its axes taken in the order `permutation`. */
export function permuteAxes(values: Float32Array, shape: readonly number[], permutation: readonly number[]): Float32Array {
  const rank = shape.length;
  const strides = new Array<number>(rank).fill(1);
  for (let axis = rank - 2; axis >= 0; axis--) strides[axis] = (strides[axis + 1] as number) * (shape[axis + 1] as number);
  const outShape = permutation.map((axis) => shape[axis] as number);
  const outStrides = permutation.map((axis) => strides[axis] as number); // stride in the source of each output axis
  const out = new Float32Array(values.length);
  const index = new Array<number>(rank).fill(0);
  let source = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = values[source] as number;
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis] = (index[axis] as number) + 1;
      source += outStrides[axis] as number;
      if ((index[axis] as number) < (outShape[axis] as number)) break;
      source -= (outStrides[axis] as number) * (outShape[axis] as number);
      index[axis] = 0;
    }
  }
  return out;
}

/** The permutation that undoes `permutation`. */
export function inversePermutation(permutation: readonly number[]): number[] {
  const inverse = new Array<number>(permutation.length);
  permutation.forEach((axis, i) => {
    inverse[axis] = i;
  });
  return inverse;
}
