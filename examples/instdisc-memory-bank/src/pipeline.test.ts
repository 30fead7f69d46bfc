import { subset } from "@contrastive/data";
import { mnistDigits } from "@contrastive/data/mnist";
import { useBackend } from "@contrastive/core/testing";
import * as tf from "@tensorflow/tfjs-core";
import { expect, it } from "vitest";
import { runInstDisc } from "./pipeline.js";

it("trains InstDisc end to end on a slice of MNIST: finite falling loss, no leaked tensors", async () => {
  await useBackend("wasm");
  const every = (n: number, total: number) => Array.from({ length: total }, (_, i) => i * n);
  const train = subset(mnistDigits({ subset: "train" }), every(20, 400));
  const test = subset(mnistDigits({ subset: "test" }), every(10, 150));
  const before = tf.memory().numTensors;
  const { history, knnBefore, knnAfter, knnPerEpoch } = await runInstDisc({ train, test, epochs: 3, batchSize: 64, negatives: 256 });
  expect(tf.memory().numTensors).toBe(before);
  const losses = history.epochs.map((e) => e.meanLoss);
  expect(losses.every(Number.isFinite)).toBe(true);
  expect(losses.at(-1)!).toBeLessThan(losses[0]!);
  expect(knnBefore).toBeGreaterThan(0.2);
  expect(knnAfter).toBeGreaterThan(0.2);
  // one kNN per epoch, the last one the accuracy after training
  expect(knnPerEpoch).toHaveLength(3);
  expect(knnPerEpoch.at(-1)).toBe(knnAfter);
});
