import { mkdtemp, readFile, readdir, rm, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { convNet } from "@contrastive/backbones";
import { type Augmentation, type Loss, type Rng, createRng } from "@contrastive/core";
import { useBackend } from "@contrastive/core/testing";
import { projectionHead } from "@contrastive/heads";
import { queue } from "@contrastive/samplers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkpointEvery, loadCheckpoint, saveCheckpoint } from "./checkpoint.js";
import { createTrainer } from "./trainer.js";

let root: string;
beforeAll(async () => {
  await useBackend("wasm");
  root = await mkdtemp(join(tmpdir(), "checkpoint-"));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const twoViews: Augmentation<tf.Tensor4D, tf.Tensor4D[]> = {
  name: "twoViews",
  apply: (images, rng: Rng) => [0, 1].map((v) => tf.tidy(() => tf.add(images, tf.randomNormal(images.shape, 0, 0.05, "float32", rng.fork(v).uint32())))) as tf.Tensor4D[],
};
const loss: Loss = {
  name: "negatives",
  compute: ({ views: [a, b], negatives }) =>
    tf.tidy(() => tf.add(tf.mean(tf.square(tf.sub(a!, b!))), tf.mul(1e-3, tf.mean(tf.matMul(a!, negatives!, false, true))))) as tf.Scalar,
};
const build = (seed: number) => ({
  backbone: convNet({ inputShape: [8, 8, 1], filters: [4, 8], seed }),
  head: projectionHead({ inputDim: 8, hiddenDims: [8], outputDim: 4, seed }),
  optimizer: tf.train.adam(1e-2),
  negatives: queue({ size: 8, dim: 4, seed }),
});
const values = (vars: tf.Variable[]) => vars.map((v) => Array.from(v.dataSync()));

describe("checkpoints", () => {
  it("restores weights, batch-norm statistics, Adam's moments and the queue, so training resumes identically", async () => {
    const images = tf.randomUniform([4, 8, 8, 1], 0, 1, "float32", 1) as tf.Tensor4D;
    const indices = Int32Array.from([0, 1, 2, 3]);
    const a = build(1);
    const trainerA = createTrainer({ ...a, loss, augment: twoViews });
    for (let i = 0; i < 3; i++) trainerA.step(images, { indices });
    const dir = join(root, "resume");
    const before = tf.memory().numTensors;
    await saveCheckpoint(dir, a, { epoch: 2 });
    expect(tf.memory().numTensors).toBe(before);
    const b = build(7); // other initial weights, fresh optimizer and queue
    const trainerB = createTrainer({ ...b, loss, augment: twoViews });
    const { epoch } = await loadCheckpoint(dir, b);
    expect(epoch).toBe(2);
    expect(values(b.backbone.weights)).toEqual(values(a.backbone.weights));
    expect(b.negatives.pointer).toBe(a.negatives.pointer);
    const lossA = trainerA.step(images, { indices, rng: createRng(5) });
    const lossB = trainerB.step(images, { indices, rng: createRng(5) });
    expect(lossB).toBeCloseTo(lossA, 6);
    expect(values(b.head.trainableWeights)).toEqual(values(a.head.trainableWeights));
    tf.dispose(images);
    [a, b].forEach((p) => [p.backbone, p.head, p.optimizer, p.negatives].forEach((x) => x.dispose()));
  });

  it("keeps the newest checkpoints, points latest at a complete one, and names what is wrong", async () => {
    const p = build(2);
    const dir = join(root, "keep");
    const callback = checkpointEvery({ directory: dir, parts: p, keep: 2 });
    for (let epoch = 0; epoch < 4; epoch++) await callback.onEpochEnd!({ epoch, meanLoss: 0, steps: 1, examples: 1, seconds: 1, examplesPerSecond: 1 });
    expect((await readdir(dir)).sort()).toEqual(["epoch-0002", "epoch-0003", "latest"]);
    expect(await readFile(join(dir, "latest"), "utf8")).toBe("epoch-0003");
    const other = { backbone: convNet({ inputShape: [8, 8, 1], filters: [4, 16] }) };
    await expect(loadCheckpoint(dir, other)).rejects.toThrow(/loadCheckpoint: parts must be the \d+ weights saved in/);
    await truncate(join(dir, "epoch-0003", "weights.bin"), 10);
    await expect(loadCheckpoint(dir, p)).rejects.toThrow(/weights\.bin must be .*got 10 bytes \(truncated\)/);
    await expect(loadCheckpoint(join(root, "nothing"), p)).rejects.toThrow(/model\.json must be .*; got no such file/);
    [p.backbone, p.head, p.optimizer, p.negatives, other.backbone].forEach((x) => x.dispose());
  });
});
