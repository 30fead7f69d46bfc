import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, createRng } from "@contrastive/core";
import type { DataSource } from "@contrastive/core";
import { TEST_BACKENDS, countLeakedTensors, maxAbsDifference, useBackend } from "@contrastive/core/testing";
import { describe, expect, it } from "vitest";
import { extractFeatures } from "./extract-features.js";
import { knnAccuracy } from "./knn-accuracy.js";

/**
 * A tiny synthetic image set: 8×8 single-channel images of three classes (a horizontal bar, a
 * vertical bar, a diagonal) at random positions, with noise. `read` returns new tensors, optionally
 * through a promise, and counts the tensors it hands out.
 */
function barsSource(size: number, seed: number, asynchronous = false): DataSource & { reads: tf.Tensor[] } {
  const rng = createRng(seed);
  const side = 8;
  const labels = Int32Array.from({ length: size }, () => rng.int(3));
  const pixels = new Float32Array(size * side * side);
  labels.forEach((label, n) => {
    const at = rng.int(side);
    for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) {
      const on = label === 0 ? y === at : label === 1 ? x === at : (x + y) % side === at;
      pixels[(n * side + y) * side + x] = (on ? 1 : 0) + rng.normal(0, 0.15);
    }
  });
  const reads: tf.Tensor[] = [];
  return {
    name: "bars",
    size,
    exampleShape: [side, side, 1],
    labels,
    reads,
    read(indices) {
      const batch = tf.tidy(() => tf.gather(tf.tensor4d(pixels, [size, side, side, 1]), Array.from(indices)));
      reads.push(batch);
      return asynchronous ? Promise.resolve(batch) : batch;
    },
  };
}

const flatten = (x: tf.Tensor) => tf.reshape(x, [x.shape[0]!, -1]) as tf.Tensor2D;

describe.each(TEST_BACKENDS)("extractFeatures on %s", (backend) => {
  it("encodes every example in order, in batches, and leaves only the result alive", async () => {
    await useBackend(backend);
    for (const [size, batchSize, asynchronous] of [[23, 5, false], [23, 5, true], [10, 10, false], [7, 500, true], [1, 1, false]] as const) {
      const source = barsSource(size, 1, asynchronous);
      const weights = tf.randomNormal([64, 4], 0, 1, "float32", 3);
      const batchSizes: number[] = [];
      const encode = (x: tf.Tensor) => {
        batchSizes.push(x.shape[0]!);
        return tf.tanh(tf.matMul(flatten(x), weights)) as tf.Tensor2D;
      };
      const { result: features, leaked } = await countLeakedTensors(() => extractFeatures({ source, encode, batchSize }));
      expect(leaked).toBe(1);
      expect(features.shape).toEqual([size, 4]);
      expect(batchSizes).toEqual(Array.from({ length: Math.ceil(size / batchSize) }, (_, i) => Math.min(batchSize, size - i * batchSize)));
      expect(source.reads.every((t) => t.isDisposed)).toBe(true);
      const all = await source.read(Int32Array.from({ length: size }, (_, i) => i));
      const direct = tf.tidy(() => tf.tanh(tf.matMul(flatten(all), weights)));
      expect(maxAbsDifference(await features.data(), await direct.data())).toBeLessThan(1e-5);
      tf.dispose([features, weights, all, direct]);
    }
  });

  it("defaults to batches of 500 and keeps the features of an identity encoder", async () => {
    await useBackend(backend);
    const source = barsSource(1203, 2);
    const sizes: number[] = [];
    const { result: features, leaked } = await countLeakedTensors(() =>
      extractFeatures({ source, encode: (x) => (sizes.push(x.shape[0]!), flatten(x)) }),
    );
    expect(sizes).toEqual([500, 500, 203]);
    expect(leaked).toBe(1);
    expect(features.shape).toEqual([1203, 64]);
    features.dispose();

    const rows: DataSource = { name: "rows", size: 3, exampleShape: [2], read: (indices) => tf.tensor2d(Array.from(indices, (i) => [i, -i])) };
    const { result: same, leaked: sameLeaked } = await countLeakedTensors(() => extractFeatures({ source: rows, encode: (x) => x as tf.Tensor2D, batchSize: 2 }));
    expect(sameLeaked).toBe(1);
    expect(await same.array()).toEqual([[0, -0], [1, -1], [2, -2]]);
    same.dispose();
  });

  it("raw-pixel kNN separates the synthetic classes", async () => {
    await useBackend(backend);
    const train = barsSource(300, 3), test = barsSource(60, 4);
    const { result, leaked } = await countLeakedTensors(async () => {
      const trainFeatures = await extractFeatures({ source: train, encode: flatten, batchSize: 128 });
      const testFeatures = await extractFeatures({ source: test, encode: flatten });
      const knn = await knnAccuracy({ trainFeatures, trainLabels: train.labels!, testFeatures, testLabels: test.labels!, k: 20, temperature: 0.1 });
      tf.dispose([trainFeatures, testFeatures]);
      return knn;
    });
    expect(leaked).toBe(0);
    expect(result.accuracy).toBeGreaterThan(0.9);
    expect(result.predictions.length).toBe(60);
  });
});

describe("extractFeatures input checks", () => {
  const source = () => barsSource(12, 5);

  it.each<[string, () => Parameters<typeof extractFeatures>[0], RegExp]>([
    ["batchSize 0", () => ({ source: source(), encode: flatten, batchSize: 0 }), /^extractFeatures: batchSize must be an integer ≥ 1; got 0$/],
    ["an empty source", () => ({ source: { ...source(), size: 0 }, encode: flatten }), /^extractFeatures: source.size must be an integer ≥ 1; got 0$/],
    ["a source without read", () => ({ source: { size: 3 } as unknown as DataSource, encode: flatten }), /^extractFeatures: source must be a DataSource/],
    ["an encoder that is not a function", () => ({ source: source(), encode: "flatten" as unknown as typeof flatten }), /^extractFeatures: encode must be a function .*; got "flatten"$/],
    ["features of the wrong rank", () => ({ source: source(), encode: (x: tf.Tensor) => x as tf.Tensor2D, batchSize: 5 }), /^extractFeatures: encode\(batch of 5\) must be features of shape \[5, d\]; got float32 tensor of shape \[5, 8, 8, 1\]$/],
    ["features of another size in a later batch", () => ({ source: source(), encode: (x: tf.Tensor) => tf.slice(flatten(x), [0, 0], [-1, x.shape[0]!]), batchSize: 5 }), /^extractFeatures: encode\(batch of 5\) must be features of shape \[5, 5\] like the first batch; got float32 tensor of shape \[5, 5\]|encode\(batch of 2\) must be features of shape \[2, 5\] like the first batch; got float32 tensor of shape \[2, 2\]$/],
    ["a read that returns the wrong number of rows", () => ({ source: { ...source(), read: () => tf.zeros([2, 8, 8, 1]) }, encode: flatten, batchSize: 5 }), /^extractFeatures: source.read\(indices 0..4\) must be a tensor of 5 examples \[5, 8, 8, 1\]; got float32 tensor of shape \[2, 8, 8, 1\]$/],
    ["a read that returns no tensor", () => ({ source: { ...source(), read: async () => [1, 2] as unknown as tf.Tensor }, encode: flatten }), /source.read\(indices 0..11\) must be a tensor of 12 examples .*; got \[1, 2\]$/],
  ])("rejects %s with a ContrastiveError and leaks nothing", async (_, options, message) => {
    await useBackend("cpu");
    const before = tf.memory().numTensors;
    const error = await extractFeatures(options()).catch((e: unknown) => e);
    expect(tf.memory().numTensors).toBe(before);
    expect(ContrastiveError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it("disposes what it computed when encode throws midway", async () => {
    await useBackend("cpu");
    const before = tf.memory().numTensors;
    let calls = 0;
    const encode = (x: tf.Tensor) => {
      if (++calls === 3) throw new Error("out of memory");
      return flatten(x);
    };
    await expect(extractFeatures({ source: source(), encode, batchSize: 4 })).rejects.toThrow("out of memory");
    expect(tf.memory().numTensors).toBe(before);
  });
});
