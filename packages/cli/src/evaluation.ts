import * as tf from "@tensorflow/tfjs-core";
import type { Backbone, DataSource } from "@contrastive/core";
import { subset } from "@contrastive/data";
import { evaluateKnn } from "@contrastive/eval";

/** The labelled examples a run is evaluated on: kNN references (the "memory bank") and queries. */
export interface EvaluationSets {
  reference: DataSource;
  queries: DataSource;
  /** Where the two come from, for messages and the report. */
  description: string;
}

const strided = (size: number, cap: number, keep: (i: number) => boolean = () => true) => {
  const all = Array.from({ length: size }, (_, i) => i).filter(keep);
  const step = Math.max(1, all.length / cap);
  return Array.from({ length: Math.min(cap, all.length) }, (_, i) => all[Math.floor(i * step)] as number);
};

/**
 * The evaluation sets of a run: the training images as references and `test` as queries, or, without
 * a test set, every 5th training image as a query and the others as references. Each is thinned
 * evenly to at most `maxReference` / `maxQueries` examples so that a per-epoch evaluation stays cheap.
 * Undefined when the training data has no labels and no test set is given.
 */
export function evaluationSets(train: DataSource, test: DataSource | undefined, limits = { maxReference: 4000, maxQueries: 1000 }): EvaluationSets | undefined {
  if (!train.labels) return undefined;
  if (test?.labels) {
    return {
      reference: subset(train, strided(train.size, limits.maxReference)),
      queries: subset(test, strided(test.size, limits.maxQueries)),
      description: `${Math.min(test.size, limits.maxQueries)} test images against ${Math.min(train.size, limits.maxReference)} training images`,
    };
  }
  const reference = subset(train, strided(train.size, limits.maxReference, (i) => i % 5 !== 4));
  const queries = subset(train, strided(train.size, limits.maxQueries, (i) => i % 5 === 4));
  return { reference, queries, description: `${queries.size} held-out training images (every 5th) against ${reference.size} others` };
}

/** Features of a backbone in inference mode, for {@link knnOf} and embeddings. */
export const encoderFeatures = (backbone: Backbone) => (x: tf.Tensor) => backbone.apply(x as tf.Tensor4D, { training: false });
/** The raw-pixel baseline: each image flattened. */
export const rawPixels = (x: tf.Tensor) => tf.reshape(x, [x.shape[0] as number, -1]) as tf.Tensor2D;

/** Weighted-kNN accuracy (k 20, cosine, τ 0.1; Wu et al. 2018) of the queries against the references. */
export async function knnOf(encode: (x: tf.Tensor) => tf.Tensor2D, sets: EvaluationSets): Promise<number> {
  const k = Math.min(20, sets.reference.size);
  return (await evaluateKnn({ encode, train: sets.reference, test: sets.queries, k, temperature: 0.1, batchSize: 256 })).accuracy;
}
