import * as tf from "@tensorflow/tfjs-core";
import { TEST_BACKENDS, countLeakedTensors, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { barlowTwinsHead } from "./barlow-twins-head.js";
import { byolHead, byolPredictionHead } from "./byol-head.js";
import type { LayersHead } from "./layers-head.js";
import { linearHead } from "./linear-head.js";
import { mocoHead } from "./moco-head.js";
import { simclrHead } from "./simclr-head.js";
import { simsiamHead, simsiamPredictionHead } from "./simsiam-head.js";

const count = (vars: tf.Variable[]) => vars.reduce((n, v) => n + v.size, 0);
const linear = (i: number, o: number, bias: boolean) => i * o + (bias ? o : 0);
const bn = (d: number) => 2 * d; // γ, β (trainable); running mean and variance are not

// Each row: the preset at small sizes, the trainable-parameter count of lightly's head at those sizes
// (nn.Linear bias = no batch norm after it), the BN layers (for the running statistics), the output size.
const cases: Array<[string, () => LayersHead, number, number[], number]> = [
  ["simclrHead v1 (BN)", () => simclrHead({ inputDim: 16, hiddenDim: 32, outputDim: 8 }), linear(16, 32, false) + bn(32) + linear(32, 8, false) + bn(8), [32, 8], 8],
  ["simclrHead v2, 3 layers", () => simclrHead({ inputDim: 16, hiddenDim: 32, outputDim: 8, layers: 3 }), linear(16, 32, false) + bn(32) + linear(32, 32, false) + bn(32) + linear(32, 8, false) + bn(8), [32, 32, 8], 8],
  ["simclrHead without BN (torch_step.py's 512-512-128)", () => simclrHead({ inputDim: 512, hiddenDim: 512, outputDim: 128, batchNorm: false }), linear(512, 512, true) + linear(512, 128, true), [], 128],
  ["mocoHead", () => mocoHead({ inputDim: 16, hiddenDim: 32, outputDim: 8 }), linear(16, 32, true) + linear(32, 8, true), [], 8],
  ["byolHead", () => byolHead({ inputDim: 16, hiddenDim: 64, outputDim: 8 }), linear(16, 64, false) + bn(64) + linear(64, 8, true), [64], 8],
  ["byolPredictionHead", () => byolPredictionHead({ inputDim: 8, hiddenDim: 64, outputDim: 8 }), linear(8, 64, false) + bn(64) + linear(64, 8, true), [64], 8],
  ["simsiamHead (output BN without γ, β)", () => simsiamHead({ inputDim: 16, hiddenDim: 32, outputDim: 24 }), linear(16, 32, false) + bn(32) + linear(32, 32, false) + bn(32) + linear(32, 24, false), [32, 32, 24], 24],
  ["simsiamPredictionHead", () => simsiamPredictionHead({ inputDim: 24, hiddenDim: 6, outputDim: 24 }), linear(24, 6, false) + bn(6) + linear(6, 24, true), [6], 24],
  ["barlowTwinsHead", () => barlowTwinsHead({ inputDim: 16, hiddenDim: 40, outputDim: 40 }), linear(16, 40, false) + bn(40) + linear(40, 40, false) + bn(40) + linear(40, 40, true), [40, 40], 40],
  ["linearHead", () => linearHead({ inputDim: 16, outputDim: 8 }), linear(16, 8, true), [], 8],
  ["linearHead without bias", () => linearHead({ inputDim: 16, outputDim: 8, bias: false }), linear(16, 8, false), [], 8],
];

describe.each(TEST_BACKENDS)("head presets on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it.each(cases)("%s: lightly's blocks, parameter count and output shape", async (_, make, params, bnDims, outputDim) => {
    const head = make();
    expect(count(head.trainableWeights)).toBe(params);
    expect(count(head.weights)).toBe(params + 2 * bnDims.reduce((s, d) => s + d, 0));
    expect(head.outputDim).toBe(outputDim);
    const { result, leaked } = await countLeakedTensors(() =>
      tf.tidy(() => head.apply(tf.randomNormal([4, head.inputDim], 0, 1, "float32", 1) as tf.Tensor2D, { training: true }).shape),
    );
    expect(result).toEqual([4, outputDim]);
    expect(leaked).toBe(0);
    head.dispose();
  });

  it("uses the papers' dimensions by default", () => {
    const defaults: Array<[LayersHead, number, number]> = [
      [simclrHead(), 2048, 128],
      [mocoHead(), 2048, 128],
      [byolHead(), 2048, 256],
      [byolPredictionHead(), 256, 256],
      [simsiamPredictionHead(), 2048, 2048],
    ];
    for (const [head, inputDim, outputDim] of defaults) {
      expect([head.inputDim, head.outputDim]).toEqual([inputDim, outputDim]);
      head.dispose();
    }
  });

  it("simsiamHead normalises its output per feature in training (BN without affine)", () => {
    const head = simsiamHead({ inputDim: 8, hiddenDim: 16, outputDim: 4 });
    const z = tf.tidy(() => head.apply(tf.randomNormal([32, 8], 0, 3, "float32", 2) as tf.Tensor2D, { training: true }));
    const { mean, variance } = tf.moments(z, 0);
    expect(Math.max(...Array.from(mean.dataSync()).map(Math.abs))).toBeLessThan(1e-4);
    for (const v of variance.dataSync()) expect(v).toBeCloseTo(1, 2);
    tf.dispose([z, mean, variance]);
    head.dispose();
  });

  it("rejects a head with fewer than 2 layers, naming the preset", () => {
    expect(() => simclrHead({ layers: 1 })).toThrow(/simclrHead: layers must be an integer ≥ 2/);
    expect(() => mocoHead({ outputDim: 0 })).toThrow(/mocoHead: blocks\[1\]\.units must be a positive integer; got 0/);
  });
});
