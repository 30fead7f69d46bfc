import { subset } from "@contrastive/data";
import { mnistDigits } from "@contrastive/data/mnist";
import { useBackend } from "@contrastive/core/testing";
import * as tf from "@tensorflow/tfjs-core";
import { expect, it } from "vitest";
import { runMoco } from "./pipeline.js";

it("trains MoCo end to end on a slice of MNIST: a finite loss well below chance, no leaked tensors", async () => {
  await useBackend("wasm");
  const every = (n: number, total: number) => Array.from({ length: total }, (_, i) => i * n);
  const train = subset(mnistDigits({ subset: "train" }), every(20, 400));
  const test = subset(mnistDigits({ subset: "test" }), every(10, 150));
  const before = tf.memory().numTensors;
  const { history, knnAfter, knnPerEpoch } = await runMoco({ train, test, epochs: 3, batchSize: 64, queueSize: 256 });
  expect(tf.memory().numTensors).toBe(before);
  const losses = history.epochs.map((e) => e.meanLoss);
  expect(losses.every(Number.isFinite)).toBe(true);
  // The loss rises while real keys replace the queue's random initial ones, so compare with chance,
  // log(1 + K): the positive key is then no more likely than any of the K queued ones.
  expect(losses.at(-1)!).toBeLessThan(Math.log(1 + 256) - 0.3);
  expect(knnAfter).toBeGreaterThan(0.3);
  expect(knnPerEpoch).toHaveLength(3);
  expect(knnPerEpoch.at(-1)).toBe(knnAfter);
});
