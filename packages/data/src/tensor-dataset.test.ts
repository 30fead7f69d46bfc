import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError } from "@contrastive/core";
import { TEST_BACKENDS, countLeakedTensors, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { tensorDataset } from "./tensor-dataset.js";

describe.each(TEST_BACKENDS)("tensorDataset on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("reads the rows of a tensor with their labels, copying the values", async () => {
    const images = tf.tensor4d(Float32Array.from({ length: 4 * 2 * 2 * 1 }, (_, i) => i), [4, 2, 2, 1]);
    const { leaked } = await countLeakedTensors(() => {
      const source = tensorDataset(images, [3, 1, 2, 0]);
      expect([source.size, source.exampleShape, Array.from(source.labels!)]).toEqual([4, [2, 2, 1], [3, 1, 2, 0]]);
      const batch = source.read([2, 0]);
      expect(Array.from(batch.dataSync())).toEqual([8, 9, 10, 11, 0, 1, 2, 3]);
      batch.dispose();
      expect(tensorDataset(images).labels).toBeUndefined();
    });
    expect(leaked).toBe(0);
    images.dispose();
  });

  it("rejects a tensor without examples and labels of the wrong length", () => {
    const images = tf.zeros([3, 2]);
    expect(() => tensorDataset(tf.scalar(1))).toThrow(ContrastiveError);
    expect(() => tensorDataset(images, [0, 1])).toThrow(/tensorDataset: labels must be one integer class id per example \(3\)/);
    images.dispose();
  });
});
