/*
 * pnpm bench:trainer — training on a folder of JPEG files through `trainer.fit` with the sharp pipeline:
 * how fast libvips makes SimCLR's two 64×64 views alone, and, while a ConvNet trains on them (wasm), the
 * fraction of the step time the loop spent waiting for data (StepInfo.dataWaitMs). Two encoders: the
 * default ConvNet (32-64-128 filters) and a small one (8-16), whose faster steps press the pipeline harder.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import * as tf from "@tensorflow/tfjs-core";
import { image } from "@contrastive/augment";
import { convNet } from "@contrastive/backbones";
import { type StepInfo, createRng, selectBackend } from "@contrastive/core";
import { imageFolder } from "@contrastive/data";
import { projectionHead } from "@contrastive/heads";
import { ntXent } from "@contrastive/losses";
import { instanceSampler } from "@contrastive/samplers";
import { createTrainer } from "../src/index.js";

const COUNT = Number(process.env.BENCH_IMAGES ?? 384);
const SIZE = 64;
const BATCH = 64;
const folder = mkdtempSync(join(tmpdir(), "bench-image-folder-"));
for (let i = 0; i < COUNT; i++) {
  // Smooth colour noise, 96×96: JPEG content closer to photos than white noise; 4 class sub-folders.
  const jpeg = await sharp({ create: { width: 24, height: 24, channels: 3, background: "#000", noise: { type: "gaussian", mean: 128, sigma: 60 } } })
    .resize(96, 96, { kernel: "cubic" }).jpeg({ quality: 90 }).toBuffer();
  mkdirSync(join(folder, `class-${i % 4}`), { recursive: true });
  writeFileSync(join(folder, `class-${i % 4}`, `${String(i).padStart(4, "0")}.jpg`), jpeg);
}
const { backend } = await selectBackend((process.env.BENCH_BACKEND ?? "wasm") as "wasm");
const views = () => image.imageBatch(image.multiView(2, image.simclrAugment({ size: [SIZE, SIZE] })), { concurrency: BATCH });

/** Images per second of the view pipeline alone (read, decode unless cached, two views, stacked tensors). */
async function pipelineRate(cache: boolean): Promise<number> {
  const files = imageFolder(folder, { cache });
  const augment = views();
  const batches = Math.floor(files.size / BATCH);
  const rng = createRng(1);
  if (cache) for (let b = 0; b < batches; b++) await files.readImages(Int32Array.from({ length: BATCH }, (_, i) => b * BATCH + i)); // decode once
  const started = performance.now();
  for (let b = 0; b < batches; b++) {
    const { images } = await files.readImages(Int32Array.from({ length: BATCH }, (_, i) => b * BATCH + i));
    tf.dispose(await augment.apply(images, rng));
  }
  return (batches * BATCH) / ((performance.now() - started) / 1000);
}

async function fitRate(filters: number[]) {
  const files = imageFolder(folder, { cache: true });
  const backbone = convNet({ inputShape: [SIZE, SIZE, 3], filters, seed: 0 });
  const head = projectionHead({ inputDim: backbone.outputDim, hiddenDims: [64], outputDim: 32, seed: 1 });
  const optimizer = tf.train.adam(1e-3);
  const steps: StepInfo[] = [];
  const trainer = createTrainer({ backbone, head, optimizer, loss: ntXent({ temperature: 0.5 }), augment: views(), callbacks: [{ onStepEnd: (s) => void steps.push(s) }] });
  const history = await trainer.fit({ data: files, sampler: instanceSampler({ size: files.size, batchSize: BATCH, seed: 0 }), epochs: 2 });
  [backbone, head, optimizer].forEach((x) => x.dispose());
  const last = history.epochs[1]!; // the second epoch: images decoded once already, kernels warm
  const later = steps.filter((s) => s.epoch === 1 && s.step > 0);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    imagesPerSecond: last.examplesPerSecond,
    dataWaitFraction: (last.dataWaitSeconds ?? 0) / last.seconds,
    dataWaitFractionAfterFirstStep: sum(later.map((s) => s.dataWaitMs ?? 0)) / sum(later.map((s) => (s.dataWaitMs ?? 0) + (s.stepMs ?? 0))),
    meanStepMs: sum(later.map((s) => s.stepMs ?? 0)) / later.length,
    firstStepWaitMs: steps.find((s) => s.epoch === 1 && s.step === 0)?.dataWaitMs ?? Number.NaN,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
console.log(`${COUNT} JPEG files 96×96 → two ${SIZE}×${SIZE} SimCLR views each, batch ${BATCH}, ${backend}; ${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(1)}`);
console.log(`view pipeline alone: ${(await pipelineRate(false)).toFixed(0)} images/s decoding every time, ${(await pipelineRate(true)).toFixed(0)} images/s decoded once (cache)`);
for (const filters of [[32, 64, 128], [8, 16]]) {
  const r = await fitRate(filters);
  console.log(`ConvNet ${filters.join("-")}: ${r.imagesPerSecond.toFixed(1)} images/s, step ${r.meanStepMs.toFixed(0)} ms; waiting for data ${pct(r.dataWaitFraction)} of the epoch (${pct(r.dataWaitFractionAfterFirstStep)} after its first step, which waited ${r.firstStepWaitMs.toFixed(0)} ms for the queue to fill)`);
}
rmSync(folder, { recursive: true, force: true });
