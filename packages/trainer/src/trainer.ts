import * as tf from "@tensorflow/tfjs-core";
import {
  type Augmentation,
  type Backbone,
  type Callback,
  ContrastiveError,
  type DataSource,
  type EpochInfo,
  type Head,
  type ImageViewsAugmentation,
  type Loss,
  type NegativeBank,
  NonFiniteError,
  type Rng,
  type Sampler,
  createRng,
  describeValue,
  ensureGradients,
} from "@contrastive/core";
import { type PlannedBatch, type PreparedBatch, batchQueue, batchViews, takesImages, yieldToEventLoop } from "./batch-views.js";
import { type EncoderWorkers, isWorkerFailure } from "./data-parallel.js";
import type { MomentumEncoder } from "./momentum-encoder.js";
import type { TargetBranch } from "./target-branch.js";
import { type StepComponents, runStep, runStepAsync, trainableVariables } from "./training-step.js";

/** Options of {@link createTrainer}: the components of the pipeline, as values. */
export interface TrainerOptions {
  /** The encoder e. */
  backbone: Backbone;
  /** The projection head h; omit to feed the backbone's output to the loss. */
  head?: Head;
  /** The loss over the V views' embeddings. */
  loss: Loss;
  /** Any tfjs optimizer, e.g. `tf.train.adam(1e-3)`. */
  optimizer: tf.Optimizer;
  /**
   * Makes the V views of a batch. A tensor augmentation, e.g. `multiView(2, simclrMnistAugment())`, for
   * in-memory data (views made on the training thread, in the step); or an image augmentation,
   * `image.imageBatch(image.multiView(2, image.simclrAugment({ size: [64, 64] })))`, for an image source
   * such as `imageFolder(root)` (decoded and augmented by libvips on the thread pool, prefetched).
   */
  augment: Augmentation<tf.Tensor4D, tf.Tensor4D[]> | ImageViewsAugmentation;
  /** Seed of the augmentation randomness (the sampler and the weights have their own). Default 0. */
  seed?: number;
  /** Hooks called during `fit`. */
  callbacks?: Callback[];
  /**
   * Extra negatives outside the batch (a memory bank or a MoCo queue): passed to the loss as
   * `batch.negatives`; a bank's `positives()` (the stored entries of the batch's instances) are appended
   * as a last view. Updated after the step with the momentum keys, or else the first view's embeddings.
   */
  negatives?: NegativeBank;
  /** A momentum (EMA) target network: embeds the last view without gradient, updated after each step (MoCo). */
  momentumEncoder?: MomentumEncoder;
  /** A prediction head q on the online branch only, after `head` (BYOL, SimSiam); its output goes to the loss. */
  predictor?: Head;
  /**
   * Targets without gradient for every online view, appended after the online embeddings in
   * `batch.views`: `stopGradientTarget()` (SimSiam) or `momentumTarget(encoder)` (BYOL, EMA). With a
   * `crossView` loss this gives the symmetric loss over both view orders.
   */
  target?: TargetBranch;
  /**
   * Gradient caching (Gao et al. 2021): embed `chunkSize` images at a time without keeping their
   * activations, take the loss's gradient on the whole batch's embeddings, then back-propagate it chunk by
   * chunk. Parameter gradients equal the plain step's for encoders without batch norm; with batch norm
   * each chunk is normalised on its own statistics. Bounds activation memory by the chunk, not the batch.
   * With a predictor the first pass keeps the projections, and a target branch's targets are computed
   * chunk by chunk, without a tape (constants of the loss), so BYOL and SimSiam take large batches too.
   */
  gradientCache?: { chunkSize: number };
  /**
   * Data-parallel training over workers, e.g. `workerPool({ count: 2 })` from `@contrastive/trainer/node`
   * (worker_threads; this entry stays free of Node built-ins, so the pool is a value you pass). Each worker
   * holds a copy of the backbone and head on the trainer's backend and embeds its shard of the batch's rows
   * (all V views of them) once under a tape; the loss and its gradient with respect to the embeddings are
   * taken once over the whole batch here; the workers back-propagate their slices; their parameter
   * gradients are summed and the optimizer applied once, here (checkpoints, schedules and callbacks are
   * unchanged). While they compute, `fit` prepares the next batch's views.
   *
   * Batch norm: each worker normalises its shard with its own batch statistics (as PyTorch DDP without
   * SyncBatchNorm), so results depend on the number of workers; after the step the running statistics are
   * set to the workers' mean. Without batch norm the gradients equal the single-process step's (float32
   * rounding). Not with `gradientCache`, a `predictor` or a `target` branch, nor with the synchronous
   * `step`/`stepViews` (use `stepAsync` or `fit`); a momentum encoder and a negative bank stay here.
   * `dispose()` terminates the workers. Default: none (one thread).
   */
  workers?: EncoderWorkers;
  /**
   * Count tensors around every step and throw a `ContrastiveError` naming what leaked; on the first step
   * the loss is also called alone to name a loss that leaks. Costs a few reads; default on under
   * `NODE_ENV=test` or vitest (`VITEST`), off otherwise.
   */
  checkLeaks?: boolean;
  /**
   * Largest weight magnitude accepted after an update; beyond it the run has diverged and the step
   * throws `NonFiniteError` with the step number. Default 1e19: above √(float32 max) ≈ 1.8e19 a weight's
   * square overflows, so norms, variances and weight decay involving it are infinite.
   */
  maxWeightMagnitude?: number;
}

/** Options of {@link Trainer.fit}. */
export interface FitOptions {
  data: DataSource;
  sampler: Sampler;
  epochs: number;
  /** Pass `data.labels` of each batch to the loss (supervised contrastive). Default false. */
  useLabels?: boolean;
  /** Epoch to start from (when resuming). Default 0. */
  initialEpoch?: number;
  /** Batches prepared ahead of the step being trained (read, and views of an image augmentation): the bound of the queue. Default 3 with an image augmentation, 1 with a tensor one (its views are made in the step). */
  prefetch?: number;
}

/** What {@link Trainer.fit} returns. */
export interface TrainingHistory {
  epochs: EpochInfo[];
  stopped: boolean;
}

/** Options of {@link Trainer.step}. */
export interface StepOptions {
  /** Class ids of the batch's rows (supervised losses). */
  labels?: Int32Array;
  /** Randomness of this step's views. */
  rng?: Rng;
  /** Data-set indices of the batch's rows; required with a negative bank. */
  indices?: Int32Array;
}

/** A training loop over the components it was given. */
export interface Trainer {
  /** The variables the optimizer updates (backbone then head). */
  readonly trainableWeights: tf.Variable[];
  /**
   * One optimisation step on a batch of images [N, H, W, C]: V augmented views → backbone (all views
   * in one pass) → head → loss → gradients → update. Returns the loss. Leaves no tensors behind; the
   * images are not disposed.
   * @throws {NonFiniteError} when the loss or a gradient is NaN or infinite (with the step number); all state
   *   — weights, batch-norm statistics, optimizer slots, bank, momentum encoder — is then left as it was and
   *   no tensor is leaked. Also when a weight exceeds `maxWeightMagnitude` after the update (divergence):
   *   that update has been applied; resume from the last checkpoint.
   * @throws {ContrastiveError} naming the loss when its `compute()` does not return a scalar, or (with
   *   `checkLeaks`) when it leaks tensors.
   * @throws {ContrastiveError} with an image augmentation (asynchronous): use `fit`, or `stepViews`.
   */
  step(images: tf.Tensor4D, options?: StepOptions): number;
  /**
   * One optimisation step on ready views (V tensors `[N, H, W, C]`, e.g. from an image augmentation or
   * `@contrastive/data`'s `loader`): backbone → head → loss → update, as `step` after its augmentation.
   * Returns the loss; the views are not disposed.
   * @throws {NonFiniteError} when the loss is NaN or infinite; the weights are then left unchanged.
   */
  stepViews(views: tf.Tensor4D[], options?: Omit<StepOptions, "rng">): number;
  /**
   * {@link Trainer.step}, reading the loss back asynchronously (what `fit` uses): on WebGPU a synchronous
   * read stalls, and in some browsers fails.
   * @throws {NonFiniteError} as `step`.
   */
  stepAsync(images: tf.Tensor4D, options?: StepOptions): Promise<number>;
  /** Trains for `epochs` epochs, calling the callbacks. */
  fit(options: FitOptions): Promise<TrainingHistory>;
  /** Asks `fit` to stop after the current step. */
  stop(): void;
  /** Terminates the `workers`, if any (the components stay yours to dispose). */
  dispose(): Promise<void>;
}

/**
 * Creates the training loop of the contrastive pipeline (Le-Khac et al. 2020): views by augmentation,
 * encoder, projection head, loss. It never names a concrete loss, backbone or augmentation: any values
 * satisfying the contracts of `@contrastive/core` work, including your own.
 *
 * @example
 * const trainer = createTrainer({ backbone, head, loss: ntXent({ temperature: 0.5 }),
 *   optimizer: tf.train.adam(1e-3), augment: multiView(2, simclrMnistAugment()) });
 * await trainer.fit({ data, sampler: instanceSampler({ size: data.size, batchSize: 256 }), epochs: 2 });
 */
export function createTrainer(options: TrainerOptions): Trainer {
  const { backbone, head, loss, optimizer, augment, seed = 0, callbacks = [], negatives, momentumEncoder: momentum } = options;
  for (const [argument, value, method] of [
    ["backbone", backbone, "apply"],
    ["loss", loss, "compute"],
    ["augment", augment, "apply"],
    ["optimizer", optimizer, "applyGradients"],
  ] as const) {
    if (typeof (value as unknown as Record<string, unknown> | undefined)?.[method] !== "function") {
      throw new ContrastiveError({ component: "createTrainer", argument, received: describeValue(value), expected: `an object with a ${method}() method` });
    }
  }
  const variables = () => trainableVariables({ backbone, head, predictor: options.predictor });
  if (options.gradientCache !== undefined) {
    const { chunkSize } = options.gradientCache ?? {};
    if (!(Number.isInteger(chunkSize) && (chunkSize as number) >= 1)) {
      throw new ContrastiveError({ component: "createTrainer", argument: "gradientCache.chunkSize", received: describeValue(chunkSize), expected: "an integer ≥ 1, e.g. 256 (images embedded at once)" });
    }
  }
  const { workers } = options;
  if (workers !== undefined) {
    if (typeof (workers as Partial<EncoderWorkers> | null)?.forward !== "function" || !(Number.isInteger(workers.count) && workers.count >= 1)) {
      throw new ContrastiveError({ component: "createTrainer", argument: "workers", received: describeValue(workers), expected: "a worker pool, e.g. workerPool({ count: 2 }) from @contrastive/trainer/node" });
    }
    for (const [argument, given] of [["gradientCache", options.gradientCache], ["predictor", options.predictor], ["target", options.target]] as const) {
      if (given !== undefined) {
        throw new ContrastiveError({ component: "createTrainer", argument: "workers", received: `given with ${argument}`, expected: `workers without ${argument} (workers hold copies of the backbone and head only): drop ${argument !== "gradientCache" ? `workers for a ${argument} branch (BYOL, SimSiam)` : "gradientCache (each worker embeds its shard at once), or workers"}` });
      }
    }
  }
  const root = createRng(seed);
  // One stream for direct step() calls: a fork depends only on the seed, so forking per call would repeat the views.
  const directSteps = root.fork("step");
  let stopRequested = false;

  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  const components: StepComponents = {
    backbone,
    head,
    loss,
    optimizer,
    negatives,
    momentum,
    predictor: options.predictor,
    target: options.target,
    gradientCache: options.gradientCache,
    workers,
    checkLeaks: options.checkLeaks ?? (env.NODE_ENV === "test" || env.VITEST !== undefined),
    maxWeightMagnitude: options.maxWeightMagnitude ?? 1e19,
  };
  if (!(components.maxWeightMagnitude > 0)) {
    throw new ContrastiveError({ component: "createTrainer", argument: "maxWeightMagnitude", received: describeValue(options.maxWeightMagnitude), expected: "a number > 0 (default 1e19), or Infinity to turn the divergence check off" });
  }
  let steps = 0;
  let prefetched = 0; // tensors made by the eager views of the next batch, beside a step
  components.concurrentTensors = () => prefetched;

  function refuseSynchronous(method: string): void {
    if (workers) throw new ContrastiveError({ component: `trainer.${method}`, argument: "workers", received: `${workers.name} with the synchronous ${method}()`, expected: "stepAsync(images) or fit(…): a step with workers waits for them asynchronously" });
  }

  function step(images: tf.Tensor4D, stepOptions: StepOptions = {}): number {
    refuseSynchronous("step");
    if (takesImages(augment)) {
      throw new ContrastiveError({ component: "trainer.step", argument: "augment", received: `'${augment.name}', which makes views from decoded images asynchronously`, expected: "fit({ data: imageFolder(root), … }), or stepViews(await augment.apply(images, rng)); step() takes a tensor augmentation" });
    }
    const views = augment.apply(images, stepOptions.rng ?? directSteps);
    try {
      return stepViews(views, stepOptions);
    } finally {
      tf.dispose(views);
    }
  }

  async function stepAsync(images: tf.Tensor4D, stepOptions: StepOptions = {}): Promise<number> {
    if (takesImages(augment)) {
      throw new ContrastiveError({ component: "trainer.stepAsync", argument: "augment", received: `'${augment.name}', which makes views from decoded images asynchronously`, expected: "fit({ data: imageFolder(root), … }); stepAsync() takes a tensor augmentation" });
    }
    const views = augment.apply(images, stepOptions.rng ?? directSteps);
    try {
      return await stepViewsAsync(views, stepOptions);
    } finally {
      tf.dispose(views);
    }
  }

  /** The checks of a step on ready views, then the step itself (synchronous reads, or asynchronous ones). */
  function stepInput(views: tf.Tensor4D[], stepOptions: Omit<StepOptions, "rng">) {
    const { indices } = stepOptions;
    if (negatives && !indices) {
      throw new ContrastiveError({ component: "trainer.step", argument: "indices", received: "undefined", expected: `the batch's data-set indices when the trainer has a negative bank (${negatives.name})` });
    }
    return { views, labels: stepOptions.labels, indices, step: steps };
  }

  // The step count (named in errors) counts completed steps.
  function stepViews(views: tf.Tensor4D[], stepOptions: Omit<StepOptions, "rng"> = {}): number {
    refuseSynchronous("stepViews");
    const value = runStep(components, stepInput(views, stepOptions));
    steps++;
    return value;
  }

  async function stepViewsAsync(views: tf.Tensor4D[], stepOptions: Omit<StepOptions, "rng"> = {}): Promise<number> {
    const value = await runStepAsync(components, stepInput(views, stepOptions));
    steps++;
    return value;
  }

  /** One step on a prepared batch (its views made now for a tensor augmentation); disposes the batch. */
  async function trainOn(batch: PreparedBatch, labelsOfData: Int32Array | undefined): Promise<number> {
    let views: tf.Tensor4D[] = [];
    try {
      views = batch.views();
      const labels = labelsOfData ? Int32Array.from(batch.indices, (i) => labelsOfData[i] as number) : undefined;
      return await stepViewsAsync(views, { indices: batch.indices, ...(labels ? { labels } : {}) });
    } finally {
      tf.dispose(views);
      batch.dispose();
    }
  }

  async function fit(fitOptions: FitOptions): Promise<TrainingHistory> {
    const { data, sampler, epochs, useLabels = false, initialEpoch = 0, prefetch = takesImages(augment) ? 3 : 1 } = fitOptions;
    await ensureGradients();
    if (!Number.isInteger(epochs) || epochs < 1) {
      throw new ContrastiveError({ component: "trainer.fit", argument: "epochs", received: describeValue(epochs), expected: "an integer ≥ 1" });
    }
    if (useLabels && !data.labels) {
      throw new ContrastiveError({ component: "trainer.fit", argument: "useLabels", received: `true with data '${data.name}' that has no labels`, expected: "false, or a data source with labels" });
    }
    if (!Number.isInteger(prefetch) || prefetch < 1) {
      throw new ContrastiveError({ component: "trainer.fit", argument: "prefetch", received: describeValue(prefetch), expected: "an integer ≥ 1" });
    }
    // with workers, a tensor augmentation's views are made while they compute (the main thread is free then)
    const prepare = batchViews(augment, data, { eager: workers !== undefined, madeTensors: (count) => (prefetched += count) }); // refuses a data/augment mismatch before the first step
    stopRequested = false;
    const stepsPerEpoch = sampler.batchesPerEpoch();
    const history: TrainingHistory = { epochs: [], stopped: false };
    for (const cb of callbacks) await cb.onTrainBegin?.({ epochs, stepsPerEpoch });
    // One plan over every epoch, so the queue prepares the next epoch's first batches during this one's last steps.
    function* plan(): Generator<PlannedBatch> {
      for (let epoch = initialEpoch; epoch < epochs; epoch++) {
        let position = 0;
        for (const indices of sampler.batches(epoch)) yield { epoch, position: position++, indices };
      }
    }
    const queue = batchQueue(plan(), ({ epoch, position, indices }) => prepare(indices, root.fork(`${epoch}:${position}`)), prefetch);
    try {
      for (let epoch = initialEpoch; epoch < epochs && !stopRequested; epoch++) {
        for (const cb of callbacks) await cb.onEpochBegin?.(epoch);
        const started = performance.now();
        let [examples, lossSum, steps, dataWaitMs] = [0, 0, 0, 0];
        let waitStarted = performance.now();
        while (!stopRequested && queue.peek()?.epoch === epoch) {
          const { position: b, batch } = await queue.take();
          const waited = performance.now() - waitStarted;
          if (batch === undefined) continue; // every file of the batch was skipped
          dataWaitMs += waited;
          const stepStarted = performance.now();
          let value: number;
          try {
            value = await trainOn(batch, useLabels ? data.labels : undefined);
          } catch (error) {
            // a worker failed: the state is the last completed step's; let the callbacks (checkpointEvery) save it
            if (isWorkerFailure(error)) for (const cb of callbacks) await cb.onTrainEnd?.({ epochs: history.epochs.length, stopped: true });
            throw error;
          }
          examples += batch.indices.length;
          lossSum += value;
          steps++;
          const stepMs = performance.now() - stepStarted;
          const seconds = (performance.now() - started) / 1000;
          for (const cb of callbacks) {
            if ((await cb.onStepEnd?.({ epoch, step: b, stepsPerEpoch, loss: value, examples, seconds, dataWaitMs: waited, stepMs })) === false) stopRequested = true;
          }
          await yieldToEventLoop(); // lets the prepared batches' thread-pool work move on to its next stage
          waitStarted = performance.now();
        }
        const seconds = (performance.now() - started) / 1000;
        const info: EpochInfo = { epoch, meanLoss: lossSum / Math.max(1, steps), steps, examples, seconds, examplesPerSecond: examples / seconds, dataWaitSeconds: dataWaitMs / 1000 };
        history.epochs.push(info);
        for (const cb of callbacks) {
          if ((await cb.onEpochEnd?.(info)) === false) stopRequested = true;
        }
      }
    } finally {
      await queue.close();
    }
    history.stopped = stopRequested;
    for (const cb of callbacks) await cb.onTrainEnd?.({ epochs: history.epochs.length, stopped: stopRequested });
    return history;
  }

  return {
    get trainableWeights() {
      return variables();
    },
    step,
    stepViews,
    stepAsync,
    fit,
    stop() {
      stopRequested = true;
    },
    async dispose() {
      await workers?.dispose();
    },
  };
}
