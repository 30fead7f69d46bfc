import * as tfl from "@tensorflow/tfjs-layers";
import { ContrastiveError, createRng, describeValue } from "@contrastive/core";
import { type LayersBackbone, layersBackbone } from "./layers-backbone.js";
import { pytorchLinearInitializers } from "./initializers.js";

/** Options of {@link convNet}. */
export interface ConvNetOptions {
  /** Shape of one image, [height, width, channels]. */
  inputShape: [number, number, number];
  /** Filters of each 3×3 conv block. Default [32, 64, 128]. */
  filters?: number[];
  /** Stride of each conv block. Default 1 for the first block and 2 for the others. */
  strides?: number[];
  /** Kernel size of every conv. Default 3. */
  kernelSize?: number;
  /** Batch norm after each conv (then the conv has no bias). Default true. */
  batchNorm?: boolean;
  /** Seed of the weight initialisation. Default 0. */
  seed?: number;
}

/**
 * A small ConvNet encoder: conv(k×k)–BN–ReLU blocks, then global average pooling.
 * With the defaults on 28×28×1 images this is the encoder of the demo's recipe
 * (conv 1→32 s1, 32→64 s2, 64→128 s2, GAP → 128), initialised as PyTorch initialises
 * `nn.Conv2d` (uniform ±1/√fan_in) with batch-norm momentum 0.1 and ε 1e-5 as `nn.BatchNorm2d`.
 *
 * `apply`: [N, H, W, C] → [N, filters.at(-1)].
 *
 * @throws {ContrastiveError} for an input shape that is not [H, W, C] or empty filters.
 * @example
 * const encoder = convNet({ inputShape: [28, 28, 1] });
 * const features = encoder.apply(images, { training: true }); // [N, 128]
 */
export function convNet(options: ConvNetOptions): LayersBackbone {
  const { inputShape, filters = [32, 64, 128], kernelSize = 3, batchNorm = true, seed = 0 } = options;
  const strides = options.strides ?? filters.map((_, i) => (i === 0 ? 1 : 2));
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every((s) => Number.isInteger(s) && s > 0)) {
    throw new ContrastiveError({ component: "convNet", argument: "inputShape", received: describeValue(inputShape), expected: "[height, width, channels] of positive integers, e.g. [28, 28, 1]" });
  }
  if (filters.length === 0 || !filters.every((f) => Number.isInteger(f) && f > 0)) {
    throw new ContrastiveError({ component: "convNet", argument: "filters", received: describeValue(filters), expected: "a non-empty list of positive integers, e.g. [32, 64, 128]" });
  }
  if (strides.length !== filters.length) {
    throw new ContrastiveError({ component: "convNet", argument: "strides", received: describeValue(strides), expected: `one stride per conv block (${filters.length})` });
  }
  const rng = createRng(seed);
  const model = tfl.sequential({ name: "conv_net" });
  let channels = inputShape[2];
  filters.forEach((units, i) => {
    const init = pytorchLinearInitializers(kernelSize * kernelSize * channels, rng);
    model.add(
      tfl.layers.conv2d({
        filters: units,
        kernelSize,
        strides: strides[i],
        padding: "same",
        useBias: !batchNorm,
        kernelInitializer: init.kernel,
        biasInitializer: init.bias,
        ...(i === 0 ? { inputShape } : {}),
      }),
    );
    if (batchNorm) model.add(tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }));
    model.add(tfl.layers.reLU());
    channels = units;
  });
  model.add(tfl.layers.globalAveragePooling2d({}));
  return layersBackbone(model, { name: "convNet", inputShape, outputDim: channels });
}
