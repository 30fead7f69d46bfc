import * as tf from "@tensorflow/tfjs-core";
import { convNet } from "@contrastive/backbones";
import { type Augmentation, type Callback, type DataSource, type Loss, NonFiniteError, type Rng } from "@contrastive/core";
import { TEST_BACKENDS, useBackend } from "@contrastive/core/testing";
import { projectionHead } from "@contrastive/heads";
import { instanceSampler } from "@contrastive/samplers";
import { beforeAll, describe, expect, it } from "vitest";
import { createTrainer } from "./trainer.js";

/** Two views: each image plus seeded Gaussian noise (drawn from the rng, so views are reproducible). */
const noisyViews: Augmentation<tf.Tensor4D, tf.Tensor4D[]> = {
  name: "noisyViews",
  apply: (images, rng: Rng) =>
    [0, 1].map((v) => tf.tidy(() => tf.add(images, tf.randomNormal(images.shape, 0, 0.05, "float32", rng.fork(v).uint32())))) as tf.Tensor4D[],
};

/** A plain InfoNCE over the two views (written here so the trainer is tested without the losses package). */
const pairLoss: Loss = {
  name: "pairLoss",
  compute: ({ views }) =>
    tf.tidy(() => {
      const [a, b] = views.map((v) => tf.div(v, tf.add(tf.norm(v, 2, 1, true), 1e-8))) as [tf.Tensor2D, tf.Tensor2D];
      const logits = tf.div(tf.matMul(a, b, false, true), 0.5);
      const labels = tf.oneHot(tf.range(0, a.shape[0], 1, "int32"), a.shape[0]);
      return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
    }),
};

function toyData(n: number, seed: number): DataSource & { images: tf.Tensor4D } {
  const images = tf.randomUniform([n, 8, 8, 1], 0, 1, "float32", seed) as tf.Tensor4D;
  return {
    name: "toy",
    size: n,
    exampleShape: [8, 8, 1],
    labels: Int32Array.from({ length: n }, (_, i) => i % 4),
    images,
    read: (indices) => tf.tidy(() => tf.gather(images, tf.tensor1d(Array.from(indices), "int32"))),
  };
}

function components(seed = 0) {
  const backbone = convNet({ inputShape: [8, 8, 1], filters: [8, 16], seed });
  const head = projectionHead({ inputDim: 16, hiddenDims: [16], outputDim: 8, seed: seed + 1 });
  return { backbone, head };
}

describe.each(TEST_BACKENDS)("createTrainer on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("lowers the contrastive loss and leaves no tensors behind", async () => {
    const data = toyData(64, 1);
    const { backbone, head } = components();
    const optimizer = tf.train.adam(1e-2);
    const trainer = createTrainer({ backbone, head, loss: pairLoss, optimizer, augment: noisyViews, seed: 1 });
    const warmUp = await trainer.fit({ data, sampler: instanceSampler({ size: 64, batchSize: 32 }), epochs: 1 }); // warm-up creates optimizer slots
    const before = tf.memory().numTensors;
    const history = await trainer.fit({ data, sampler: instanceSampler({ size: 64, batchSize: 16 }), epochs: 8 });
    expect(tf.memory().numTensors).toBe(before);
    expect(history.epochs.length).toBe(8);
    expect(history.epochs[0]!.steps).toBe(4);
    expect(history.epochs.at(-1)!.meanLoss).toBeLessThan(0.75 * warmUp.epochs[0]!.meanLoss);
    tf.dispose(data.images);
    backbone.dispose();
    head.dispose();
    optimizer.dispose();
  });

  it("is repeatable: the same seeds give the same losses and weights", async () => {
    const run = async () => {
      const data = toyData(32, 2);
      const { backbone, head } = components(5);
      const optimizer = tf.train.adam(1e-2);
      const trainer = createTrainer({ backbone, head, loss: pairLoss, optimizer, augment: noisyViews, seed: 3 });
      const history = await trainer.fit({ data, sampler: instanceSampler({ size: 32, batchSize: 16, seed: 4 }), epochs: 2 });
      const weights = Array.from(backbone.trainableWeights[0]!.dataSync());
      tf.dispose(data.images);
      backbone.dispose();
      head.dispose();
      optimizer.dispose();
      return { losses: history.epochs.map((e) => e.meanLoss), weights };
    };
    const first = await run();
    const second = await run();
    expect(second.losses).toEqual(first.losses);
    expect(second.weights).toEqual(first.weights);
  });

  it("skips the update and throws NonFiniteError when the loss is NaN", () => {
    const { backbone, head } = components();
    const nanLoss: Loss = { name: "nanLoss", compute: ({ views }) => tf.tidy(() => tf.mul(tf.sum(views[0]!), Number.NaN)) };
    const optimizer = tf.train.sgd(0.1);
    const trainer = createTrainer({ backbone, head, loss: nanLoss, optimizer, augment: noisyViews });
    const images = tf.randomUniform([4, 8, 8, 1]) as tf.Tensor4D;
    const before = Array.from(backbone.trainableWeights[0]!.dataSync());
    const tensors = tf.memory().numTensors;
    expect(() => trainer.step(images)).toThrow(NonFiniteError);
    expect(() => trainer.step(images)).toThrow(/trainer.step: loss \(nanLoss\) at step 0 must be finite; the update was skipped/);
    expect(Array.from(backbone.trainableWeights[0]!.dataSync())).toEqual(before);
    expect(tf.memory().numTensors).toBe(tensors);
    images.dispose();
    backbone.dispose();
    head.dispose();
  });

  it("calls the callbacks in order and stops when one returns false", async () => {
    const data = toyData(32, 3);
    const { backbone, head } = components();
    const events: string[] = [];
    const callback: Callback = {
      onTrainBegin: ({ epochs, stepsPerEpoch }) => void events.push(`begin ${epochs}x${stepsPerEpoch}`),
      onEpochBegin: (epoch) => void events.push(`epoch ${epoch}`),
      onStepEnd: ({ epoch, step }) => {
        events.push(`step ${epoch}.${step}`);
        return !(epoch === 1 && step === 0);
      },
      onEpochEnd: ({ epoch, steps }) => void events.push(`end ${epoch} (${steps})`),
      onTrainEnd: ({ stopped }) => void events.push(`done ${stopped}`),
    };
    const trainer = createTrainer({ backbone, head, loss: pairLoss, optimizer: tf.train.sgd(0.01), augment: noisyViews, callbacks: [callback] });
    const history = await trainer.fit({ data, sampler: instanceSampler({ size: 32, batchSize: 16 }), epochs: 5 });
    expect(events).toEqual(["begin 5x2", "epoch 0", "step 0.0", "step 0.1", "end 0 (2)", "epoch 1", "step 1.0", "end 1 (1)", "done true"]);
    expect(history.stopped).toBe(true);
    tf.dispose(data.images);
    backbone.dispose();
    head.dispose();
  });
});

describe("createTrainer without an explicit rng", () => {
  it("draws new views on every direct step() call", async () => {
    await useBackend("cpu");
    const draws: number[] = [];
    const recording: Augmentation<tf.Tensor4D, tf.Tensor4D[]> = {
      name: "recording",
      apply: (images, rng) => (draws.push(rng.uint32()), noisyViews.apply(images, rng)),
    };
    const { backbone, head } = components();
    const optimizer = tf.train.sgd(0.01);
    const trainer = createTrainer({ backbone, head, loss: pairLoss, optimizer, augment: recording });
    const images = tf.randomUniform([4, 8, 8, 1]) as tf.Tensor4D;
    trainer.step(images);
    trainer.step(images);
    expect(draws[1]).not.toBe(draws[0]);
    tf.dispose(images);
    [backbone, head, optimizer].forEach((x) => x.dispose());
  });
});

describe("createTrainer argument checks", () => {
  it("names the component that is missing its method", () => {
    const { backbone } = components();
    expect(() => createTrainer({ backbone, loss: {} as Loss, optimizer: tf.train.sgd(0.1), augment: noisyViews })).toThrow(
      /createTrainer: loss must be an object with a compute\(\) method; got object/,
    );
    backbone.dispose();
  });

  it("rejects a bad epoch count and labels that the data lacks", async () => {
    await useBackend("cpu");
    const { backbone } = components();
    const data = { ...toyData(8, 1), labels: undefined };
    const trainer = createTrainer({ backbone, loss: pairLoss, optimizer: tf.train.sgd(0.1), augment: noisyViews });
    const sampler = instanceSampler({ size: 8, batchSize: 4 });
    await expect(trainer.fit({ data, sampler, epochs: 0 })).rejects.toThrow(/trainer.fit: epochs must be an integer ≥ 1; got 0/);
    await expect(trainer.fit({ data, sampler, epochs: 1, useLabels: true })).rejects.toThrow(/useLabels/);
    tf.dispose(data.images);
    backbone.dispose();
  });
});
