import * as tfl from "@tensorflow/tfjs-layers";
import type { Rng } from "@contrastive/core";

type SymbolicTensor = tfl.SymbolicTensor;

/*
 * Building blocks of torchvision's ResNets in the tfjs-layers functional API. Layer names follow
 * torchvision's module names (`layer2.0.conv1`, `layer2.0.downsample.0`, …) so weights can be mapped.
 *
 * Padding: PyTorch pads symmetrically (padding = k // 2). For stride 1 that equals TF's 'same'. For
 * stride 2 on an even input, 'same' pads 0 before and 1 after, PyTorch 1 before (and the last row is
 * never read), so the sampling grid shifts by one pixel: stride-2 k×k convs (and the stem's max-pool)
 * get an explicit ZeroPadding2D(k // 2) followed by a 'valid' conv, exactly PyTorch's arithmetic.
 * 1×1 stride-2 convs need no padding ('valid' = PyTorch's padding 0). The max-pool's zero padding
 * equals PyTorch's −∞ padding because its input comes after a ReLU (≥ 0).
 */

/** PyTorch-equivalent conv (no bias): kaiming-normal, fan-out, gain √2, as torchvision initialises ResNets. */
export function conv(x: SymbolicTensor, name: string, filters: number, kernelSize: number, stride: number, rng: Rng): SymbolicTensor {
  const fanOut = kernelSize * kernelSize * filters;
  const kernelInitializer = tfl.initializers.randomNormal({ mean: 0, stddev: Math.sqrt(2 / fanOut), seed: rng.uint32() });
  let input = x;
  let padding: "same" | "valid" = kernelSize === 1 ? "valid" : "same";
  if (stride > 1 && kernelSize > 1) {
    input = tfl.layers.zeroPadding2d({ padding: Math.floor(kernelSize / 2), name: `${name}.pad` }).apply(x) as SymbolicTensor;
    padding = "valid";
  }
  return tfl.layers.conv2d({ filters, kernelSize, strides: stride, padding, useBias: false, kernelInitializer, name }).apply(input) as SymbolicTensor;
}

/** `nn.BatchNorm2d` (momentum 0.1, ε 1e-5): tfjs momentum 0.9, γ = 1, β = 0. */
export function batchNorm(x: SymbolicTensor, name: string): SymbolicTensor {
  return tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, name }).apply(x) as SymbolicTensor;
}

export function relu(x: SymbolicTensor, name: string): SymbolicTensor {
  return tfl.layers.reLU({ name }).apply(x) as SymbolicTensor;
}

function shortcut(x: SymbolicTensor, name: string, outChannels: number, stride: number, rng: Rng): SymbolicTensor {
  const inChannels = x.shape[x.shape.length - 1] as number;
  if (stride === 1 && inChannels === outChannels) return x;
  return batchNorm(conv(x, `${name}.downsample.0`, outChannels, 1, stride, rng), `${name}.downsample.1`);
}

/** torchvision `BasicBlock` (ResNet-18/34): 3×3 conv (stride) – BN – ReLU – 3×3 conv – BN, + shortcut, ReLU. Expansion 1. */
export function basicBlock(x: SymbolicTensor, name: string, planes: number, stride: number, rng: Rng): SymbolicTensor {
  let y = relu(batchNorm(conv(x, `${name}.conv1`, planes, 3, stride, rng), `${name}.bn1`), `${name}.relu1`);
  y = batchNorm(conv(y, `${name}.conv2`, planes, 3, 1, rng), `${name}.bn2`);
  const sum = tfl.layers.add({ name: `${name}.add` }).apply([y, shortcut(x, name, planes, stride, rng)]) as SymbolicTensor;
  return relu(sum, `${name}.relu`);
}

/**
 * torchvision `Bottleneck` (ResNet-50, "ResNet v1.5": the stride sits on the 3×3 conv): 1×1 – BN – ReLU –
 * 3×3 (stride) – BN – ReLU – 1×1 (4·planes) – BN, + shortcut, ReLU. Expansion 4.
 */
export function bottleneckBlock(x: SymbolicTensor, name: string, planes: number, stride: number, rng: Rng): SymbolicTensor {
  let y = relu(batchNorm(conv(x, `${name}.conv1`, planes, 1, 1, rng), `${name}.bn1`), `${name}.relu1`);
  y = relu(batchNorm(conv(y, `${name}.conv2`, planes, 3, stride, rng), `${name}.bn2`), `${name}.relu2`);
  y = batchNorm(conv(y, `${name}.conv3`, planes * 4, 1, 1, rng), `${name}.bn3`);
  const sum = tfl.layers.add({ name: `${name}.add` }).apply([y, shortcut(x, name, planes * 4, stride, rng)]) as SymbolicTensor;
  return relu(sum, `${name}.relu`);
}
