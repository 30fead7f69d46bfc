import * as tf from "@tensorflow/tfjs-core";
import {
  type Augmentation,
  type Backbone,
  type Callback,
  ContrastiveError,
  type DataSource,
  type EpochInfo,
  type Head,
  type Loss,
  type NegativeBank,
  NonFiniteError,
  type Rng,
  type Sampler,
  createRng,
  describeValue,
  ensureGradients,
} from "@contrastive/core";
import type { MomentumEncoder } from "./momentum-encoder.js";
import { type StepComponents, runStep } from "./training-step.js";

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
  /** Makes the V views of a batch of images, e.g. `multiView(2, simclrMnistAugment())`. */
  augment: Augmentation<tf.Tensor4D, tf.Tensor4D[]>;
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
  /** A momentum (EMA) target network: embeds the last view without gradient, updated after each step. */
  momentumEncoder?: MomentumEncoder;
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
   */
  step(images: tf.Tensor4D, options?: StepOptions): number;
  /** Trains for `epochs` epochs, calling the callbacks. */
  fit(options: FitOptions): Promise<TrainingHistory>;
  /** Asks `fit` to stop after the current step. */
  stop(): void;
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
  const variables = () => [...backbone.trainableWeights, ...(head?.trainableWeights ?? [])];
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
    augment,
    negatives,
    momentum,
    checkLeaks: options.checkLeaks ?? (env.NODE_ENV === "test" || env.VITEST !== undefined),
    maxWeightMagnitude: options.maxWeightMagnitude ?? 1e19,
  };
  if (!(components.maxWeightMagnitude > 0)) {
    throw new ContrastiveError({ component: "createTrainer", argument: "maxWeightMagnitude", received: describeValue(options.maxWeightMagnitude), expected: "a number > 0 (default 1e19), or Infinity to turn the divergence check off" });
  }
  let steps = 0;

  function step(images: tf.Tensor4D, stepOptions: StepOptions = {}): number {
    const { indices } = stepOptions;
    if (negatives && !indices) {
      throw new ContrastiveError({ component: "trainer.step", argument: "indices", received: "undefined", expected: `the batch's data-set indices when the trainer has a negative bank (${negatives.name})` });
    }
    const value = runStep(components, { images, rng: stepOptions.rng ?? directSteps, labels: stepOptions.labels, indices, step: steps });
    steps++;
    return value;
  }

  async function fit(fitOptions: FitOptions): Promise<TrainingHistory> {
    const { data, sampler, epochs, useLabels = false, initialEpoch = 0 } = fitOptions;
    await ensureGradients();
    if (!Number.isInteger(epochs) || epochs < 1) {
      throw new ContrastiveError({ component: "trainer.fit", argument: "epochs", received: describeValue(epochs), expected: "an integer ≥ 1" });
    }
    if (useLabels && !data.labels) {
      throw new ContrastiveError({ component: "trainer.fit", argument: "useLabels", received: `true with data '${data.name}' that has no labels`, expected: "false, or a data source with labels" });
    }
    stopRequested = false;
    const stepsPerEpoch = sampler.batchesPerEpoch();
    const history: TrainingHistory = { epochs: [], stopped: false };
    for (const cb of callbacks) await cb.onTrainBegin?.({ epochs, stepsPerEpoch });
    for (let epoch = initialEpoch; epoch < epochs && !stopRequested; epoch++) {
      for (const cb of callbacks) await cb.onEpochBegin?.(epoch);
      const started = performance.now();
      let examples = 0;
      let lossSum = 0;
      let steps = 0;
      const batches = [...sampler.batches(epoch)];
      let pending: Promise<tf.Tensor> | undefined = batches.length > 0 ? Promise.resolve(data.read(batches[0] as Int32Array)) : undefined;
      try {
        for (let b = 0; b < batches.length && !stopRequested; b++) {
          const indices = batches[b] as Int32Array;
          const images = (await pending) as tf.Tensor;
          pending = b + 1 < batches.length ? Promise.resolve(data.read(batches[b + 1] as Int32Array)) : undefined;
          let value: number;
          try {
            if (images.rank !== 4) {
              throw new ContrastiveError({ component: "trainer.fit", argument: `data.read() of '${data.name}'`, received: describeValue(images), expected: "an image batch [N, H, W, C]" });
            }
            const labels = useLabels ? Int32Array.from(indices, (i) => (data.labels as Int32Array)[i] as number) : undefined;
            value = step(images as tf.Tensor4D, { rng: root.fork(`${epoch}:${b}`), indices, ...(labels ? { labels } : {}) });
          } finally {
            images.dispose();
          }
          examples += indices.length;
          lossSum += value;
          steps++;
          const seconds = (performance.now() - started) / 1000;
          for (const cb of callbacks) {
            if ((await cb.onStepEnd?.({ epoch, step: b, stepsPerEpoch, loss: value, examples, seconds })) === false) stopRequested = true;
          }
        }
      } finally {
        if (pending) (await pending).dispose();
      }
      const seconds = (performance.now() - started) / 1000;
      const info: EpochInfo = { epoch, meanLoss: lossSum / Math.max(1, steps), steps, examples, seconds, examplesPerSecond: examples / seconds };
      history.epochs.push(info);
      for (const cb of callbacks) {
        if ((await cb.onEpochEnd?.(info)) === false) stopRequested = true;
      }
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
    fit,
    stop() {
      stopRequested = true;
    },
  };
}
