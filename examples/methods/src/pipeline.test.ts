import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "@contrastive/core/testing";
import { subset } from "@contrastive/data";
import { mnistDigits } from "@contrastive/data/mnist";
import { beforeAll, describe, expect, it } from "vitest";
import { runMethod } from "./pipeline.js";
import { type MethodName, recipes } from "./recipes.js";

const every = (n: number, count: number) => Array.from({ length: count }, (_, i) => i * n);

describe("every method trains through the same loop (wasm)", () => {
  beforeAll(() => useBackend("wasm"));
  it.each(Object.keys(recipes) as MethodName[])("%s: finite losses over a few steps, the encoder moves, no leaked tensors", async (method) => {
    const train = subset(mnistDigits({ subset: "train" }), every(40, 96));
    const test = subset(mnistDigits({ subset: "test" }), every(20, 48));
    const before = tf.memory().numTensors;
    const { history, knnBefore, knnAfter, knnPerEpoch } = await runMethod({ method, train, test, epochs: 2, batchSize: 32 });
    expect(history.epochs).toHaveLength(2);
    for (const epoch of history.epochs) expect(Number.isFinite(epoch.meanLoss)).toBe(true);
    expect(knnAfter).not.toBe(knnBefore);
    expect(knnPerEpoch).toHaveLength(2);
    expect(knnPerEpoch.at(-1)).toBe(knnAfter);
    expect(tf.memory().numTensors).toBe(before);
  });
});
