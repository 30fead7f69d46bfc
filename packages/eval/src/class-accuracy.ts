import { ContrastiveError, describeValue } from "@contrastive/core";

/** Throws unless `labels` is an Int32Array of `rows` class ids in [0, numClasses); returns the largest. Internal. */
export function checkClassLabels(component: string, argument: string, labels: unknown, rows: number, numClasses?: number): number {
  if (!(labels instanceof Int32Array) || labels.length !== rows) {
    throw new ContrastiveError({ component, argument, received: describeValue(labels), expected: `an Int32Array of ${rows} class ids, one per feature row` });
  }
  let largest = -1;
  for (const label of labels) {
    if (label < 0 || (numClasses !== undefined && label >= numClasses)) {
      throw new ContrastiveError({ component, argument, received: `a label ${label}`, expected: `class ids ${numClasses === undefined ? "≥ 0" : `in [0, ${numClasses})`}` });
    }
    largest = Math.max(largest, label);
  }
  return largest;
}

/**
 * Top-1 accuracy of predictions against labels, overall and per class (NaN for a class with no rows;
 * NaN overall for no rows). Internal to @contrastive/eval.
 */
export function classAccuracy(predictions: Int32Array, labels: Int32Array, numClasses: number): { accuracy: number; correct: number; perClassAccuracy: Float64Array } {
  const total = new Float64Array(numClasses), right = new Float64Array(numClasses);
  let correct = 0;
  labels.forEach((label, i) => {
    total[label]!++;
    if (predictions[i] === label) {
      right[label]!++;
      correct++;
    }
  });
  return {
    accuracy: labels.length === 0 ? NaN : correct / labels.length,
    correct,
    perClassAccuracy: total.map((count, c) => (count === 0 ? NaN : (right[c] as number) / count)),
  };
}
