import * as tf from "@tensorflow/tfjs-core";
import { TEST_BACKENDS, countLeakedTensors, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { projectionHead } from "./projection-head.js";

const count = (vars: tf.Variable[]) => vars.reduce((n, v) => n + v.size, 0);

describe.each(TEST_BACKENDS)("projectionHead on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("is Linear–BN–ReLU–Linear with PyTorch's parameter count", async () => {
    const head = projectionHead({ inputDim: 128, hiddenDims: [128], outputDim: 64 });
    // Linear(128,128) 16,512 + BatchNorm1d(128) 256 + Linear(128,64) 8,256
    expect(count(head.trainableWeights)).toBe(25_024);
    const { result, leaked } = await countLeakedTensors(() => tf.tidy(() => head.apply(tf.ones([5, 128]) as tf.Tensor2D).shape));
    expect(result).toEqual([5, 64]);
    expect(leaked).toBe(0);
    head.dispose();
  });

  it("builds any list of blocks: no hidden layer is a linear head, no batch norm when asked", () => {
    const linear = projectionHead({ inputDim: 10, hiddenDims: [], outputDim: 3 });
    expect(count(linear.trainableWeights)).toBe(33);
    const deep = projectionHead({ inputDim: 10, hiddenDims: [20, 30], outputDim: 5, batchNorm: false, activation: "gelu" });
    expect(count(deep.trainableWeights)).toBe(10 * 20 + 20 + 20 * 30 + 30 + 30 * 5 + 5);
    linear.dispose();
    deep.dispose();
  });

  it("computes the affine map of its weights (no batch norm, linear activation)", () => {
    const head = projectionHead({ inputDim: 3, hiddenDims: [], outputDim: 2, seed: 9 });
    const [kernel, bias] = head.trainableWeights;
    const x = tf.tensor2d([[1, 2, 3], [-1, 0, 0.5]]);
    const got = head.apply(x).arraySync();
    const k = kernel!.arraySync() as number[][];
    const b = bias!.arraySync() as number[];
    const xs = x.arraySync();
    const bound = 1 / Math.sqrt(3);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        const want = xs[i]!.reduce((s, v, m) => s + v * k[m]![j]!, b[j]!);
        expect(got[i]![j]!).toBeCloseTo(want, 5);
        expect(Math.abs(b[j]!)).toBeLessThanOrEqual(bound);
      }
    }
    x.dispose();
    head.dispose();
  });

  it("rejects bad dimensions and inputs", () => {
    expect(() => projectionHead({ inputDim: 0, outputDim: 4 })).toThrow(/projectionHead: inputDim must be a positive integer; got 0/);
    expect(() => projectionHead({ inputDim: 4, hiddenDims: [4, -1], outputDim: 4 })).toThrow(/hiddenDims\[1\]/);
    const head = projectionHead({ inputDim: 4, outputDim: 2 });
    const wrong = tf.zeros([2, 5]) as tf.Tensor2D;
    expect(() => head.apply(wrong)).toThrow(/features must be a tensor of shape \[N, 4\]/);
    wrong.dispose();
    head.dispose();
  });
});
