import * as tf from "@tensorflow/tfjs-core";
import { convNet } from "@contrastive/backbones";
import { type Augmentation, type Callback, ContrastiveError, type DataSource, type Sampler, createRng } from "@contrastive/core";
import { TEST_BACKENDS, useBackend } from "@contrastive/core/testing";
import { ntXent } from "@contrastive/losses";
import { createTrainer } from "@contrastive/trainer";
import { describe, expect, it } from "vitest";
import { evaluateKnn } from "./evaluate-knn.js";
import { type KnnMonitorEntry, knnMonitor } from "./knn-monitor.js";

/** 8×8 images of three classes (a horizontal bar, a vertical bar, a diagonal) at random positions, with noise. */
function bars(size: number, seed: number, withLabels = true): DataSource {
  const rng = createRng(seed);
  const labels = Int32Array.from({ length: size }, () => rng.int(3));
  const pixels = new Float32Array(size * 64);
  labels.forEach((label, n) => {
    const at = rng.int(8);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) {
      pixels[n * 64 + y * 8 + x] = ((label === 0 ? y === at : label === 1 ? x === at : (x + y) % 8 === at) ? 1 : 0) + rng.normal(0, 0.15);
    }
  });
  return {
    name: `bars-${seed}`, size, exampleShape: [8, 8, 1], ...(withLabels ? { labels } : {}),
    read: (indices) => tf.tidy(() => tf.gather(tf.tensor4d(pixels, [size, 8, 8, 1]), Array.from(indices))),
  };
}

/** Two views: the images plus seeded Gaussian noise. */
const noisyViews: Augmentation<tf.Tensor4D, tf.Tensor4D[]> = {
  name: "noisy-views",
  apply: (images, rng) => [0, 1].map(() => tf.tidy(() => tf.add(images, tf.randomNormal(images.shape, 0, 0.2, "float32", rng.uint32())) as tf.Tensor4D)),
};
const twoBatches: Sampler = { name: "two-batches", batchesPerEpoch: () => 2, batches: () => [Int32Array.from({ length: 32 }, (_, i) => i), Int32Array.from({ length: 32 }, (_, i) => 32 + i)] };

describe.each(TEST_BACKENDS)("knnMonitor in a real training loop on %s", (backend) => {
  it("evaluates every N epochs and after the last, as evaluateKnn does on the backbone at that moment, leaking nothing", async () => {
    await useBackend(backend);
    const backbone = convNet({ inputShape: [8, 8, 1], filters: [8, 16], seed: 1 });
    const train = bars(90, 1), test = bars(31, 2);
    const lines: string[] = [], results: KnnMonitorEntry[] = [], snapshots: number[] = [], kernels: number[] = [];
    const monitor = knnMonitor({ backbone, train, test, every: 2, k: 5, onResult: (entry) => void results.push(entry), log: (line) => lines.push(line) });
    let before = 0;
    const leaks: number[] = [];
    const around: [Callback, Callback] = [
      { onEpochEnd: () => void (before = tf.memory().numTensors) },
      {
        async onEpochEnd() {
          leaks.push(tf.memory().numTensors - before);
          // What the monitor should have measured at this moment, computed directly.
          snapshots.push((await evaluateKnn({ encode: (x) => backbone.apply(x, { training: false }), train, test, k: 5 })).accuracy);
          kernels.push((await backbone.trainableWeights[0]!.data())[0]!);
        },
      },
    ];
    const trainer = createTrainer({ backbone, loss: ntXent({ temperature: 0.5 }), optimizer: tf.train.adam(1e-2), augment: noisyViews, callbacks: [around[0], monitor, around[1]] });
    await trainer.fit({ data: bars(64, 3), sampler: twoBatches, epochs: 5 });

    expect(leaks).toEqual([0, 0, 0, 0, 0]);
    expect(monitor.history.map((entry) => entry.epoch)).toEqual([1, 3, 4]);
    expect(monitor.history.map((entry) => entry.accuracy)).toEqual([snapshots[1], snapshots[3], snapshots[4]]);
    expect(new Set(kernels).size).toBe(5); // the backbone trained between the evaluations
    expect(snapshots.every((accuracy) => accuracy > 0.4)).toBe(true); // three classes: chance is 1/3
    expect(results).toEqual(monitor.history);
    expect(lines.length).toBe(3);
    expect(lines[0]).toMatch(/^epoch 2\/5: kNN accuracy \d+\.\d\d% \(k 5, τ 0.1, 31 test examples, \d+\.\d s\)$/);
    expect(lines[2]).toContain(`epoch 5/5: kNN accuracy ${(100 * snapshots[4]!).toFixed(2)}%`);
    const last = await evaluateKnn({ encode: (x) => backbone.apply(x, { training: false }), train, test, k: 5 });
    expect(Array.from(monitor.history[2]!.perClassAccuracy)).toEqual(Array.from(last.perClassAccuracy));
    backbone.dispose();
  });
});

describe("knnMonitor", () => {
  it("with encode, every epoch by default, and silent with log: false", async () => {
    await useBackend("cpu");
    const train = bars(40, 4), test = bars(12, 5);
    const flatten = (x: tf.Tensor) => tf.reshape(x, [x.shape[0]!, -1]) as tf.Tensor2D;
    const monitor = knnMonitor({ encode: flatten, train, test, k: 3, log: false });
    await monitor.onTrainBegin?.({ epochs: 2, stepsPerEpoch: 1 });
    const before = tf.memory().numTensors;
    for (const epoch of [0, 1]) await monitor.onEpochEnd?.({ epoch, meanLoss: 0, steps: 1, examples: 1, seconds: 1, examplesPerSecond: 1 });
    expect(tf.memory().numTensors).toBe(before);
    const direct = await evaluateKnn({ encode: flatten, train, test, k: 3 });
    expect(monitor.history.map((e) => [e.epoch, e.accuracy])).toEqual([[0, direct.accuracy], [1, direct.accuracy]]);
  });

  it.each<[string, () => unknown, RegExp]>([
    ["neither backbone nor encode", () => knnMonitor({ train: bars(5, 1), test: bars(5, 2) }), /^knnMonitor: backbone must be a Backbone \(or pass encode: \(x\) => features\); got undefined$/],
    ["a test source without labels", () => knnMonitor({ encode: (x) => x as tf.Tensor2D, train: bars(5, 1), test: bars(5, 2, false) }), /^knnMonitor: test must be a data source with labels; got data source 'bars-2' without labels$/],
    ["k larger than the train source", () => knnMonitor({ encode: (x) => x as tf.Tensor2D, train: bars(5, 1), test: bars(5, 2) }), /^knnMonitor: k must be at most the 5 examples of train; got 20$/],
    ["every 0", () => knnMonitor({ encode: (x) => x as tf.Tensor2D, train: bars(30, 1), test: bars(5, 2), every: 0 }), /^knnMonitor: every must be an integer ≥ 1; got 0$/],
  ])("rejects %s before training starts", (_, call, message) => {
    const error = (() => { try { call(); } catch (e) { return e; } })();
    expect(ContrastiveError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });
});
