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
  NonFiniteError,
  type Rng,
  type Sampler,
  createRng,
  describeValue,
  ensureGradients,
} from "@contrastive/core";

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
  step(images: tf.Tensor4D, options?: { labels?: Int32Array; rng?: Rng }): number;
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
  const { backbone, head, loss, optimizer, augment, seed = 0, callbacks = [] } = options;
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
  let stopRequested = false;

  function step(images: tf.Tensor4D, stepOptions: { labels?: Int32Array; rng?: Rng } = {}): number {
    const rng = stepOptions.rng ?? root.fork("step");
    const views = augment.apply(images, rng);
    const labels = stepOptions.labels ? tf.tensor1d(stepOptions.labels, "int32") : undefined;
    let result: { value: tf.Scalar; grads: tf.NamedTensorMap } | undefined;
    try {
      result = tf.variableGrads(() => {
        const all = views.length === 1 ? (views[0] as tf.Tensor4D) : tf.concat(views, 0);
        const features = backbone.apply(all, { training: true });
        const embeddings = head ? head.apply(features, { training: true }) : features;
        const perView = tf.split(embeddings, views.length, 0) as tf.Tensor2D[];
        return loss.compute({ views: perView, ...(labels ? { labels } : {}) });
      }, variables());
      const value = result.value.dataSync()[0] as number;
      if (!Number.isFinite(value)) {
        throw new NonFiniteError({ component: "trainer.step", argument: `loss (${loss.name})`, received: String(value), expected: "finite; the update was skipped and the weights are unchanged (lower the learning rate or check the inputs for NaN)" });
      }
      optimizer.applyGradients(result.grads);
      return value;
    } finally {
      tf.dispose(views);
      if (labels) labels.dispose();
      if (result) tf.dispose([result.value, result.grads]);
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
            value = step(images as tf.Tensor4D, { rng: root.fork(`${epoch}:${b}`), ...(labels ? { labels } : {}) });
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
