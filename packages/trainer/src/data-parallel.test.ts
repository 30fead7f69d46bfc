import * as tf from "@tensorflow/tfjs-core";
import { convNet } from "@contrastive/backbones";
import type { Backbone, Head } from "@contrastive/core";
import { TEST_BACKENDS, useBackend } from "@contrastive/core/testing";
import { projectionHead } from "@contrastive/heads";
import { ntXent } from "@contrastive/losses";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EncoderWorkers, type StepWait, encoderVariables, parallelGradients } from "./data-parallel.js";
import { chunksOfRows, gatherChunk, shardsOfRows } from "./embedding-gradients.js";
import { workerPool } from "./worker-pool.js";

/** Runs a generator of waits to its end, as the trainer's asynchronous step does. */
async function drive<T>(steps: Generator<StepWait, T, unknown>): Promise<T> {
  let stage = steps.next();
  while (!stage.done) {
    let value: unknown;
    try {
      value = await stage.value.wait;
    } catch (error) {
      stage = steps.throw(error);
      continue;
    }
    stage = steps.next(value);
  }
  return stage.value;
}

function setup(batchNorm: boolean) {
  const backbone = convNet({ inputShape: [8, 8, 1], filters: [4, 8], batchNorm, seed: 3 });
  const head = projectionHead({ inputDim: backbone.outputDim, hiddenDims: [16], outputDim: 8, batchNorm, seed: 4 });
  const views = [0, 1].map((k) => tf.randomUniform([7, 8, 8, 1], 0, 1, "float32", 10 + k) as tf.Tensor4D);
  const loss = ntXent({ temperature: 0.5 });
  const lossOf = (z: tf.Tensor2D[]) => loss.compute({ views: z });
  const embed = (images: tf.Tensor4D) => head.apply(backbone.apply(images, { training: true }), { training: true });
  return { backbone, head, views, lossOf, embed, ...encoderVariables(backbone, head), dispose: () => (backbone.dispose(), head.dispose(), tf.dispose(views)) };
}

/** The reference: one taped pass in which each shard is embedded on its own (for BN, its own statistics), then the loss over the batch. */
function shardwiseGradients(s: ReturnType<typeof setup>, shards: number) {
  const chunks = shardsOfRows(s.views.length, 7, shards);
  return tf.variableGrads(() => {
    const pieces = chunks.map((chunk) => s.embed(gatherChunk(s.views, chunk)));
    const perView = s.views.map((_, v) => tf.concat(chunks.map((chunk, k) => tf.slice(pieces[k]!, chunk.findIndex((seg) => seg.view === v) * chunk[0]!.size, chunk[0]!.size)), 0) as tf.Tensor2D);
    return s.lossOf(perView);
  }, s.trainable);
}

async function largestGap(a: tf.NamedTensorMap, b: tf.NamedTensorMap, variables: tf.Variable[]): Promise<number> {
  let gap = 0;
  for (const v of variables) {
    const [x, y] = [await a[v.name]!.data(), await b[v.name]!.data()];
    const scale = Math.max(1e-3, ...Array.from(y, Math.abs));
    for (let i = 0; i < x.length; i++) gap = Math.max(gap, Math.abs(x[i]! - y[i]!) / scale);
  }
  return gap;
}

describe("row layouts", () => {
  it("chunksOfRows cuts V·N rows view after view; shardsOfRows gives shard k the same rows of every view", () => {
    expect(chunksOfRows(2, 5, 3)).toEqual([[{ view: 0, start: 0, size: 3 }], [{ view: 0, start: 3, size: 2 }, { view: 1, start: 0, size: 1 }], [{ view: 1, start: 1, size: 3 }], [{ view: 1, start: 4, size: 1 }]]);
    expect(shardsOfRows(2, 7, 3)).toEqual([0, 3, 5].map((start, k) => [0, 1].map((view) => ({ view, start, size: k === 0 ? 3 : 2 }))));
    expect(shardsOfRows(1, 2, 4)).toEqual([[{ view: 0, start: 0, size: 1 }], [{ view: 0, start: 1, size: 1 }]]);
  });
});

describe.each(TEST_BACKENDS)("parallelGradients with 2 real workers on %s", (backend) => {
  let workers: EncoderWorkers | undefined;
  beforeAll(() => useBackend(backend));
  afterAll(() => workers?.dispose());

  it("without batch norm: the loss and parameter gradients equal the single-process step's within 1e-5", async () => {
    const s = setup(false);
    workers = workerPool({ count: 2 });
    const before = tf.memory().numTensors;
    const full = tf.variableGrads(() => s.lossOf(tf.split(s.embed(tf.concat(s.views, 0)), 2, 0) as tf.Tensor2D[]), s.trainable);
    const parallel = await drive(parallelGradients(workers, s, s.views, s.lossOf, 0));
    expect(Math.abs((await parallel.value.data())[0]! - (await full.value.data())[0]!)).toBeLessThan(1e-5);
    expect(Object.keys(parallel.grads).sort()).toEqual(s.trainable.map((v) => v.name).sort());
    const gap = await largestGap(parallel.grads, full.grads, s.trainable);
    expect(gap).toBeLessThan(1e-5);
    tf.dispose([full.value, parallel.value, ...Object.values(full.grads), ...Object.values(parallel.grads)]);
    expect(tf.memory().numTensors).toBe(before);
    await workers.dispose();
    s.dispose();
  });

  it("with batch norm: gradients equal the shard-wise step's; running statistics become the mean of the shards' updates", async () => {
    const s = setup(true);
    workers = workerPool({ count: 3 });
    const chunks = shardsOfRows(2, 7, 3);
    const start = s.state.map((v) => tf.clone(v));
    // reference statistics: each shard's update from the same start, averaged
    const perShard = chunks.map((chunk) => {
      tf.tidy(() => void s.embed(gatherChunk(s.views, chunk)));
      const values = s.state.map((v) => v.dataSync().slice());
      s.state.forEach((v, i) => v.assign(start[i]!));
      return values;
    });
    const reference = shardwiseGradients(s, 3);
    s.state.forEach((v, i) => v.assign(start[i]!));
    const parallel = await drive(parallelGradients(workers, s, s.views, s.lossOf, 0));
    expect(await largestGap(parallel.grads, reference.grads, s.trainable)).toBeLessThan(1e-5);
    s.state.forEach((v, i) => {
      const got = v.dataSync();
      for (let j = 0; j < got.length; j++) expect(got[j]!).toBeCloseTo(perShard.reduce((sum, values) => sum + values[i]![j]!, 0) / 3, 5);
    });
    // and they differ from the single-process gradients (batch statistics per shard, not per batch)
    const full = tf.variableGrads(() => s.lossOf(tf.split(s.embed(tf.concat(s.views, 0)), 2, 0) as tf.Tensor2D[]), s.trainable);
    expect(await largestGap(parallel.grads, full.grads, s.trainable)).toBeGreaterThan(1e-3);
    tf.dispose([start, reference.value, parallel.value, full.value, ...Object.values(reference.grads), ...Object.values(parallel.grads), ...Object.values(full.grads)]);
    await workers.dispose();
    s.dispose();
  });
});

describe("parallelGradients with more workers than rows", () => {
  beforeAll(() => useBackend("wasm"));

  it("uses as many workers as there are rows (2 of 3), with the full batch's gradients", async () => {
    const s = setup(false);
    const views = s.views.map((v) => tf.slice(v, 0, 2) as tf.Tensor4D);
    const workers = workerPool({ count: 3 });
    const full = tf.variableGrads(() => s.lossOf(tf.split(s.embed(tf.concat(views, 0)), 2, 0) as tf.Tensor2D[]), s.trainable);
    const parallel = await drive(parallelGradients(workers, s, views, s.lossOf, 0));
    expect(await largestGap(parallel.grads, full.grads, s.trainable)).toBeLessThan(1e-5);
    tf.dispose([views, full.value, parallel.value, ...Object.values(full.grads), ...Object.values(parallel.grads)]);
    await workers.dispose();
    s.dispose();
  });
});

describe("parallelGradients refuses", () => {
  beforeAll(() => useBackend("cpu"));

  it("a component that is not a tf.layers model when no module is given", async () => {
    const s = setup(false);
    const workers = workerPool({ count: 1 });
    const plain: Backbone = { name: "myEncoder", inputShape: [8, 8, 1], outputDim: 8, weights: s.backbone.weights, trainableWeights: s.backbone.trainableWeights, apply: (x, o) => s.backbone.apply(x, o), dispose: () => undefined };
    await expect(drive(parallelGradients(workers, { backbone: plain, head: s.head as Head }, s.views, s.lossOf, 0))).rejects.toThrow(
      "workerPool: module must be workerPool({ count, module: new URL('./encoder.js', import.meta.url) }) with a module exporting createComponents() that returns { backbone, head } built the same way; got undefined, with backbone 'myEncoder', which is not backed by a tf.layers model (no model.toJSON)",
    );
    await workers.dispose();
    s.dispose();
  });
});
