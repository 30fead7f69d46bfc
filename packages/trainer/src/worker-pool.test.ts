import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { convNet, layersBackbone } from "@contrastive/backbones";
import { type Augmentation, ContrastiveError, type DataSource, type Loss, NonFiniteError, type Rng } from "@contrastive/core";
import { TEST_BACKENDS, useBackend } from "@contrastive/core/testing";
import { projectionHead } from "@contrastive/heads";
import { infoNce, ntXent } from "@contrastive/losses";
import { instanceSampler, queue } from "@contrastive/samplers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkpointEvery, loadCheckpoint } from "./checkpoint.js";
import type { EncoderWorkers } from "./data-parallel.js";
import { momentumEncoder } from "./momentum-encoder.js";
import { type TrainerOptions, createTrainer } from "./trainer.js";
import { workerPool } from "./worker-pool.js";

const noisyViews: Augmentation<tf.Tensor4D, tf.Tensor4D[]> = {
  name: "noisyViews",
  apply: (images, rng: Rng) => [0, 1].map((v) => tf.tidy(() => tf.add(images, tf.randomNormal(images.shape, 0, 0.05, "float32", rng.fork(v).uint32())))) as tf.Tensor4D[],
};

function toyData(n: number): DataSource & { images: tf.Tensor4D } {
  const images = tf.randomUniform([n, 8, 8, 1], 0, 1, "float32", 5) as tf.Tensor4D;
  return { name: "toy", images, size: n, exampleShape: [8, 8, 1], read: (indices) => tf.tidy(() => tf.gather(images, tf.tensor1d(Array.from(indices), "int32"))) };
}

/** The encoder of fixtures/worker-encoder.mjs: ConvNet [4, 8] without batch norm, projection head 8 → 8 → 4. */
const encoder = (batchNorm = false) => ({
  backbone: convNet({ inputShape: [8, 8, 1], filters: [4, 8], batchNorm, seed: 0 }),
  head: projectionHead({ inputDim: 8, hiddenDims: [8], outputDim: 4, batchNorm, seed: 1 }),
});

/** Losses of each step of one epoch of fit (batch 8 of 24 images: 3 steps). */
async function fitLosses(extra: Partial<TrainerOptions> = {}, batchNorm = false) {
  const { backbone, head } = encoder(batchNorm);
  const losses: number[] = [];
  const trainer = createTrainer({ backbone, head, loss, optimizer: tf.train.sgd(0.5), augment: noisyViews, seed: 2, callbacks: [{ onStepEnd: ({ loss }) => void losses.push(loss) }], ...extra });
  const data = toyData(24);
  const before = tf.memory().numTensors;
  await trainer.fit({ data, sampler: instanceSampler({ size: 24, batchSize: 8, seed: 3 }), epochs: 1 });
  const leaked = tf.memory().numTensors - before;
  data.images.dispose();
  await trainer.dispose();
  backbone.dispose();
  head.dispose();
  return { losses, leaked };
}

const loss = ntXent({ temperature: 0.5 });
/** The loss keeps a constant per shape on its first call: make it before counting tensors. */
const warmLoss = () => tf.dispose(loss.compute({ views: [tf.ones([8, 4]), tf.ones([8, 4])] as tf.Tensor2D[] }));

const fixture = (query: string) => new URL(`./fixtures/worker-encoder.mjs?${query}`, import.meta.url);
const threads = () => (existsSync("/proc/self/task") ? readdirSync("/proc/self/task").length : undefined);

describe.each(TEST_BACKENDS)("createTrainer with a workerPool on %s", (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
    tf.tidy(warmLoss);
  });

  it("without batch norm, the losses of 3 steps equal the one-thread run's within 1e-5; repeatable; no tensor left on the main thread", async () => {
    const single = await fitLosses();
    const parallel = await fitLosses({ workers: workerPool({ count: 2 }) });
    const again = await fitLosses({ workers: workerPool({ count: 2 }) });
    expect(single.losses).toHaveLength(3);
    expect(single.losses[2]).not.toBe(single.losses[0]); // the weights moved between steps
    parallel.losses.forEach((loss, i) => expect(Math.abs(loss - single.losses[i]!)).toBeLessThan(1e-5));
    expect(again.losses).toEqual(parallel.losses);
    expect([single.leaked, parallel.leaked]).toEqual([0, 0]);
  });

  it("with batch norm, training runs and is repeatable (each worker normalises its own shard)", async () => {
    const first = await fitLosses({ workers: workerPool({ count: 3 }) }, true);
    const second = await fitLosses({ workers: workerPool({ count: 3 }) }, true);
    expect(first.losses.every(Number.isFinite)).toBe(true);
    expect(second.losses).toEqual(first.losses);
  });
});

describe("createTrainer with a workerPool and a MoCo queue", () => {
  beforeAll(() => useBackend("wasm"));

  it("keys from the momentum encoder and queue negatives stay on the main thread: the losses equal the one-thread run's within 1e-5", async () => {
    const run = async (workers?: EncoderWorkers) => {
      const online = encoder();
      const target = { backbone: convNet({ inputShape: [8, 8, 1], filters: [4, 8], batchNorm: false, seed: 9 }), head: projectionHead({ inputDim: 8, hiddenDims: [8], outputDim: 4, batchNorm: false, seed: 9 }) };
      const keys = queue({ size: 16, dim: 4, seed: 1 });
      const losses: number[] = [];
      const trainer = createTrainer({ ...online, loss: infoNce({ temperature: 0.2 }), optimizer: tf.train.sgd(0.5), augment: noisyViews, seed: 4, negatives: keys, momentumEncoder: momentumEncoder({ online, target, momentum: 0.9 }), callbacks: [{ onStepEnd: ({ loss: value }) => void losses.push(value) }], ...(workers ? { workers } : {}) });
      const data = toyData(24);
      const before = tf.memory().numTensors;
      await trainer.fit({ data, sampler: instanceSampler({ size: 24, batchSize: 8, seed: 3 }), epochs: 2 });
      const leaked = tf.memory().numTensors - before;
      await trainer.dispose();
      [online.backbone, online.head, target.backbone, target.head, keys, data.images].forEach((x) => x.dispose());
      return { losses, leaked };
    };
    const single = await run();
    const parallel = await run(workerPool({ count: 2 }));
    expect(single.losses).toHaveLength(6);
    parallel.losses.forEach((value, i) => expect(Math.abs(value - single.losses[i]!)).toBeLessThan(1e-5));
    expect([single.leaked, parallel.leaked]).toEqual([0, 0]);
  });
});

describe("workerPool failures", () => {
  let root: string;
  beforeAll(async () => {
    await useBackend("wasm");
    tf.tidy(warmLoss);
    root = await mkdtemp(join(tmpdir(), "worker-pool-"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it.each(["throw", "exit"])("a worker whose encoder fails (%s) at step 1: ContrastiveError naming it and the step, fit stops, the checkpoint is saved", async (how) => {
    const { backbone, head } = encoder();
    const optimizer = tf.train.sgd(0.5);
    const directory = join(root, how);
    const workers = workerPool({ count: 2, module: fixture(`failAt=2&how=${how}`) });
    const steps: number[] = [];
    const trainer = createTrainer({ backbone, head, loss, optimizer, augment: noisyViews, workers, callbacks: [checkpointEvery({ directory, parts: { backbone, head, optimizer }, every: 100 }), { onStepEnd: ({ step }) => void steps.push(step) }] });
    const data = toyData(24);
    const before = tf.memory().numTensors;
    const failure = await trainer.fit({ data, sampler: instanceSampler({ size: 24, batchSize: 8, seed: 3 }), epochs: 2 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ContrastiveError);
    const cause = how === "exit" ? "exited with code 3" : "Error: encoder failed on purpose at forward pass 2";
    expect((failure as Error).message).toMatch(new RegExp(`^workerPool: worker [01] at step 1 must be a worker that completes its step; training stopped \\(the trainer holds the last completed step's weights\\); got ${cause}`));
    expect(steps).toEqual([0]);
    expect(tf.memory().numTensors).toBe(before);
    data.images.dispose();
    // the checkpoint holds the weights after step 0, the last completed step
    const restored = encoder();
    expect((await loadCheckpoint(directory, { ...restored, optimizer: tf.train.sgd(0.5) })).epoch).toBe(0);
    const values = (list: tf.Variable[]) => list.map((v) => Array.from(v.dataSync()));
    expect(values(restored.backbone.weights)).toEqual(values(backbone.weights));
    expect(values(restored.backbone.weights)).not.toEqual(values(encoder().backbone.weights)); // step 0 was trained
    restored.backbone.dispose();
    restored.head.dispose();
    await trainer.dispose();
    backbone.dispose();
    head.dispose();
  });

  it("a worker that hangs: the step fails after timeoutMs instead of waiting for ever", async () => {
    const { backbone, head } = encoder();
    const trainer = createTrainer({ backbone, head, loss, optimizer: tf.train.sgd(0.5), augment: noisyViews, workers: workerPool({ count: 2, module: fixture("failAt=1&how=hang"), timeoutMs: 1500 }) });
    const images = tf.randomUniform([6, 8, 8, 1], 0, 1, "float32", 1) as tf.Tensor4D;
    await expect(trainer.stepAsync(images)).rejects.toThrow(/^workerPool: worker [01] at step 0 must be .*; got no embeddings message within 1500 ms$/);
    await trainer.dispose();
    tf.dispose([images]);
    backbone.dispose();
    head.dispose();
  });

  it.each(["throws", "is NaN"])("a loss that %s with workers: the step fails before the update, the workers are released and the next step trains", async (how) => {
    const { backbone, head } = encoder();
    let calls = 0;
    const flaky: Loss = {
      name: "flaky",
      compute: (batch) => {
        if (++calls > 1) return loss.compute(batch);
        if (how === "throws") throw new Error("flaky loss");
        return tf.tidy(() => tf.mul(loss.compute(batch), Number.NaN)) as tf.Scalar;
      },
    };
    const trainer = createTrainer({ backbone, head, loss: flaky, optimizer: tf.train.sgd(0.5), augment: noisyViews, workers: workerPool({ count: 2 }) });
    const images = tf.randomUniform([6, 8, 8, 1], 0, 1, "float32", 1) as tf.Tensor4D;
    const weights = backbone.weights.map((v) => Array.from(v.dataSync()));
    const before = tf.memory().numTensors;
    // throwing: released before their backward pass (cancel); NaN: after it, by the gradient check
    await expect(trainer.stepAsync(images)).rejects.toThrow(how === "throws" ? "flaky loss" : NonFiniteError);
    expect(tf.memory().numTensors).toBe(before);
    expect(backbone.weights.map((v) => Array.from(v.dataSync()))).toEqual(weights);
    expect(Number.isFinite(await trainer.stepAsync(images))).toBe(true);
    expect(backbone.weights.map((v) => Array.from(v.dataSync()))).not.toEqual(weights);
    await trainer.dispose();
    tf.dispose([images]);
    backbone.dispose();
    head.dispose();
  });

  it("a main thread that does not answer within timeoutMs: the worker gives up and the step fails naming it", async () => {
    const { backbone, head } = encoder();
    const slow: Loss = { name: "slow", compute: (batch) => {
      const until = performance.now() + 2500;
      while (performance.now() < until); // blocks the main thread past the workers' timeout
      return loss.compute(batch);
    } };
    const trainer = createTrainer({ backbone, head, loss: slow, optimizer: tf.train.sgd(0.5), augment: noisyViews, checkLeaks: false, workers: workerPool({ count: 2, timeoutMs: 1000 }) });
    const images = tf.randomUniform([6, 8, 8, 1], 0, 1, "float32", 1) as tf.Tensor4D;
    await expect(trainer.stepAsync(images)).rejects.toThrow(/^workerPool: worker [01] at step 0 must be .*; got Error: no gradient of the embeddings from the main thread within 1000 ms \(step 0\)$/);
    await trainer.dispose();
    tf.dispose([images]);
    backbone.dispose();
    head.dispose();
  });

  it("a tf.layers encoder with a custom layer the worker cannot rebuild: the error names the layer and the fix (a module)", async () => {
    class WorkerTestScale extends tfl.layers.Layer {
      static className = "WorkerTestScale";
      override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
        return tf.tidy(() => tf.mul(Array.isArray(inputs) ? inputs[0]! : inputs, 2));
      }
    }
    tf.serialization.registerClass(WorkerTestScale); // on the main thread only
    const model = tfl.sequential({ layers: [tfl.layers.flatten({ inputShape: [8, 8, 1] }), new WorkerTestScale({}), tfl.layers.dense({ units: 4 })] });
    const backbone = layersBackbone(model, { name: "scaled", inputShape: [8, 8, 1], outputDim: 4 });
    const trainer = createTrainer({ backbone, loss, optimizer: tf.train.sgd(0.5), augment: noisyViews, workers: workerPool({ count: 1 }) });
    const images = tf.randomUniform([6, 8, 8, 1], 0, 1, "float32", 1) as tf.Tensor4D;
    await expect(trainer.stepAsync(images)).rejects.toThrow(/^workerPool: worker 0 while starting must be .*; got ContrastiveError: workerPool: module \(for 'scaled'\) must be a module exporting createComponents\(\) that builds it .*; got undefined, and its tf.layers model could not be rebuilt in a worker: Unknown layer: WorkerTestScale/);
    await trainer.dispose();
    tf.dispose([images]);
    backbone.dispose();
  });

  it("a module whose encoder differs from the trainer's is refused, naming the first differing variable", async () => {
    const { backbone, head } = encoder();
    const trainer = createTrainer({ backbone, head, loss, optimizer: tf.train.sgd(0.5), augment: noisyViews, workers: workerPool({ count: 1, module: fixture("filters=4,16") }) });
    const images = tf.randomUniform([6, 8, 8, 1], 0, 1, "float32", 1) as tf.Tensor4D;
    await expect(trainer.stepAsync(images)).rejects.toThrow(/^workerPool: module file:.*worker-encoder\.mjs\?filters=4,16 must be the trainer's 8 variables in order \(backbone then head\), variable 2 being .*\/kernel \[3, 3, 4, 8\]; got a worker copy with 8 variables, variable 2 being .*\/kernel \[3, 3, 4, 16\]$/);
    await trainer.dispose();
    tf.dispose([images]);
    backbone.dispose();
    head.dispose();
  });

  it("dispose terminates the workers (their threads end)", async () => {
    const { backbone, head } = encoder();
    const start = threads();
    const trainer = createTrainer({ backbone, head, loss, optimizer: tf.train.sgd(0.5), augment: noisyViews, workers: workerPool({ count: 2 }) });
    const images = tf.randomUniform([6, 8, 8, 1], 0, 1, "float32", 1) as tf.Tensor4D;
    expect(Number.isFinite(await trainer.stepAsync(images))).toBe(true);
    const running = threads();
    await trainer.dispose();
    if (start !== undefined) {
      expect(running! - start).toBeGreaterThanOrEqual(2);
      expect(threads()).toBeLessThanOrEqual(start);
    }
    tf.dispose([images]);
    backbone.dispose();
    head.dispose();
  });

  it("refuses the synchronous step, and workers with a gradient cache or a predictor, naming the fix", () => {
    const { backbone, head } = encoder();
    const base = { backbone, head, loss, optimizer: tf.train.sgd(0.5), augment: noisyViews };
    const workers = workerPool({ count: 2 });
    const images = tf.zeros([4, 8, 8, 1]) as tf.Tensor4D;
    expect(() => createTrainer({ ...base, workers }).step(images)).toThrow("trainer.step: workers must be stepAsync(images) or fit(…): a step with workers waits for them asynchronously; got workerPool(2) with the synchronous step()");
    expect(() => createTrainer({ ...base, workers, gradientCache: { chunkSize: 4 } })).toThrow("createTrainer: workers must be workers without gradientCache");
    expect(() => createTrainer({ ...base, workers, predictor: head })).toThrow("createTrainer: workers must be workers without predictor (workers hold copies of the backbone and head only): drop workers for a predictor branch (BYOL, SimSiam); got given with predictor");
    expect(() => workerPool({ count: 0 })).toThrow('workerPool: count must be an integer ≥ 1, or "auto" (os.availableParallelism()); got 0');
    tf.dispose(images);
    backbone.dispose();
    head.dispose();
  });
});
