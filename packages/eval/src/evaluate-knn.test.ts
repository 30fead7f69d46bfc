import * as tf from "@tensorflow/tfjs-core";
import { type DataSource, createRng } from "@contrastive/core";
import { TEST_BACKENDS, countLeakedTensors, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateKnn } from "./evaluate-knn.js";
import { knnAccuracy } from "./knn-accuracy.js";

/** Points around one centre per class, with noise; rows are [2] vectors. */
function clusters(name: string, n: number, seed: number, withLabels = true): DataSource & { values: Float32Array } {
  const rng = createRng(seed);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  const values = Float32Array.from({ length: n * 2 }, (_, j) => Math.cos(((labels[j >> 1]! * 2.1 + (j % 2) * Math.PI) / 2)) + rng.normal(0, 0.4));
  return {
    name, size: n, exampleShape: [2], values, ...(withLabels ? { labels } : {}),
    read: (indices) => tf.tensor2d(Float32Array.from(Array.from(indices).flatMap((i) => [values[2 * i]!, values[2 * i + 1]!])), [indices.length, 2]),
  };
}

describe.each(TEST_BACKENDS)("evaluateKnn on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("equals knnAccuracy on the features it extracts, and frees them", async () => {
    const train = clusters("train", 90, 1);
    const test = clusters("test", 31, 2);
    const encode = (x: tf.Tensor) => tf.mul(x, 2) as tf.Tensor2D;
    const { result, leaked } = await countLeakedTensors(() => evaluateKnn({ encode, train, test, k: 5, batchSize: 7 }));
    expect(leaked).toBe(0);
    const trainFeatures = tf.tensor2d(train.values, [90, 2]);
    const testFeatures = tf.tensor2d(test.values, [31, 2]);
    const direct = await knnAccuracy({ trainFeatures, trainLabels: train.labels!, testFeatures, testLabels: test.labels!, k: 5 });
    expect(result.accuracy).toBe(direct.accuracy);
    expect(Array.from(result.predictions)).toEqual(Array.from(direct.predictions));
    expect(result.accuracy).toBeGreaterThan(0.5);
    tf.dispose([trainFeatures, testFeatures]);
  });

  it("names the source that has no labels", async () => {
    const train = clusters("unlabelled", 30, 1, false);
    await expect(evaluateKnn({ encode: (x) => x as tf.Tensor2D, train, test: clusters("test", 5, 2) })).rejects.toThrow(
      /evaluateKnn: train must be a data source with labels; got data source 'unlabelled' without labels/,
    );
  });
});
