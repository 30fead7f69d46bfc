import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, assertInteger, assertShape, createRng, describeValue } from "@contrastive/core";
import { checkClassLabels, classAccuracy } from "./class-accuracy.js";
import { type AdamState, adamStep, softmaxRegressionGradients } from "./softmax-regression.js";

/** Options of {@link linearProbe}. */
export interface LinearProbeOptions {
  /** Frozen features of the training set, `[N, d]`. */
  trainFeatures: tf.Tensor2D;
  /** Class ids of the training rows, length N. */
  trainLabels: Int32Array;
  /** Frozen features to classify, `[M, d]`. */
  testFeatures: tf.Tensor2D;
  /** True class ids of the test rows, length M. */
  testLabels: Int32Array;
  /** Number of classes; default 1 + the largest label seen. */
  numClasses?: number;
  /** Passes over the training set; default 100, or more where that gives fewer than 1000 steps (small sets). */
  epochs?: number;
  /** Adam's initial learning rate, decayed to 0 by a cosine schedule over all steps; default 0.1. */
  learningRate?: number;
  /** L2 penalty (weightDecay / 2)·‖W‖² on the weights (not the bias), as PyTorch's `weight_decay`; default 1e-4. */
  weightDecay?: number;
  /** Rows per step; default 256 (at most N; N for full-batch). */
  batchSize?: number;
  /** Seed of the mini-batch order (each epoch a fresh permutation); default 0. */
  seed?: number;
}

/** What {@link linearProbe} found, with the classifier it fitted. */
export interface LinearProbeResult {
  /** Top-1 accuracy on the test rows. */
  accuracy: number;
  /** Top-1 accuracy on the training rows. */
  trainAccuracy: number;
  /** Mean cross-entropy on the training rows at the end (without the penalty). */
  trainLoss: number;
  /** Predicted class of each test row. */
  predictions: Int32Array;
  /** Accuracy over the test rows of each class; NaN for a class with no test rows. */
  perClassAccuracy: Float64Array;
  /** The classifier on standardised features: logits = ((x − mean) / std) · weights + bias. `weights` is `[d, C]` row-major. */
  weights: Float32Array;
  bias: Float32Array;
  mean: Float32Array;
  std: Float32Array;
  /** Optimisation steps taken. */
  steps: number;
}

const component = "linearProbe";

function checkNonNegative(argument: string, value: unknown, example: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new ContrastiveError({ component, argument, received: describeValue(value), expected: `a finite number ≥ 0, e.g. ${example}` });
  }
  return value;
}

/**
 * The linear evaluation protocol of self-supervised learning (Zhang et al. 2016; Oord et al. 2018; the
 * SimCLR and MoCo papers): multinomial logistic regression on frozen features, scored by top-1 accuracy.
 *
 * Features are standardised with the training set's mean and (population) standard deviation; a
 * feature that is constant on the training set is only centred. The weights start at zero and Adam
 * minimises mean cross-entropy + (weightDecay/2)‖W‖², its learning rate following a cosine from
 * `learningRate` to 0 over all steps, so the result is deterministic for a seed (which orders the
 * mini-batches) and converges to the penalised optimum. Gradients are in closed form: no autodiff needed.
 *
 * Shapes: `trainFeatures [N, d]`, `testFeatures [M, d]`, labels of length N and M. Leaves no tensors.
 *
 * @throws {ContrastiveError} when a features tensor is not rank 2 or the sizes differ, a label array is
 *   not an Int32Array with one id per row, a label is negative or ≥ `numClasses`, `epochs` or
 *   `batchSize` is not an integer ≥ 1, `learningRate` is not > 0, `weightDecay` is negative, or a
 *   feature is not finite.
 * @example
 * const { accuracy, trainAccuracy } = await linearProbe({ trainFeatures, trainLabels, testFeatures, testLabels });
 * console.log(`linear probe: ${(100 * accuracy).toFixed(1)}% (train ${(100 * trainAccuracy).toFixed(1)}%)`);
 */
export async function linearProbe(options: LinearProbeOptions): Promise<LinearProbeResult> {
  const { trainFeatures, trainLabels, testFeatures, testLabels, learningRate = 0.1, weightDecay = 1e-4, seed = 0 } = options;
  assertShape(component, "trainFeatures", trainFeatures, [-1, -1]);
  const [rows, dimension] = trainFeatures.shape;
  assertShape(component, "testFeatures", testFeatures, [-1, dimension], " (the feature size of trainFeatures)");
  if (rows === 0) throw new ContrastiveError({ component, argument: "trainFeatures", received: describeValue(trainFeatures), expected: "at least one row" });
  if (options.numClasses !== undefined) assertInteger(component, "numClasses", options.numClasses);
  const largest = Math.max(checkClassLabels(component, "trainLabels", trainLabels, rows, options.numClasses), checkClassLabels(component, "testLabels", testLabels, testFeatures.shape[0], options.numClasses));
  const numClasses = options.numClasses ?? largest + 1;
  const batchSize = Math.min(assertInteger(component, "batchSize", options.batchSize ?? 256), rows);
  const stepsPerEpoch = Math.ceil(rows / batchSize);
  const epochs = assertInteger(component, "epochs", options.epochs ?? Math.max(100, Math.ceil(1000 / stepsPerEpoch)));
  if (typeof learningRate !== "number" || !Number.isFinite(learningRate) || learningRate <= 0) {
    throw new ContrastiveError({ component, argument: "learningRate", received: describeValue(learningRate), expected: "a finite number > 0, e.g. 0.1" });
  }
  checkNonNegative("weightDecay", weightDecay, "1e-4");

  const [mean, std, train, test, targets] = tf.tidy(() => {
    const x = tf.cast(trainFeatures, "float32");
    const { mean: m, variance } = tf.moments(x, 0);
    const s = tf.sqrt(variance);
    // A constant feature (std ≈ 0 in float32) is only centred, as scikit-learn's StandardScaler.
    const safe = tf.where(tf.lessEqual(s, tf.mul(1e-6, tf.add(1, tf.abs(m)))), tf.onesLike(s), s);
    const scale = (f: tf.Tensor) => tf.div(tf.sub(tf.cast(f, "float32"), m), safe) as tf.Tensor2D;
    return [m, safe, scale(x), scale(testFeatures), tf.cast(tf.oneHot(tf.tensor1d(trainLabels, "int32"), numClasses), "float32") as tf.Tensor2D];
  });
  let parameters: tf.Tensor[] = [tf.zeros([dimension, numClasses]), tf.zeros([numClasses])];
  let state: AdamState = { step: 0, first: parameters.map((p) => tf.zerosLike(p)), second: parameters.map((p) => tf.zerosLike(p)) };
  try {
    const rng = createRng(seed);
    const totalSteps = epochs * stepsPerEpoch;
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = batchSize === rows ? null : rng.permutation(rows);
      for (let start = 0; start < rows; start += batchSize) {
        const rate = (learningRate * (1 + Math.cos((Math.PI * state.step) / totalSteps))) / 2;
        const gradients = tf.tidy(() => {
          const indices = order && tf.tensor1d(order.subarray(start, start + batchSize), "int32");
          const x = indices ? tf.gather(train, indices) : train;
          const y = indices ? tf.gather(targets, indices) : targets;
          const g = softmaxRegressionGradients(x, y, { weights: parameters[0] as tf.Tensor2D, bias: parameters[1] as tf.Tensor1D }, weightDecay);
          return [g.weights, g.bias];
        });
        const next = adamStep(parameters, gradients, state, rate);
        tf.dispose([...gradients, ...parameters, ...state.first, ...state.second]);
        ({ parameters, state } = next);
      }
      if (epoch % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 0)); // let the event loop breathe
    }
    const [weights, bias] = parameters as [tf.Tensor2D, tf.Tensor1D];
    const [trainPredicted, testPredicted, loss, testFinite] = tf.tidy(() => [
      tf.argMax(tf.add(tf.matMul(train, weights), bias), 1),
      tf.argMax(tf.add(tf.matMul(test, weights), bias), 1),
      softmaxRegressionGradients(train, targets, { weights, bias }, 0).loss,
      tf.all(tf.isFinite(test)),
    ]);
    const outputs = [trainPredicted, testPredicted, loss, testFinite];
    const values = await Promise.all([...outputs, weights, bias, mean, std].map((t) => t.data())).finally(() => tf.dispose(outputs));
    const trainLoss = values[2]![0]!;
    if (!Number.isFinite(trainLoss) || !values[3]![0]) {
      const received = Number.isFinite(trainLoss) ? "a test feature that is NaN or infinite" : `a training loss of ${trainLoss}`;
      throw new ContrastiveError({ component, argument: "trainFeatures, testFeatures", received, expected: "finite values (no NaN or Infinity)" });
    }
    const predictions = Int32Array.from(values[1]!);
    const scored = classAccuracy(predictions, testLabels, numClasses);
    return {
      accuracy: scored.accuracy,
      trainAccuracy: classAccuracy(Int32Array.from(values[0]!), trainLabels, numClasses).accuracy,
      trainLoss,
      predictions,
      perClassAccuracy: scored.perClassAccuracy,
      weights: values[4] as Float32Array, bias: values[5] as Float32Array, mean: values[6] as Float32Array, std: values[7] as Float32Array,
      steps: totalSteps,
    };
  } finally {
    tf.dispose([mean, std, train, test, targets, ...parameters, ...state.first, ...state.second]);
  }
}
