import { ContrastiveError } from "@contrastive/core";
import type { TorchWeightsTarget } from "./torch-weights.js";

/** A layer of a {@link TorchArchitecture} of kind `'sequential'`. */
export type TorchLayerSpec =
  | { type: "conv2d"; filters: number; kernelSize: number[]; strides: number[]; padding: string; useBias: boolean; activation: string }
  | { type: "dense"; units: number; useBias: boolean; activation: string }
  | { type: "batchNorm"; epsilon: number; momentum: number; affine: boolean }
  | { type: "activation"; activation: string }
  | { type: "globalAveragePooling2d" };

/** How to rebuild a model in PyTorch (`from_metadata` in the repository's `scale-out/models.py`). */
export type TorchArchitecture =
  | { kind: "resnet"; depth: 18 | 34 | 50; stem: "cifar" | "imagenet"; inputShape: number[] }
  | { kind: "sequential"; inputShape: number[]; layers: TorchLayerSpec[] };

/**
 * Describes a backbone or head so that PyTorch can rebuild it with the same state-dict names: a ResNet
 * by depth and stem (torchvision's module), a tf.Sequential (convNet, mlp, heads) by its layer list
 * (an `nn.Sequential`, layer i ↔ module i). Exports store it as JSON in the safetensors `__metadata__`.
 *
 * @throws {ContrastiveError} for a layer type PyTorch's side does not rebuild (its name and class).
 * @example
 * JSON.stringify(torchArchitecture(convNet({ inputShape: [28, 28, 1] }))); // {"kind":"sequential",…}
 */
export function torchArchitecture(target: TorchWeightsTarget): TorchArchitecture {
  const { model } = target;
  const inputShape = (model.inputs[0]?.shape ?? []).slice(1) as number[];
  const depth = /^resnet(18|34|50)$/.exec(target.name)?.[1];
  if (depth !== undefined && model.getClassName() !== "Sequential") {
    const conv1 = model.getLayer("conv1").getConfig() as { kernelSize: number[] };
    return { kind: "resnet", depth: Number(depth) as 18 | 34 | 50, stem: conv1.kernelSize[0] === 7 ? "imagenet" : "cifar", inputShape };
  }
  if (model.getClassName() !== "Sequential") {
    throw new ContrastiveError({ component: "torchArchitecture", argument: "target", received: `${target.name} (a ${model.getClassName()} model)`, expected: "a ResNet of this package or a tf.Sequential model (convNet, mlp, heads)" });
  }
  const layers = model.layers.map((layer): TorchLayerSpec => {
    const config = layer.getConfig() as Record<string, unknown>;
    switch (layer.getClassName()) {
      case "Conv2D":
        return { type: "conv2d", filters: config.filters as number, kernelSize: config.kernelSize as number[], strides: config.strides as number[], padding: config.padding as string, useBias: config.useBias as boolean, activation: config.activation as string };
      case "Dense":
        return { type: "dense", units: config.units as number, useBias: config.useBias as boolean, activation: config.activation as string };
      case "BatchNormalization":
        return { type: "batchNorm", epsilon: config.epsilon as number, momentum: config.momentum as number, affine: true };
      case "PlainBatchNormalization":
        return { type: "batchNorm", epsilon: config.epsilon as number, momentum: config.momentum as number, affine: false };
      case "ReLU":
        return { type: "activation", activation: "relu" };
      case "Activation":
        return { type: "activation", activation: config.activation as string };
      case "GlobalAveragePooling2D":
        return { type: "globalAveragePooling2d" };
      default:
        throw new ContrastiveError({ component: "torchArchitecture", argument: `layer ${layer.name}`, received: layer.getClassName(), expected: "Conv2D, Dense, BatchNormalization, ReLU, Activation or GlobalAveragePooling2D" });
    }
  });
  return { kind: "sequential", inputShape, layers };
}
