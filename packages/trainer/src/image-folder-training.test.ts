import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import * as tf from "@tensorflow/tfjs-core";
import { image, multiView } from "@contrastive/augment";
import { convNet } from "@contrastive/backbones";
import { ContrastiveError, type StepInfo, createRng } from "@contrastive/core";
import { TEST_BACKENDS, useBackend } from "@contrastive/core/testing";
import { arrayDataset, imageFolder } from "@contrastive/data";
import { projectionHead } from "@contrastive/heads";
import { ntXent } from "@contrastive/losses";
import { instanceSampler } from "@contrastive/samplers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTrainer } from "./trainer.js";

let root = "";
const SIZE = 16;

/** Real JPEG files on disk: class 0 bright stripes, class 1 a dark blob, each with seeded noise, 20×24 pixels. */
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "trainer-image-folder-"));
  const rng = createRng(3);
  for (const [label, name] of ["stripes", "blob"].entries()) {
    mkdirSync(join(root, name));
    for (let i = 0; i < 12; i++) {
      const [h, w] = [20, 24];
      const pixels = Buffer.alloc(h * w * 3);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const base = label === 0 ? ((x + i) % 6 < 3 ? 220 : 40) : Math.hypot(x - 12, y - 10) < 6 + (i % 3) ? 30 : 200;
          for (let c = 0; c < 3; c++) pixels[(y * w + x) * 3 + c] = Math.max(0, Math.min(255, base + Math.round(rng.uniform(-30, 30)) + c * 10));
        }
      }
      writeFileSync(join(root, name, `${i}.jpg`), await sharp(pixels, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toBuffer());
    }
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const views = () => image.imageBatch(image.multiView(2, image.simclrAugment({ size: [SIZE, SIZE] })), { concurrency: 8 });

function parts(seed = 0) {
  const backbone = convNet({ inputShape: [SIZE, SIZE, 3], filters: [8, 16], seed });
  const head = projectionHead({ inputDim: backbone.outputDim, hiddenDims: [16], outputDim: 8, seed: seed + 1 });
  return { backbone, head, dispose: () => (backbone.dispose(), head.dispose()) };
}

async function fitFolder(options: { seed: number; cache?: boolean; labelled?: boolean; epochs?: number }) {
  const data = imageFolder(root, { cache: options.cache ?? false, labelled: options.labelled ?? true });
  const { backbone, head, dispose } = parts(options.seed);
  const steps: StepInfo[] = [];
  const optimizer = tf.train.adam(1e-2);
  const trainer = createTrainer({
    backbone, head, loss: ntXent({ temperature: 0.5 }), optimizer, augment: views(), seed: options.seed,
    callbacks: [{ onStepEnd: (info) => void steps.push(info) }],
  });
  const history = await trainer.fit({ data, sampler: instanceSampler({ size: data.size, batchSize: 8, seed: options.seed }), epochs: options.epochs ?? 2 });
  dispose();
  optimizer.dispose();
  return { history, steps };
}

describe.each(TEST_BACKENDS)("trainer.fit on a folder of JPEG files (%s)", (backend) => {
  beforeAll(() => useBackend(backend));

  it("trains end to end through image.imageBatch, reports the data wait, and leaves no tensors", async () => {
    await fitFolder({ seed: 1, epochs: 1 }); // warm-up: kernels, optimizer slots of other runs are disposed with them
    const before = tf.memory().numTensors;
    const { history, steps } = await fitFolder({ seed: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(history.epochs.map((e) => e.steps)).toEqual([3, 3]);
    expect(history.epochs.map((e) => e.examples)).toEqual([24, 24]);
    for (const s of steps) {
      expect(Number.isFinite(s.loss)).toBe(true);
      expect(s.dataWaitMs).toBeGreaterThanOrEqual(0);
      expect(s.stepMs).toBeGreaterThan(0);
    }
    const epoch = history.epochs[0]!;
    const waited = steps.filter((s) => s.epoch === 0).reduce((sum, s) => sum + (s.dataWaitMs as number), 0);
    expect(epoch.dataWaitSeconds).toBeCloseTo(waited / 1000, 9);
    expect(epoch.dataWaitSeconds).toBeLessThanOrEqual(epoch.seconds);
  });

  it("gives the same views, so the same losses, for the same seed, decoding once or every time; another seed differs", async () => {
    const a = (await fitFolder({ seed: 4 })).steps.map((s) => s.loss);
    const b = (await fitFolder({ seed: 4, cache: true })).steps.map((s) => s.loss);
    const c = (await fitFolder({ seed: 5 })).steps.map((s) => s.loss);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it("stopping mid-epoch disposes the batches prepared ahead, this epoch's and the next's", async () => {
    await fitFolder({ seed: 1, epochs: 1 });
    const data = imageFolder(root, { cache: true });
    const { backbone, head, dispose } = parts(3);
    const optimizer = tf.train.sgd(0.01);
    const before = tf.memory().numTensors;
    for (const stopAt of [1, 2]) { // step 2 is the epoch's last: the next epoch's batches are in the queue
      const trainer = createTrainer({ backbone, head, loss: ntXent(), optimizer, augment: views(), callbacks: [{ onStepEnd: ({ step }) => step !== stopAt }] });
      const history = await trainer.fit({ data, sampler: instanceSampler({ size: data.size, batchSize: 8 }), epochs: 3, prefetch: 4 });
      expect([history.stopped, history.epochs.length, history.epochs[0]!.steps]).toEqual([true, 1, stopAt + 1]);
      expect(tf.memory().numTensors).toBe(before);
    }
    dispose();
  });

  it("trains on a flat, unlabelled folder", async () => {
    const { history } = await fitFolder({ seed: 2, labelled: false, epochs: 1 });
    expect(history.epochs[0]!.examples).toBe(24);
    expect(Number.isFinite(history.epochs[0]!.meanLoss)).toBe(true);
  });
});

describe("trainer: data and augment that do not fit are refused before the first step", () => {
  beforeAll(() => useBackend("cpu"));

  it("an image folder without a size with a tensor augmentation: names image.imageBatch", async () => {
    const { backbone, head, dispose } = parts();
    const steps: number[] = [];
    const trainer = createTrainer({ backbone, head, loss: ntXent(), optimizer: tf.train.adam(1e-3), augment: multiView(2, image.simclrAugment({ size: [SIZE, SIZE] }) as never), callbacks: [{ onStepEnd: ({ step }) => void steps.push(step) }] });
    const data = imageFolder(root);
    const error = await trainer.fit({ data, sampler: instanceSampler({ size: data.size, batchSize: 8 }), epochs: 1 }).catch((e: unknown) => e);
    expect(ContrastiveError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/trainer\.fit: augment must be an image augmentation.*image\.imageBatch\(.*imageFolder\(root, \{ size: \[64, 64\] \}\).*no fixed size/s);
    expect(steps).toEqual([]);
    dispose();
  });

  it("in-memory tensors with an image augmentation: names a tensor augmentation or imageFolder", async () => {
    const { backbone, head, dispose } = parts();
    const data = arrayDataset({ images: new Float32Array(4 * SIZE * SIZE * 3), exampleShape: [SIZE, SIZE, 3] });
    const trainer = createTrainer({ backbone, head, loss: ntXent(), optimizer: tf.train.adam(1e-3), augment: views() });
    const before = tf.memory().numTensors;
    const error = await trainer.fit({ data, sampler: instanceSampler({ size: data.size, batchSize: 2 }), epochs: 1 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/trainer\.fit: data must be an image source with readImages, e.g. imageFolder\(root\).*multiView\(2, simclrAugment\(\)\).*'arrayDataset', which yields tensors.*takes decoded images/s);
    const zeros = tf.zeros([2, SIZE, SIZE, 3]) as tf.Tensor4D;
    expect(() => trainer.step(zeros)).toThrow(/trainer\.step: augment must be fit.*stepViews.*asynchronously/s);
    zeros.dispose();
    expect(tf.memory().numTensors).toBe(before);
    dispose();
  });
});
