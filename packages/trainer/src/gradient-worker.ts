/*
 * The worker_threads side of `workerPool` (internal; a tsup entry, started by the pool from the built
 * package). It holds a copy of the encoder, and per step: reads the published weights, embeds its shard
 * under a tape, posts the embeddings, waits (Atomics.wait) for ∂L/∂z in shared memory, back-propagates
 * ⟨z, ∂L/∂z⟩ and writes its parameter gradients and batch-norm statistics into shared memory.
 */
import { parentPort } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs-core";
import { type Backbone, type Head, selectBackend, type BackendPreference } from "@contrastive/core";
import { type EncoderSource, type VariableSpec, rebuildEncoder } from "./worker-encoder.js";

interface Init {
  type: "init";
  backend: string;
  encoder: EncoderSource;
  control: SharedArrayBuffer;
  weights: SharedArrayBuffer;
  gradients: SharedArrayBuffer;
  state: SharedArrayBuffer;
  timeoutMs: number;
}
interface Step {
  type: "step";
  step: number;
  images: Float32Array;
  shape: [number, number, number, number];
}

const port = parentPort;
if (!port) throw new Error("gradient-worker: start it with new Worker(), as workerPool does");

let encoder: { backbone: Backbone; head?: Head | undefined } | undefined;
let init: Init | undefined;
let upstream: SharedArrayBuffer | undefined;

const variablesOf = (e: { backbone: Backbone; head?: Head | undefined }) => {
  const weights = [...e.backbone.weights, ...(e.head?.weights ?? [])];
  const trainable = [...e.backbone.trainableWeights, ...(e.head?.trainableWeights ?? [])];
  const isTrainable = new Set(trainable);
  return { weights, trainable, state: weights.filter((v) => !isTrainable.has(v)) };
};

async function start(message: Init): Promise<void> {
  tf.enableProdMode();
  await selectBackend(message.backend as BackendPreference);
  encoder = await rebuildEncoder(message.encoder);
  init = message;
  const { weights, trainable } = variablesOf(encoder);
  const isTrainable = new Set(trainable);
  const layout: VariableSpec[] = weights.map((v) => ({ name: v.name, shape: v.shape, trainable: isTrainable.has(v) }));
  port!.postMessage({ type: "ready", layout, backend: tf.getBackend() });
}

function step(message: Step): void {
  const e = encoder as { backbone: Backbone; head?: Head | undefined };
  const { control, timeoutMs } = init as Init;
  const flags = new Int32Array(control);
  const { weights, trainable, state } = variablesOf(e);
  const published = new Float32Array((init as Init).weights);
  let at = 0;
  for (const v of weights) {
    tf.tidy(() => v.assign(tf.tensor(published.subarray(at, at + v.size), v.shape, "float32")));
    at += v.size;
  }
  let outcome = "done" as "done" | "cancelled" | "timed-out";
  const { value, grads } = tf.variableGrads(() => {
    const images = tf.tensor4d(message.images, message.shape);
    const features = e.backbone.apply(images, { training: true });
    const z = e.head ? e.head.apply(features, { training: true }) : features;
    const size = z.size * 4;
    if (!upstream || upstream.byteLength < size) upstream = new SharedArrayBuffer(size);
    const generation = Atomics.load(flags, 0);
    port!.postMessage({ type: "embeddings", step: message.step, data: z.dataSync(), shape: z.shape, upstream });
    const woke = Atomics.wait(flags, 0, generation, timeoutMs);
    if (woke === "timed-out") outcome = "timed-out";
    else if (Atomics.exchange(flags, 1, 0) === 1) outcome = "cancelled";
    // on a cancel or a timeout the pass still completes (tfjs frees its tape), with a zero gradient
    const dz = outcome === "done" ? tf.tensor2d(new Float32Array(upstream, 0, z.size).slice(), z.shape as [number, number]) : tf.zerosLike(z);
    return tf.sum(tf.mul(z, dz)) as tf.Scalar;
  }, trainable);
  try {
    if (outcome === "timed-out") throw new Error(`no gradient of the embeddings from the main thread within ${timeoutMs} ms (step ${message.step})`);
    if (outcome === "cancelled") return void port!.postMessage({ type: "cancelled", step: message.step });
    const out = new Float32Array((init as Init).gradients);
    at = 0;
    for (const v of trainable) {
      out.set((grads[v.name] as tf.Tensor).dataSync(), at);
      at += v.size;
    }
    const statistics = new Float32Array((init as Init).state);
    at = 0;
    for (const v of state) {
      statistics.set(v.dataSync(), at);
      at += v.size;
    }
    port!.postMessage({ type: "done", step: message.step });
  } finally {
    tf.dispose([value, ...Object.values(grads)]);
  }
}

port.on("message", (message: Init | Step) => {
  const run = async () => (message.type === "init" ? start(message) : step(message));
  run().catch((error: unknown) => {
    port!.postMessage({ type: "error", message: error instanceof Error ? `${error.name}: ${error.message}` : String(error), stack: error instanceof Error ? error.stack : undefined });
  });
});
