import * as tfl from "@tensorflow/tfjs-layers";
import type { Rng } from "@contrastive/core";

/**
 * PyTorch's default initialisation of `nn.Linear` / `nn.Conv2d` (kaiming-uniform with a = √5):
 * weights and biases uniform in ±1/√fan_in. In Keras terms: variance scaling, scale 1/3, fan-in,
 * uniform. Seeds come from `rng` so a model is reproducible from one seed.
 */
export function pytorchLinearInitializers(fanIn: number, rng: Rng): {
  kernel: ReturnType<typeof tfl.initializers.varianceScaling>;
  bias: ReturnType<typeof tfl.initializers.randomUniform>;
} {
  const bound = 1 / Math.sqrt(fanIn);
  return {
    kernel: tfl.initializers.varianceScaling({ scale: 1 / 3, mode: "fanIn", distribution: "uniform", seed: rng.uint32() }),
    bias: tfl.initializers.randomUniform({ minval: -bound, maxval: bound, seed: rng.uint32() }),
  };
}
