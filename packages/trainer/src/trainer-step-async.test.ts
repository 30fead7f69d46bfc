import * as tf from "@tensorflow/tfjs-core";
import { convNet } from "@contrastive/backbones";
import { type Augmentation, type Loss, NonFiniteError, createRng } from "@contrastive/core";
import { TEST_BACKENDS, useBackend } from "@contrastive/core/testing";
import { projectionHead } from "@contrastive/heads";
import { beforeAll, describe, expect, it } from "vitest";
import { createTrainer } from "./trainer.js";

/** Two views: each image plus seeded Gaussian noise drawn from the rng. */
const noisyViews: Augmentation<tf.Tensor4D, tf.Tensor4D[]> = {
  name: "noisyViews",
  apply: (images, rng) => [0, 1].map((v) => tf.tidy(() => tf.add(images, tf.randomNormal(images.shape, 0, 0.05, "float32", rng.fork(v).uint32())))) as tf.Tensor4D[],
};

/** The squared distance between the two views' embeddings (any differentiable loss will do here). */
const distance: Loss = { name: "distance", compute: ({ views }) => tf.tidy(() => tf.mean(tf.squaredDifference(views[0]!, views[1]!))) };

function build(loss: Loss) {
  const backbone = convNet({ inputShape: [8, 8, 1], filters: [4, 8], seed: 2 });
  const head = projectionHead({ inputDim: 8, hiddenDims: [8], outputDim: 4, seed: 3 });
  const optimizer = tf.train.sgd(0.1);
  const trainer = createTrainer({ backbone, head, loss, optimizer, augment: noisyViews, seed: 1 });
  const weights = () => trainer.trainableWeights.map((w) => Array.from(w.dataSync()));
  const dispose = () => [backbone, head, optimizer].forEach((d) => d.dispose());
  return { trainer, weights, dispose };
}

describe.each(TEST_BACKENDS)("trainer.stepAsync on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("gives the same loss and the same update as step, and leaves no tensors behind", async () => {
    const images = tf.randomUniform([6, 8, 8, 1], 0, 1, "float32", 4) as tf.Tensor4D;
    const sync = build(distance);
    const async = build(distance);
    expect(async.weights()).toEqual(sync.weights());
    const before = tf.memory().numTensors;
    const syncLoss = sync.trainer.step(images, { rng: createRng(9) });
    const asyncLoss = await async.trainer.stepAsync(images, { rng: createRng(9) });
    expect(tf.memory().numTensors).toBe(before);
    expect(asyncLoss).toBe(syncLoss);
    expect(syncLoss).toBeGreaterThan(0);
    const updated = sync.weights();
    expect(async.weights()).toEqual(updated);
    // and the update did happen: a second step from the moved weights gives another loss
    expect(await async.trainer.stepAsync(images, { rng: createRng(9) })).not.toBe(asyncLoss);
    [sync, async].forEach((s) => s.dispose());
    images.dispose();
  });

  it("rejects a NaN loss with NonFiniteError and leaves the weights as they were", async () => {
    const nan: Loss = { name: "nanLoss", compute: ({ views }) => tf.tidy(() => tf.mul(tf.sum(views[0]!), Number.NaN)) };
    const { trainer, weights, dispose } = build(nan);
    const images = tf.randomUniform([4, 8, 8, 1], 0, 1, "float32", 5) as tf.Tensor4D;
    const before = weights();
    const tensors = tf.memory().numTensors;
    await expect(trainer.stepAsync(images)).rejects.toThrow(NonFiniteError);
    await expect(trainer.stepAsync(images)).rejects.toThrow(/trainer.step: loss \(nanLoss\) at step \d+ must be finite; the update was skipped/);
    expect(weights()).toEqual(before);
    expect(tf.memory().numTensors).toBe(tensors);
    images.dispose();
    dispose();
  });
});
