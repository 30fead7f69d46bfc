import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { type Backbone, ContrastiveError, type Head, describeValue } from "@contrastive/core";
import { type EncoderWorkers, type WorkerEmbeddings, type WorkerShard, encoderVariables, markWorkerFailure } from "./data-parallel.js";
import { type VariableSpec, describeEncoder, layoutMismatch } from "./worker-encoder.js";

/** Options of {@link workerPool}. */
export interface WorkerPoolOptions {
  /** Number of workers, or `"auto"` for `os.availableParallelism()`. */
  count: number | "auto";
  /**
   * For a backbone or head that is not a tf.layers model (or uses custom layers not in
   * `@contrastive/heads`): a module (URL, file URL or path) exporting `createComponents()` that returns
   * `{ backbone, head? }` built the same way as yours; its variables are checked against yours (count,
   * shapes, trainable) and then set from yours every step.
   */
  module?: URL | string;
  /** How long either side waits for the other before the step fails (ms). Default 600 000 (10 minutes). */
  timeoutMs?: number;
  /** How long the workers may take to start (load tfjs and the backend, build the encoder), in ms. Default 120 000. */
  startTimeoutMs?: number;
}

interface Member {
  worker: Worker;
  control: Int32Array;
  gradients: SharedArrayBuffer;
  state: SharedArrayBuffer;
  upstream?: SharedArrayBuffer;
  waiting?: { kind: string; resolve(message: Record<string, unknown>): void; timer: ReturnType<typeof setTimeout> };
}

/** The worker script of the built package (`dist/gradient-worker.js`); under a TS runner, the built one beside `src`. */
function workerScript(): URL {
  for (const candidate of ["./gradient-worker.js", "../dist/gradient-worker.js"]) {
    const url = new URL(candidate, import.meta.url);
    if (existsSync(url)) return url;
  }
  throw new ContrastiveError({ component: "workerPool", argument: "gradient-worker.js", received: `missing beside ${import.meta.url}`, expected: "the built package (run the build: pnpm turbo run build --filter=@contrastive/trainer)" });
}

/**
 * Data-parallel training on `worker_threads` for `createTrainer({ …, workers: workerPool({ count: 2 }) })`:
 * each worker runs the trainer's tfjs backend (wasm or cpu: one thread each, so N workers use N cores) with
 * a copy of the backbone and head. Per step the trainer publishes its weights in a SharedArrayBuffer, each
 * worker embeds its shard of the rows (all views) once under a tape and blocks (Atomics.wait) until the
 * trainer has written ∂L/∂z of its embeddings, then writes its parameter gradients and batch-norm
 * statistics into its own SharedArrayBuffer (allocated once). See `TrainerOptions.workers` for the
 * mathematics and batch norm.
 *
 * A worker that throws, exits or does not answer within `timeoutMs` fails the step with a
 * `ContrastiveError` naming the worker, the step and the cause; the pool is then terminated and `fit`
 * stops (a `checkpointEvery` callback saves the last completed state).
 *
 * @throws {ContrastiveError} for a count that is not an integer ≥ 1 or "auto"; at the first step, for a
 *   component that is not a tf.layers model without `module`, or a module whose variables differ.
 * @example
 * import { workerPool } from "@contrastive/trainer/node";
 * const trainer = createTrainer({ backbone, head, loss, optimizer, augment, workers: workerPool({ count: 2 }) });
 * await trainer.fit({ data, sampler, epochs: 1 });
 * await trainer.dispose(); // terminates the workers
 */
export function workerPool(options: WorkerPoolOptions): EncoderWorkers {
  const count = options?.count === "auto" ? availableParallelism() : options?.count;
  if (!(Number.isInteger(count) && (count as number) >= 1)) {
    throw new ContrastiveError({ component: "workerPool", argument: "count", received: describeValue(options?.count), expected: 'an integer ≥ 1, or "auto" (os.availableParallelism())' });
  }
  const timeoutMs = options.timeoutMs ?? 600_000;
  if (!(timeoutMs > 0)) throw new ContrastiveError({ component: "workerPool", argument: "timeoutMs", received: describeValue(timeoutMs), expected: "a number of milliseconds > 0 (default 600000)" });
  const module = options.module === undefined ? undefined : options.module instanceof URL || /^[a-z]+:/i.test(options.module) ? String(options.module) : pathToFileURL(isAbsolute(options.module) ? options.module : resolve(options.module)).href;
  const members: Member[] = [];
  let started: Promise<void> | undefined;
  let weightsBuffer: Float32Array | undefined;
  let broken: Error | undefined;
  let currentStep = -1;

  function fail(k: number, cause: string): Error {
    if (broken) return broken;
    const where = currentStep < 0 ? "while starting" : `at step ${currentStep}`;
    broken = markWorkerFailure(new ContrastiveError({ component: "workerPool", argument: `worker ${k} ${where}`, received: cause, expected: "a worker that completes its step; training stopped (the trainer holds the last completed step's weights)" }));
    for (const m of members) {
      Atomics.store(m.control, 1, 1);
      Atomics.add(m.control, 0, 1);
      Atomics.notify(m.control, 0);
      if (m.waiting) clearTimeout(m.waiting.timer);
      void m.worker.terminate();
    }
    for (const m of members) m.waiting?.resolve({ type: "failed" });
    return broken;
  }

  /** Resolves with worker k's next message of `kind`; rejects when any worker fails or k times out. */
  function expect(k: number, kind: string, waitMs = timeoutMs): Promise<Record<string, unknown>> {
    const m = members[k] as Member;
    return new Promise((resolvePromise, reject) => {
      if (broken) return reject(broken);
      const timer = setTimeout(() => reject(fail(k, `no ${kind} message within ${waitMs} ms`)), waitMs);
      m.waiting = {
        kind,
        timer,
        resolve: (message) => {
          clearTimeout(timer);
          m.waiting = undefined;
          if (message.type === "failed") reject(broken);
          else resolvePromise(message);
        },
      };
    });
  }

  function spawn(k: number, sizes: { weights: number; trainable: number; state: number }): Member {
    const worker = new Worker(workerScript());
    const member: Member = { worker, control: new Int32Array(new SharedArrayBuffer(8)), gradients: new SharedArrayBuffer(sizes.trainable * 4), state: new SharedArrayBuffer(Math.max(4, sizes.state * 4)) };
    worker.on("message", (message: Record<string, unknown>) => {
      if (message.type === "cancelled") return;
      if (message.type === "error") return void fail(k, `${message.message}`);
      if (member.waiting?.kind === message.type) member.waiting?.resolve(message);
    });
    worker.on("error", (error) => fail(k, `threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`));
    worker.on("exit", (code) => {
      if (!broken && !disposed) fail(k, `exited with code ${code}`);
    });
    return member;
  }

  let disposed = false;
  const pool: EncoderWorkers = {
    name: `workerPool(${count})`,
    count: count as number,
    start(encoder: { backbone: Backbone; head?: Head | undefined }, backend: string) {
      started ??= (async () => {
        const source = describeEncoder(encoder, module);
        const { weights, trainable, state } = encoderVariables(encoder.backbone, encoder.head);
        const size = (list: { size: number }[]) => list.reduce((n, v) => n + v.size, 0);
        const shared = new SharedArrayBuffer(size(weights) * 4);
        weightsBuffer = new Float32Array(shared);
        for (let k = 0; k < (count as number); k++) members.push(spawn(k, { weights: size(weights), trainable: size(trainable), state: size(state) }));
        const isTrainable = new Set(trainable);
        const expected: VariableSpec[] = weights.map((v) => ({ name: v.name, shape: v.shape, trainable: isTrainable.has(v) }));
        const ready = members.map((m, k) => expect(k, "ready", options.startTimeoutMs ?? 120_000));
        members.forEach((m) => m.worker.postMessage({ type: "init", backend, encoder: source, control: m.control.buffer, weights: shared, gradients: m.gradients, state: m.state, timeoutMs }));
        const answers = await Promise.all(ready);
        const mismatch = layoutMismatch(expected, (answers[0] as { layout: VariableSpec[] }).layout, module);
        if (mismatch) {
          await pool.dispose();
          throw mismatch;
        }
      })();
      return started;
    },
    async forward(step: number, weights: Float32Array[], shards: WorkerShard[]): Promise<WorkerEmbeddings> {
      if (broken) throw broken;
      currentStep = step;
      let at = 0;
      for (const w of weights) {
        (weightsBuffer as Float32Array).set(w, at);
        at += w.length;
      }
      const used = members.slice(0, shards.length);
      const answers = used.map((m, k) => expect(k, "embeddings"));
      used.forEach((m, k) => {
        const shard = shards[k] as WorkerShard;
        m.worker.postMessage({ type: "step", step, images: shard.images, shape: shard.shape }, [shard.images.buffer as ArrayBuffer]);
      });
      const embedded = await Promise.all(answers);
      embedded.forEach((e, k) => ((used[k] as Member).upstream = e.upstream as SharedArrayBuffer));
      const release = (m: Member) => {
        Atomics.add(m.control, 0, 1);
        Atomics.notify(m.control, 0);
      };
      return {
        embeddings: embedded.map((e) => ({ data: e.data as Float32Array, shape: e.shape as [number, number] })),
        async backward(upstream: Float32Array[]) {
          if (broken) throw broken;
          const done = used.map((m, k) => expect(k, "done"));
          used.forEach((m, k) => {
            new Float32Array(m.upstream as SharedArrayBuffer, 0, (upstream[k] as Float32Array).length).set(upstream[k] as Float32Array);
            release(m);
          });
          await Promise.all(done);
          return { gradients: used.map((m) => new Float32Array(m.gradients)), state: used.map((m) => new Float32Array(m.state)) };
        },
        cancel() {
          if (broken) return;
          for (const m of used) {
            Atomics.store(m.control, 1, 1);
            release(m);
          }
        },
      };
    },
    async dispose() {
      disposed = true;
      for (const m of members) if (m.waiting) clearTimeout(m.waiting.timer);
      await Promise.all(members.splice(0).map((m) => m.worker.terminate()));
    },
  };
  return pool;
}
