/**
 * One SimCLR run in the page, with the project's packages: two views of each digit
 * (`simclrMnistAugment`) → ConvNet → MLP projection head → NT-Xent, trained by `createTrainer`,
 * then the weighted-kNN accuracy of the encoder's features (raw pixels and the untrained encoder
 * as baselines).
 */
import * as tf from "@tensorflow/tfjs-core";
import { multiView, simclrMnistAugment } from "@contrastive/augment";
import { convNet } from "@contrastive/backbones";
import type { Backbone } from "@contrastive/core";
import { arrayDataset } from "@contrastive/data";
import { evaluateKnn } from "@contrastive/eval";
import { projectionHead } from "@contrastive/heads";
import { ntXent } from "@contrastive/losses";
import { instanceSampler } from "@contrastive/samplers";
import { createTrainer } from "@contrastive/trainer";
import type { DigitSet, DigitsFile } from "../digits-file.js";

/** What a run trains, and on how much. */
export interface RunSettings {
  steps: number;
  batchSize: number;
  /** ConvNet filters per block, e.g. [32, 64, 128]. */
  filters: number[];
  learningRate: number;
  temperature: number;
  seed: number;
  /** Digits of the kNN memory (from the training pool) and of the kNN test set. */
  knnTrain: number;
  knnTest: number;
}

/** What a run measured. */
export interface RunResult {
  steps: number;
  losses: number[];
  /** Steps per second after the first step (which includes compiling shaders and warming up). */
  stepsPerSecond: number;
  imagesPerSecond: number;
  firstStepSeconds: number;
  trainSeconds: number;
  knnAccuracy: number;
  untrainedKnnAccuracy: number;
  rawPixelKnnAccuracy: number;
  /** `tf.memory().numTensors` before the run and after it disposed its model. */
  tensorsBefore: number;
  tensorsAfter: number;
}

/** `count` digits spread evenly over `set` (the digits are ordered by class). */
function spread(set: DigitSet, count: number, exampleShape: number[], name: string) {
  const size = exampleShape.reduce((a, b) => a * b, 1);
  const take = Int32Array.from({ length: count }, (_, j) => Math.floor((j * set.labels.length) / count));
  const images = new Float32Array(count * size);
  take.forEach((from, to) => images.set(set.images.subarray(from * size, (from + 1) * size), to * size));
  return arrayDataset({ images, labels: Int32Array.from(take, (i) => set.labels[i] as number), exampleShape, name });
}

/** Trains for `settings.steps` steps, calling `onStep` after each, then measures the kNN accuracies. */
async function trainAndMeasure(digits: DigitsFile, settings: RunSettings, onStep: (step: number, loss: number) => void, onStatus: (text: string) => void): Promise<Omit<RunResult, "tensorsAfter">> {
  const { steps, batchSize, filters, learningRate, temperature, seed } = settings;
  const shape = [...digits.imageShape];
  const pool = arrayDataset({ images: digits.train.images, labels: digits.train.labels, exampleShape: shape, name: "page digits (train)" });
  const knnTrain = spread(digits.train, settings.knnTrain, shape, "kNN memory");
  const knnTest = spread(digits.test, settings.knnTest, shape, "kNN test");
  const knn = async (encode: (x: tf.Tensor) => tf.Tensor2D) => (await evaluateKnn({ encode, train: knnTrain, test: knnTest, k: 20, temperature: 0.1, batchSize: 250 })).accuracy;
  const features = (backbone: Backbone) => (x: tf.Tensor) => backbone.apply(x, { training: false });

  const tensorsBefore = tf.memory().numTensors;
  onStatus("kNN baseline: raw pixels");
  const rawPixelKnnAccuracy = await knn((x) => tf.reshape(x, [x.shape[0] as number, -1]) as tf.Tensor2D);
  const backbone = convNet({ inputShape: [28, 28, 1], filters, seed });
  const head = projectionHead({ inputDim: backbone.outputDim, hiddenDims: [backbone.outputDim], outputDim: 64, seed: seed + 1 });
  const optimizer = tf.train.adam(learningRate);
  try {
    onStatus("kNN baseline: untrained encoder");
    const untrainedKnnAccuracy = await knn(features(backbone));
    const losses: number[] = [];
    const times: number[] = [];
    const started = performance.now();
    const trainer = createTrainer({
      backbone,
      head,
      loss: ntXent({ temperature }),
      optimizer,
      augment: multiView(2, simclrMnistAugment()),
      seed,
      callbacks: [
        {
          async onStepEnd({ loss }) {
            losses.push(loss);
            times.push(performance.now());
            onStep(losses.length, loss);
            // Let the page paint the curve between steps.
            await new Promise((done) => setTimeout(done, 0));
            return losses.length < steps;
          },
        },
      ],
    });
    onStatus(`training ${steps} steps`);
    const sampler = instanceSampler({ size: pool.size, batchSize, seed });
    await trainer.fit({ data: pool, sampler, epochs: Math.ceil(steps / sampler.batchesPerEpoch()) });
    const last = times.at(-1) as number;
    const steady = times.length > 1 ? (times.length - 1) / ((last - (times[0] as number)) / 1000) : Number.NaN;
    onStatus("kNN of the trained encoder");
    const knnAccuracy = await knn(features(backbone));
    return {
      tensorsBefore,
      steps: losses.length,
      losses,
      stepsPerSecond: steady,
      imagesPerSecond: steady * batchSize,
      firstStepSeconds: ((times[0] as number) - started) / 1000,
      trainSeconds: (last - started) / 1000,
      knnAccuracy,
      untrainedKnnAccuracy,
      rawPixelKnnAccuracy,
    };
  } finally {
    backbone.dispose();
    head.dispose();
    optimizer.dispose();
  }
}

/** {@link trainAndMeasure}, then the tensor count once the model is disposed. */
export async function runSimclr(...args: Parameters<typeof trainAndMeasure>): Promise<RunResult> {
  const result = await trainAndMeasure(...args);
  return { ...result, tensorsAfter: tf.memory().numTensors };
}
