import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, assertInteger, assertPositive, assertShape, describeValue, l2Normalize } from "@contrastive/core";

/** Options of {@link knnAccuracy}. */
export interface KnnAccuracyOptions {
  /** Features of the labelled reference set (the memory bank), `[N, d]`. */
  trainFeatures: tf.Tensor2D;
  /** Class ids of `trainFeatures`, length N, each in [0, numClasses). */
  trainLabels: Int32Array;
  /** Features to classify, `[M, d]`. */
  testFeatures: tf.Tensor2D;
  /** True class ids of `testFeatures`, length M. */
  testLabels: Int32Array;
  /** Neighbours that vote; default 20, at most N. */
  k?: number;
  /** τ of the vote weight exp(similarity / τ); default 0.1. */
  temperature?: number;
  /** Number of classes; default 1 + the largest label seen. */
  numClasses?: number;
  /** Test rows per similarity block `[batchSize, N]`; default 1000. */
  batchSize?: number;
}

/** What {@link knnAccuracy} found. */
export interface KnnAccuracyResult {
  /** Fraction of test rows whose predicted class is their label, in [0, 1]. */
  accuracy: number;
  /** Number of test rows predicted correctly. */
  correct: number;
  /** The predicted class of each test row. */
  predictions: Int32Array;
  /** Accuracy over the test rows of each class; NaN for a class with no test rows. */
  perClassAccuracy: Float64Array;
}

const component = "knnAccuracy";

function checkLabels(argument: string, labels: unknown, rows: number, numClasses: number | undefined): number {
  if (!(labels instanceof Int32Array) || labels.length !== rows) {
    throw new ContrastiveError({ component, argument, received: describeValue(labels), expected: `an Int32Array of ${rows} class ids, one per feature row` });
  }
  let largest = -1;
  for (const label of labels) {
    if (label < 0 || (numClasses !== undefined && label >= numClasses)) {
      const range = numClasses === undefined ? "≥ 0" : `in [0, ${numClasses})`;
      throw new ContrastiveError({ component, argument, received: `a label ${label}`, expected: `class ids ${range}` });
    }
    largest = Math.max(largest, label);
  }
  return largest;
}

/**
 * Weighted k-nearest-neighbour accuracy of features, the standard monitor of self-supervised
 * representations (Wu et al., "Unsupervised Feature Learning via Non-Parametric Instance
 * Discrimination", CVPR 2018; the kNN monitor of SimCLR and MoCo code bases).
 *
 * Both sets are L2-normalised; each test row takes its k most cosine-similar train rows, each adds
 * exp(similarity / τ) to the vote of its class, and the class with the largest vote is predicted
 * (ties go to the lowest class id). The votes are computed as exp((s − s_max) / τ), which has the same
 * argmax and never overflows. Test rows are processed in blocks of `batchSize`, so memory stays at
 * `[batchSize, N]` similarities. Among equally similar train rows, the lower index is the nearer.
 *
 * Shapes: `trainFeatures [N, d]`, `testFeatures [M, d]`, labels of length N and M. Leaves no tensors.
 *
 * @throws {ContrastiveError} when a features tensor is not rank 2, the feature sizes differ, a label
 *   array is not an Int32Array with one id per row, a label is negative or ≥ `numClasses`, `k` is not an
 *   integer in [1, N], `temperature` is not > 0, or `batchSize` is not an integer ≥ 1.
 * @example
 * const { accuracy } = await knnAccuracy({ trainFeatures, trainLabels, testFeatures, testLabels, k: 20, temperature: 0.1 });
 * console.log(`kNN accuracy ${(100 * accuracy).toFixed(1)}%`);
 */
export async function knnAccuracy(options: KnnAccuracyOptions): Promise<KnnAccuracyResult> {
  const { trainFeatures, trainLabels, testFeatures, testLabels, k = 20, temperature = 0.1, batchSize = 1000 } = options;
  assertShape(component, "trainFeatures", trainFeatures, [-1, -1]);
  const [trainRows, dimension] = trainFeatures.shape;
  assertShape(component, "testFeatures", testFeatures, [-1, dimension], " (the feature size of trainFeatures)");
  const testRows = testFeatures.shape[0];
  if (testRows === 0) {
    throw new ContrastiveError({ component, argument: "testFeatures", received: describeValue(testFeatures), expected: "at least one row to classify" });
  }
  if (options.numClasses !== undefined) assertInteger(component, "numClasses", options.numClasses);
  const largest = Math.max(
    checkLabels("trainLabels", trainLabels, trainRows, options.numClasses),
    checkLabels("testLabels", testLabels, testRows, options.numClasses),
  );
  const numClasses = options.numClasses ?? largest + 1;
  assertInteger(component, "k", k);
  if (k > trainRows) {
    throw new ContrastiveError({ component, argument: "k", received: String(k), expected: `at most the ${trainRows} rows of trainFeatures` });
  }
  assertPositive(component, "temperature", temperature, "0.1");
  assertInteger(component, "batchSize", batchSize);

  const predictions = new Int32Array(testRows);
  // [d, N]: a pre-transposed right operand (wasm's matMul with transposeB is ~10× slower).
  const trainT = tf.tidy(() => tf.transpose(l2Normalize(tf.cast(trainFeatures, "float32"))));
  try {
    const votes = new Float64Array(numClasses);
    for (let start = 0; start < testRows; start += batchSize) {
      const rows = Math.min(batchSize, testRows - start);
      const { values, indices } = tf.tidy(() => {
        const block = l2Normalize(tf.cast(tf.slice(testFeatures, [start, 0], [rows, dimension]), "float32"));
        return tf.topk(tf.matMul(block, trainT), k, true);
      });
      const [similarities, neighbours] = await Promise.all([values.data(), indices.data()]).finally(() => tf.dispose([values, indices]));
      for (let row = 0; row < rows; row++) {
        votes.fill(0);
        const first = row * k;
        const nearest = similarities[first] as number;
        for (let j = first; j < first + k; j++) {
          const similarity = similarities[j] as number;
          if (!Number.isFinite(similarity)) {
            throw new ContrastiveError({ component, argument: "trainFeatures, testFeatures", received: `a similarity of ${similarity} for test row ${start + row}`, expected: "finite values (no NaN or Infinity)" });
          }
          votes[trainLabels[neighbours[j] as number] as number]! += Math.exp((similarity - nearest) / temperature);
        }
        let best = 0;
        for (let c = 1; c < numClasses; c++) if ((votes[c] as number) > (votes[best] as number)) best = c;
        predictions[start + row] = best;
      }
    }
  } finally {
    trainT.dispose();
  }

  const total = new Float64Array(numClasses);
  const right = new Float64Array(numClasses);
  let correct = 0;
  testLabels.forEach((label, i) => {
    total[label]!++;
    if (predictions[i] === label) {
      right[label]!++;
      correct++;
    }
  });
  const perClassAccuracy = total.map((count, c) => (count === 0 ? NaN : (right[c] as number) / count));
  return { accuracy: correct / testRows, correct, predictions, perClassAccuracy };
}
