import * as tf from "@tensorflow/tfjs-core";
import type { Backbone, Head } from "@contrastive/core";
import { type EmbeddingChunk, addGradients, lossAndEmbeddingGradients, shardsOfRows } from "./embedding-gradients.js";

/** One worker's shard of a step: its rows of every view, laid view after view, `[V·n, H, W, C]`. */
export interface WorkerShard {
  images: Float32Array;
  shape: [number, number, number, number];
}

/** What {@link EncoderWorkers.forward} resolves with: each shard's embeddings, the workers waiting for their gradient. */
export interface WorkerEmbeddings {
  /** Embeddings `[V·n, d]` of each shard, in the shard's row order. */
  embeddings: { data: Float32Array; shape: [number, number] }[];
  /**
   * Hands each worker ∂L/∂z of its embeddings (same layout) and resolves when all have back-propagated it:
   * per worker its parameter gradients (flat, the trainable variables in order) and its batch-norm
   * statistics after the pass (flat, the other variables in order). The arrays are valid until the next step.
   */
  backward(upstream: Float32Array[]): Promise<{ gradients: Float32Array[]; state: Float32Array[] }>;
  /** Releases waiting workers without a backward pass (the step failed on the main thread). */
  cancel(): void;
}

/**
 * Workers that each hold a copy of the online encoder (backbone + head), for data-parallel training:
 * the value of `TrainerOptions.workers`. The trainer's main entry only knows this contract; the Node
 * implementation, `workerPool` from `@contrastive/trainer/node`, runs them on `worker_threads` with
 * shared memory. The master copy of the weights and the optimizer stay with the trainer.
 */
export interface EncoderWorkers {
  readonly name: string;
  /** Number of workers (a batch is split into this many shards, fewer when it has fewer rows). */
  readonly count: number;
  /**
   * Starts the workers with copies of the encoder on the tfjs backend `backend` (called by the trainer
   * before its first step; later calls return the first call's promise).
   * @throws {ContrastiveError} when a worker's copy does not have the encoder's variables (count, shapes).
   */
  start(encoder: { backbone: Backbone; head?: Head | undefined }, backend: string): Promise<void>;
  /**
   * Publishes the encoder's weights (all of them, `weights` order of backbone then head) and sends worker k
   * `shards[k]`; resolves when every worker has embedded its shard under a tape.
   * @throws {ContrastiveError} naming the worker and the step when one fails, exits or times out.
   */
  forward(step: number, weights: Float32Array[], shards: WorkerShard[]): Promise<WorkerEmbeddings>;
  /** Terminates the workers. */
  dispose(): Promise<void>;
}

const failureMark = Symbol.for("@contrastive/trainer.workerFailure");

/** Marks `error` as a worker's failure (a worker threw, exited or timed out): the trainer's state is then the last completed step's. */
export function markWorkerFailure<T extends object>(error: T): T {
  Object.defineProperty(error, failureMark, { value: true });
  return error;
}

/**
 * Whether `error` is a worker's failure (thrown by a step with `workers`): the trainer then holds the last
 * completed step's weights, which are safe to checkpoint.
 * @example
 * try { await trainer.fit(options); } catch (error) { if (isWorkerFailure(error)) await saveCheckpoint(dir, parts, { epoch }); throw error; }
 */
export function isWorkerFailure(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[failureMark] === true;
}

/** A step that waits on something other than a tensor read (the workers). */
export interface StepWait {
  wait: Promise<unknown>;
}

/** The encoder's variables as the workers lay them out: all weights, the trainable ones, the rest (batch-norm statistics). */
export function encoderVariables(backbone: Backbone, head: Head | undefined) {
  const weights = [...backbone.weights, ...(head?.weights ?? [])];
  const trainable = [...backbone.trainableWeights, ...(head?.trainableWeights ?? [])];
  const isTrainable = new Set(trainable);
  return { weights, trainable, state: weights.filter((v) => !isTrainable.has(v)) };
}

/**
 * The data-parallel gradient source of a step (Goyal et al. 2017's synchronous SGD, with the loss taken
 * once over the whole batch as a contrastive loss needs): worker k embeds rows `[a_k, b_k)` of every view
 * once under a tape; the trainer assembles the batch's embeddings, takes the loss and ∂L/∂z
 * (`lossAndEmbeddingGradients`, shared with the gradient cache), hands each worker its slice, and sums the
 * parameter gradients they back-propagate. Batch norm normalises each shard with its own statistics (as
 * PyTorch DDP without SyncBatchNorm); the running statistics are set to the workers' mean.
 * A generator that yields {@link StepWait}s for the trainer's asynchronous step to await.
 */
export function* parallelGradients(
  workers: EncoderWorkers,
  encoder: { backbone: Backbone; head?: Head | undefined },
  online: tf.Tensor4D[],
  lossOf: (perView: tf.Tensor2D[]) => tf.Scalar,
  step: number,
): Generator<StepWait, { value: tf.Scalar; grads: tf.NamedTensorMap }, unknown> {
  const { weights, trainable, state } = encoderVariables(encoder.backbone, encoder.head);
  const [rows, height, width, channels] = (online[0] as tf.Tensor4D).shape;
  const chunks = shardsOfRows(online.length, rows, workers.count);
  yield { wait: workers.start(encoder, tf.getBackend()) };
  const read = (yield { wait: Promise.all([...weights, ...online].map((t) => t.data<"float32">())) }) as Float32Array[];
  const images = read.slice(weights.length);
  const example = height * width * channels;
  const shards = chunks.map((chunk) => shardOf(chunk, images, example, [height, width, channels]));
  const embedded = (yield { wait: workers.forward(step, read.slice(0, weights.length), shards) }) as WorkerEmbeddings;
  let backwardDone = false;
  try {
    const pieces = embedded.embeddings.map(({ data, shape }) => tf.tensor2d(data, shape));
    let result: ReturnType<typeof lossAndEmbeddingGradients>;
    try {
      result = lossAndEmbeddingGradients(pieces, chunks, online.length, lossOf);
    } finally {
      tf.dispose(pieces);
    }
    const { value, perView, upstream } = result;
    tf.dispose(perView);
    try {
      const slices = (yield { wait: Promise.all(upstream.map((u) => u.data<"float32">())) }) as Float32Array[];
      const back = (yield { wait: embedded.backward(slices) }) as { gradients: Float32Array[]; state: Float32Array[] };
      backwardDone = true;
      let grads: tf.NamedTensorMap | undefined;
      for (const flat of back.gradients) grads = addGradients(grads, unflatten(flat, trainable));
      if (state.length > 0) setMeanState(state, back.state);
      return { value, grads: grads ?? {} };
    } catch (error) {
      value.dispose();
      throw error;
    } finally {
      tf.dispose(upstream);
    }
  } finally {
    if (!backwardDone) embedded.cancel();
  }
}

/** The rows of `chunk` from the views' data, laid out as one image batch. */
function shardOf(chunk: EmbeddingChunk, images: Float32Array[], example: number, shape: [number, number, number]): WorkerShard {
  const rows = chunk.reduce((n, s) => n + s.size, 0);
  const out = new Float32Array(rows * example);
  let at = 0;
  for (const { view, start, size } of chunk) {
    out.set((images[view] as Float32Array).subarray(start * example, (start + size) * example), at);
    at += size * example;
  }
  return { images: out, shape: [rows, ...shape] };
}

/** A flat array cut into tensors shaped like `variables`, keyed by their names. */
function unflatten(flat: Float32Array, variables: tf.Variable[]): tf.NamedTensorMap {
  const map: tf.NamedTensorMap = {};
  let at = 0;
  for (const v of variables) {
    map[v.name] = tf.tensor(flat.slice(at, at + v.size), v.shape, "float32");
    at += v.size;
  }
  return map;
}

/** Sets each state variable (batch-norm running statistics) to the mean of the workers' values. */
function setMeanState(state: tf.Variable[], perWorker: Float32Array[]): void {
  let at = 0;
  for (const v of state) {
    const mean = new Float32Array(v.size);
    for (const flat of perWorker) for (let i = 0; i < v.size; i++) mean[i]! += (flat[at + i] as number) / perWorker.length;
    tf.tidy(() => v.assign(tf.tensor(mean, v.shape, "float32")));
    at += v.size;
  }
}
