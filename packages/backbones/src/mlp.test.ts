import * as tf from "@tensorflow/tfjs-core";
import { TEST_BACKENDS, countLeakedTensors, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { mlp } from "./mlp.js";

const count = (vars: tf.Variable[]) => vars.reduce((n, v) => n + v.size, 0);

describe.each(TEST_BACKENDS)("mlp on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("is Linear–BN–ReLU blocks with PyTorch's parameter count and reports outputDim", async () => {
    const encoder = mlp({ inputDim: 10, units: [32, 16] });
    // Linear(10,32, bias=False) 320 + BN 64 + Linear(32,16, bias=False) 512 + BN 32
    expect(count(encoder.trainableWeights)).toBe(320 + 64 + 512 + 32);
    expect(encoder.outputDim).toBe(16);
    const { result, leaked } = await countLeakedTensors(() => tf.tidy(() => encoder.apply(tf.randomNormal([6, 10]), { training: true }).arraySync() as number[][]));
    expect(result.length).toBe(6);
    expect(result.flat().every((v) => v >= 0)).toBe(true); // ReLU output
    expect(leaked).toBe(0);
    encoder.dispose();
    const plain = mlp({ inputDim: 4, units: [3], batchNorm: false, activation: "linear" });
    expect(count(plain.trainableWeights)).toBe(4 * 3 + 3);
    plain.dispose();
  });

  it("rejects bad options and inputs", () => {
    expect(() => mlp({ inputDim: 0, units: [4] })).toThrow(/mlp: inputDim must be a positive integer; got 0/);
    expect(() => mlp({ inputDim: 3, units: [] })).toThrow(/mlp: units must be a non-empty list/);
    const encoder = mlp({ inputDim: 3, units: [4] });
    const wrong = tf.zeros([2, 5]);
    expect(() => encoder.apply(wrong)).toThrow(/mlp: inputs must be a tensor of shape \[N, 3\]; got float32 tensor of shape \[2, 5\]/);
    wrong.dispose();
    encoder.dispose();
  });
});
