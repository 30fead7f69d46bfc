import * as tf from "@tensorflow/tfjs-core";
import { convNet } from "@contrastive/backbones";
import { type Augmentation, type Loss, type NegativeBank, NonFiniteError, type Rng } from "@contrastive/core";
import { TEST_BACKENDS, useBackend } from "@contrastive/core/testing";
import { projectionHead } from "@contrastive/heads";
import { instanceSampler, memoryBank, queue } from "@contrastive/samplers";
import { beforeAll, describe, expect, it } from "vitest";
import { momentumEncoder } from "./momentum-encoder.js";
import { createTrainer } from "./trainer.js";

const views = (count: number): Augmentation<tf.Tensor4D, tf.Tensor4D[]> => ({
  name: `noisy${count}`,
  apply: (images, rng: Rng) =>
    Array.from({ length: count }, (_, v) => tf.tidy(() => tf.add(images, tf.randomNormal(images.shape, 0, 0.05, "float32", rng.fork(v).uint32())))) as tf.Tensor4D[],
});

/** InfoNCE of views[0] against views[1] as the positive and batch.negatives only (MoCo / InstDisc form). */
const bankLoss: Loss = {
  name: "bankLoss",
  compute: ({ views: [q, k], negatives }) =>
    tf.tidy(() => {
      const unit = (t: tf.Tensor2D) => tf.div(t, tf.add(tf.norm(t, 2, 1, true), 1e-8)) as tf.Tensor2D;
      const qn = unit(q!);
      const positive = tf.sum(tf.mul(qn, unit(k!)), 1, true);
      const logits = tf.div(tf.concat([positive, tf.matMul(qn, unit(negatives!), false, true)], 1), 0.2);
      return tf.neg(tf.mean(tf.sub(tf.slice(logits, [0, 0], [-1, 1]), tf.logSumExp(logits, 1, true)))) as tf.Scalar;
    }),
};

function data(n: number) {
  const images = tf.randomUniform([n, 8, 8, 1], 0, 1, "float32", 11) as tf.Tensor4D;
  return {
    images,
    source: { name: "toy", size: n, exampleShape: [8, 8, 1], read: (i: Int32Array | number[]) => tf.tidy(() => tf.gather(images, tf.tensor1d(Array.from(i), "int32"))) },
  };
}
const net = (seed: number) => ({
  backbone: convNet({ inputShape: [8, 8, 1], filters: [8, 16], seed }),
  head: projectionHead({ inputDim: 16, hiddenDims: [16], outputDim: 8, seed: seed + 1 }),
});

describe.each(TEST_BACKENDS)("trainer with negative banks and a momentum encoder on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("InstDisc: bank positives and negatives reach the loss, the bank updates after it, the loss falls", async () => {
    const { images, source } = data(48);
    const { backbone, head } = net(1);
    const bank = memoryBank({ size: 48, dim: 8, negativesPerBatch: 32, momentum: 0.5 });
    const calls: string[] = [];
    const spied: NegativeBank = {
      ...bank,
      negatives: (c) => (calls.push("negatives"), bank.negatives(c)),
      positives: (c) => (calls.push("positives"), bank.positives!(c)),
      update: (k, c) => (calls.push(`update ${k.shape} ${c.indices.length}`), bank.update(k, c)),
    };
    const loss: Loss = { name: "spy", compute: (b) => (calls.push(`loss ${b.views.length} views, ${b.negatives?.shape[0]} negatives`), bankLoss.compute(b)) };
    const optimizer = tf.train.adam(5e-3);
    const trainer = createTrainer({ backbone, head, loss, optimizer, augment: views(1), negatives: spied });
    const first = bank.state().values.slice();
    await trainer.fit({ data: source, sampler: instanceSampler({ size: 48, batchSize: 16 }), epochs: 1 });
    expect(calls.slice(0, 4)).toEqual(["negatives", "positives", "loss 2 views, 32 negatives", "update 16,8 16"]);
    expect(bank.state().values).not.toEqual(first);
    const before = tf.memory().numTensors;
    const history = await trainer.fit({ data: source, sampler: instanceSampler({ size: 48, batchSize: 16 }), epochs: 6 });
    expect(tf.memory().numTensors).toBe(before);
    expect(history.epochs.at(-1)!.meanLoss).toBeLessThan(history.epochs[0]!.meanLoss);
    tf.dispose(images);
    [backbone, head, optimizer].forEach((x) => x.dispose());
  });

  it("MoCo: keys come from the EMA target, enqueue after the loss, θ_k ← m·θ_k + (1 − m)·θ_q", () => {
    const online = net(2);
    const target = net(7);
    const m = 0.9;
    const encoder = momentumEncoder({ online, target, momentum: m });
    expect(Array.from(target.backbone.trainableWeights[0]!.dataSync())).toEqual(Array.from(online.backbone.trainableWeights[0]!.dataSync()));
    const keys = queue({ size: 32, dim: 8 });
    const optimizer = tf.train.sgd(0.5);
    const seen: number[][] = [];
    const loss: Loss = { name: "spy", compute: (b) => (seen.push(Array.from(b.negatives!.dataSync())), bankLoss.compute(b)) };
    const trainer = createTrainer({ ...online, loss, optimizer, augment: views(2), negatives: keys, momentumEncoder: encoder });
    const images = tf.randomUniform([8, 8, 8, 1], 0, 1, "float32", 3) as tf.Tensor4D;
    const queueBefore = Array.from(keys.state().values);
    const targetBefore = target.head.trainableWeights.map((v) => Array.from(v.dataSync()));
    const step = () => trainer.step(images, { indices: Int32Array.from({ length: 8 }, (_, i) => i) });
    step();
    expect(seen[0]).toEqual(queueBefore); // the loss read the queue before this batch's keys entered it
    expect(keys.pointer).toBe(8);
    expect(Array.from(keys.state().values.slice(64))).toEqual(queueBefore.slice(64));
    const onlineAfter = online.head.trainableWeights.map((v) => Array.from(v.dataSync()));
    target.head.trainableWeights.forEach((v, w) => {
      const got = v.dataSync();
      targetBefore[w]!.forEach((old, i) => expect(got[i]).toBeCloseTo(m * old + (1 - m) * onlineAfter[w]![i]!, 5));
    });
    const tensors = tf.memory().numTensors;
    step();
    step();
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose(images);
    [online.backbone, online.head, target.backbone, target.head, optimizer, keys].forEach((x) => x.dispose());
  });

  it("a NaN loss leaves the weights, the target and the bank untouched", () => {
    const online = net(3);
    const target = net(4);
    const encoder = momentumEncoder({ online, target });
    const keys = queue({ size: 16, dim: 8 });
    const nan: Loss = { name: "nan", compute: (b) => tf.tidy(() => tf.mul(tf.sum(b.views[0]!), Number.NaN)) };
    const trainer = createTrainer({ ...online, loss: nan, optimizer: tf.train.sgd(0.1), augment: views(2), negatives: keys, momentumEncoder: encoder });
    const images = tf.randomUniform([4, 8, 8, 1]) as tf.Tensor4D;
    const snapshot = () => [online.backbone.trainableWeights[0]!, target.backbone.trainableWeights[0]!].map((v) => Array.from(v.dataSync()));
    const before = snapshot();
    const queued = keys.state();
    const tensors = tf.memory().numTensors;
    expect(() => trainer.step(images, { indices: Int32Array.from([0, 1, 2, 3]) })).toThrow(NonFiniteError);
    expect(snapshot()).toEqual(before);
    expect(keys.pointer).toBe(0);
    expect(keys.state().values).toEqual(queued.values);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(() => trainer.step(images)).toThrow(/trainer.step: indices must be the batch's data-set indices/);
    tf.dispose(images);
    [online.backbone, online.head, target.backbone, target.head, keys].forEach((x) => x.dispose());
  });

  it("rejects a target network of another architecture", () => {
    const online = net(1);
    const other = { backbone: convNet({ inputShape: [8, 8, 1], filters: [4, 16] }), head: online.head };
    expect(() => momentumEncoder({ online, target: other })).toThrow(/momentumEncoder: target.backbone must be the same architecture as online.backbone/);
    [online.backbone, online.head, other.backbone].forEach((x) => x.dispose());
  });
});
