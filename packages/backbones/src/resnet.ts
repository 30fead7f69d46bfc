import * as tfl from "@tensorflow/tfjs-layers";
import { ContrastiveError, createRng, describeValue } from "@contrastive/core";
import { type LayersBackbone, layersBackbone } from "./layers-backbone.js";
import { basicBlock, batchNorm, bottleneckBlock, conv, relu } from "./resnet-blocks.js";

/** Options of {@link resnet}. */
export interface ResNetOptions {
  /** 18 and 34 use basic blocks, 50 bottleneck blocks. */
  depth: 18 | 34 | 50;
  /**
   * `'imagenet'`: 7×7 stride-2 conv, BN, ReLU, 3×3 stride-2 max-pool (torchvision).
   * `'cifar'`: 3×3 stride-1 conv, BN, ReLU, no max-pool (SimCLR and lightly for 32×32 images).
   */
  stem: "cifar" | "imagenet";
  /** Shape of one image, [height, width, channels]. */
  inputShape: [number, number, number];
  /** Seed of the weight initialisation. Default 0. */
  seed?: number;
}

const stages: Record<ResNetOptions["depth"], { blocks: number[]; bottleneck: boolean }> = {
  18: { blocks: [2, 2, 2, 2], bottleneck: false },
  34: { blocks: [3, 4, 6, 3], bottleneck: false },
  50: { blocks: [3, 4, 6, 3], bottleneck: true },
};

/**
 * torchvision's ResNet-18/34/50 (He et al., "Deep Residual Learning for Image Recognition", CVPR 2016)
 * as a backbone: stem, four stages of basic (18, 34) or bottleneck (50, v1.5) blocks with 64, 128,
 * 256, 512 planes, batch norm (PyTorch's momentum 0.1, ε 1e-5) and ReLU, then global average pooling,
 * without the classifier `fc`. Trainable parameters equal torchvision's without `fc`: 11,176,512
 * (18), 21,284,672 (34), 23,508,032 (50) with the ImageNet stem; the CIFAR stem's 3×3 first conv
 * saves 7,680 of them. Convs are initialised as torchvision does (kaiming-normal, fan-out), BN with
 * γ = 1, β = 0. Stride-2 convs use explicit zero padding so the output grid is PyTorch's (see
 * `resnet-blocks.ts`). Layer names follow torchvision's (`layer3.1.conv2`, `layer2.0.downsample.0`).
 *
 * `apply`: [N, H, W, C] → [N, 512] (18, 34) or [N, 2048] (50). The output does not depend on H×W,
 * so any size the strides allow works (≥ 32×32 for the ImageNet stem, ≥ 8×8 for the CIFAR stem).
 *
 * @throws {ContrastiveError} for a depth other than 18, 34, 50, an unknown stem or a bad input shape.
 * @example
 * const encoder = resnet({ depth: 18, stem: "cifar", inputShape: [32, 32, 3] });
 * const v = encoder.apply(images, { training: true }); // [N, 512]
 */
export function resnet(options: ResNetOptions): LayersBackbone {
  const { depth, stem, inputShape, seed = 0 } = options;
  const component = "resnet";
  const config = stages[depth];
  if (config === undefined) {
    throw new ContrastiveError({ component, argument: "depth", received: describeValue(depth), expected: "18, 34 or 50" });
  }
  if (stem !== "cifar" && stem !== "imagenet") {
    throw new ContrastiveError({ component, argument: "stem", received: describeValue(stem), expected: "'cifar' (3×3 stride-1 conv, no max-pool) or 'imagenet' (7×7 stride-2 conv and max-pool)" });
  }
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every((s) => Number.isInteger(s) && s > 0)) {
    throw new ContrastiveError({ component, argument: "inputShape", received: describeValue(inputShape), expected: "[height, width, channels] of positive integers, e.g. [32, 32, 3]" });
  }
  const minimum = stem === "cifar" ? 8 : 32;
  if (inputShape[0] < minimum || inputShape[1] < minimum) {
    throw new ContrastiveError({ component, argument: "inputShape", received: describeValue(inputShape), expected: `at least ${minimum}×${minimum} for the ${stem} stem` });
  }
  const rng = createRng(seed);
  const input = tfl.input({ shape: inputShape, name: "input" });
  let x: tfl.SymbolicTensor;
  if (stem === "imagenet") {
    x = relu(batchNorm(conv(input, "conv1", 64, 7, 2, rng), "bn1"), "relu");
    x = tfl.layers.zeroPadding2d({ padding: 1, name: "maxpool.pad" }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: "valid", name: "maxpool" }).apply(x) as tfl.SymbolicTensor;
  } else {
    x = relu(batchNorm(conv(input, "conv1", 64, 3, 1, rng), "bn1"), "relu");
  }
  const block = config.bottleneck ? bottleneckBlock : basicBlock;
  config.blocks.forEach((count, stage) => {
    const planes = 64 * 2 ** stage;
    for (let i = 0; i < count; i++) {
      x = block(x, `layer${stage + 1}.${i}`, planes, i === 0 && stage > 0 ? 2 : 1, rng);
    }
  });
  const output = tfl.layers.globalAveragePooling2d({ name: "avgpool" }).apply(x) as tfl.SymbolicTensor;
  const name = `resnet${depth}`;
  const model = tfl.model({ inputs: input, outputs: output, name: `${name}_${stem}` });
  return layersBackbone(model, { name, inputShape, outputDim: config.bottleneck ? 2048 : 512 });
}
