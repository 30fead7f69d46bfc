import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, type DataSource } from "@contrastive/core";
import { extractFeatures } from "./extract-features.js";
import { type KnnAccuracyResult, knnAccuracy } from "./knn-accuracy.js";

/** Options of {@link evaluateKnn}. */
export interface EvaluateKnnOptions {
  /** Maps a batch of examples to features [n, d], e.g. `(x) => backbone.apply(x, { training: false })`. */
  encode: (examples: tf.Tensor) => tf.Tensor2D;
  /** The labelled examples the neighbours come from. */
  train: DataSource;
  /** The labelled examples to classify. */
  test: DataSource;
  /** Neighbours. Default 20. */
  k?: number;
  /** Vote weight exp(similarity / temperature). Default 0.1. */
  temperature?: number;
  /** Examples per forward pass. Default 500. */
  batchSize?: number;
}

/**
 * The weighted-kNN monitor of self-supervised learning (Wu et al. 2018) in one call: encodes the
 * train and test sources, classifies each test example by its k nearest train examples (cosine),
 * and frees the features. `encode: (x) => tf.reshape(x, [x.shape[0], -1])` gives the raw-input baseline.
 *
 * @throws {ContrastiveError} when a source has no labels (and as {@link knnAccuracy} and {@link extractFeatures}).
 * @example
 * const { accuracy } = await evaluateKnn({ encode: (x) => backbone.apply(x), train, test });
 */
export async function evaluateKnn(options: EvaluateKnnOptions): Promise<KnnAccuracyResult> {
  const { encode, train, test, k = 20, temperature = 0.1, batchSize = 500 } = options;
  for (const [argument, source] of [["train", train], ["test", test]] as const) {
    if (!source?.labels) {
      throw new ContrastiveError({ component: "evaluateKnn", argument, received: `data source '${source?.name}' without labels`, expected: "a data source with labels" });
    }
  }
  const trainFeatures = await extractFeatures({ source: train, encode, batchSize });
  let testFeatures: tf.Tensor2D | undefined;
  try {
    testFeatures = await extractFeatures({ source: test, encode, batchSize });
    return await knnAccuracy({ trainFeatures, trainLabels: train.labels as Int32Array, testFeatures, testLabels: test.labels as Int32Array, k, temperature });
  } finally {
    tf.dispose([trainFeatures, ...(testFeatures ? [testFeatures] : [])]);
  }
}
