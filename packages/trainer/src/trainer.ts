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
   * @throws {NonFiniteError} when the loss is NaN or infinite; the weights are then left unchanged.
   */
  step(images: tf.Tensor4D, options?: StepOptions): number;
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

  function step(images: tf.Tensor4D, stepOptions: StepOptions = {}): number {
    const pending = beginStep(images, stepOptions);
    try {
      return pending.finish(pending.loss.dataSync()[0] as number);
    } finally {
      pending.release();
    }
  }

  async function stepAsync(images: tf.Tensor4D, stepOptions: StepOptions = {}): Promise<number> {
    const pending = beginStep(images, stepOptions);
    try {
      return pending.finish((await pending.loss.data())[0] as number);
    } finally {
      pending.release();
    }
  }

  /** A step up to its loss and gradients; `finish` takes the loss's value (read back by the caller) and updates. */
  function beginStep(images: tf.Tensor4D, stepOptions: StepOptions): { loss: tf.Scalar; finish(value: number): number; release(): void } {
    const { indices } = stepOptions;
    if (negatives && !indices) {
      throw new ContrastiveError({ component: "trainer.step", argument: "indices", received: "undefined", expected: `the batch's data-set indices when the trainer has a negative bank (${negatives.name})` });
    }
    const rng = stepOptions.rng ?? directSteps;
    const context = indices ? { indices } : undefined;
    const views = augment.apply(images, rng);
    const online = momentum ? views.slice(0, -1) : views;
    const owned: tf.Tensor[] = [...views];
    const track = <T extends tf.Tensor | undefined>(t: T): T => {
      if (t) owned.push(t);
      return t;
    };
    try {
      if (online.length === 0) {
        throw new ContrastiveError({ component: "trainer.step", argument: "augment", received: `${views.length} view`, expected: "at least 2 views with a momentum encoder (the last one is its input)" });
      }
      const labels = track(stepOptions.labels ? tf.tensor1d(stepOptions.labels, "int32") : undefined);
      const keys = track(momentum ? momentum.embed(views.at(-1) as tf.Tensor4D) : undefined);
      const bankNegatives = track(negatives && context ? negatives.negatives(context) : undefined);
      const bankPositives = track(negatives?.positives && context ? negatives.positives(context) : undefined);
      let firstView: tf.Tensor2D | undefined;
      const result = tf.variableGrads(() => {
        const all = online.length === 1 ? (online[0] as tf.Tensor4D) : tf.concat(online, 0);
        const features = backbone.apply(all, { training: true });
        const embeddings = head ? head.apply(features, { training: true }) : features;
        // (tfjs 4.22's split gradient fails for a single piece, so one view is not split)
        const perView = online.length === 1 ? [embeddings] : (tf.split(embeddings, online.length, 0) as tf.Tensor2D[]);
        if (negatives && !keys) {
          firstView = tf.keep(perView[0] as tf.Tensor2D);
          owned.push(firstView);
        }
        const batchViews = [...perView, ...(keys ? [keys] : []), ...(bankPositives ? [bankPositives] : [])];
        return loss.compute({ views: batchViews, ...(labels ? { labels } : {}), ...(bankNegatives ? { negatives: bankNegatives } : {}) });
      }, variables());
      owned.push(result.value, ...Object.values(result.grads));
      return {
        loss: result.value,
        finish(value: number): number {
          if (!Number.isFinite(value)) {
            throw new NonFiniteError({ component: "trainer.step", argument: `loss (${loss.name})`, received: String(value), expected: "finite; the update was skipped and the weights are unchanged (lower the learning rate or check the inputs for NaN)" });
          }
          optimizer.applyGradients(result.grads);
          momentum?.update();
          if (negatives && context) negatives.update((keys ?? firstView) as tf.Tensor2D, context);
          return value;
        },
        release: () => tf.dispose(owned),
      };
    } catch (error) {
      tf.dispose(owned);
      throw error;
    }
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
            value = await stepAsync(images as tf.Tensor4D, { rng: root.fork(`${epoch}:${b}`), indices, ...(labels ? { labels } : {}) });
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
    stepAsync,
    fit,
    stop() {
      stopRequested = true;
    },
  };
}
