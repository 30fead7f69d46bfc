import * as tf from "@tensorflow/tfjs-core";
import { NonFiniteError } from "@contrastive/core";
import type { MinedPairs, PairMiner } from "@contrastive/core";
import { TEST_BACKENDS, finiteDifferenceGradient, maxAbsDifference, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { contrastiveMargin } from "./contrastive-margin.js";
import { evaluateLoss, flatten, randomViews } from "./evaluate-loss.js";
import { contrastiveMarginReference } from "./margin-losses-reference.js";
import { splitViews } from "./nt-xent-reference.js";

const relativeGap = (actual: ArrayLike<number>, expected: ArrayLike<number>) =>
  maxAbsDifference(actual, expected) / Math.max(1e-12, ...Array.from(expected, Math.abs));

/** The all-pairs miner written out (get_all_pairs_indices), to check the miner path against the mask path. */
const everyPair: PairMiner = {
  name: "everyPair",
  mine(embeddings: tf.Tensor2D, labels: tf.Tensor1D): MinedPairs {
    const values = labels.dataSync();
    const lists: number[][] = [[], [], [], []];
    for (let a = 0; a < values.length; a++)
      for (let b = 0; b < values.length; b++) {
        if (a === b) continue;
        const k = values[a] === values[b] ? 0 : 2;
        lists[k]!.push(a);
        lists[k + 1]!.push(b);
      }
    const [positiveAnchors, positives, negativeAnchors, negatives] = lists.map((list) => tf.tensor1d(list, "int32"));
    return { positiveAnchors: positiveAnchors!, positives: positives!, negativeAnchors: negativeAnchors!, negatives: negatives! };
  },
};

const cases: { name: string; count: number; rows: number; columns: number; labels?: number[]; seed: number }[] = [
  { name: "1 view, labels, N = 8", count: 1, rows: 8, columns: 3, labels: [0, 1, 2, 0, 1, 2, 0, 1], seed: 11 },
  { name: "2 views, no labels, N = 5", count: 2, rows: 5, columns: 3, seed: 12 },
  { name: "3 views, labels, N = 4", count: 3, rows: 4, columns: 4, labels: [1, 1, 5, 5], seed: 13 },
];

describe.each(TEST_BACKENDS)("contrastiveMargin on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it.each(cases)("equals pml ContrastiveLoss in value and gradient, with and without a pair miner: $name", ({ count, rows, columns, labels, seed }) => {
    const views = randomViews(seed, count, rows, columns);
    for (const [positiveMargin, negativeMargin] of [[0, 1], [0.3, 1.2]] as const) {
      const reference = (flat: Float64Array) => contrastiveMarginReference(splitViews(flat, count), rows, columns, positiveMargin, negativeMargin, labels);
      const expected = reference(flatten(views));
      const numeric = finiteDifferenceGradient(reference, flatten(views), 1e-6);
      for (const miner of [undefined, everyPair]) {
        const { value, gradients } = evaluateLoss(contrastiveMargin({ positiveMargin, negativeMargin, miner }), views, [rows, columns], labels);
        expect(Math.abs(value - expected)).toBeLessThan(2e-6 * Math.max(1, expected));
        expect(relativeGap(flatten(gradients), numeric)).toBeLessThan(1e-3);
      }
    }
  });

  it("is 0 with a zero gradient when every pair satisfies its margin", () => {
    // two classes at opposite poles (d = 2 > negativeMargin), the rows of a class identical but for a tiny offset
    const view = [1, 0, 1, 1e-4, -1, 0, -1, 1e-4];
    const { value, gradients } = evaluateLoss(contrastiveMargin({ positiveMargin: 0.01 }), [view], [4, 2], [0, 0, 1, 1]);
    expect(value).toBe(0);
    expect(gradients[0]!.every((g) => g === 0)).toBe(true);
  });

  it("is scale-invariant and finite for embeddings scaled by 1e-3 and 1e3", () => {
    const views = randomViews(14, 2, 6, 4);
    const base = evaluateLoss(contrastiveMargin(), views, [6, 4]);
    for (const scale of [1e-3, 1e3]) {
      const { value, gradients } = evaluateLoss(contrastiveMargin(), views.map((view) => view.map((x) => x * scale)), [6, 4]);
      expect(value).toBeCloseTo(base.value, 5);
      expect(flatten(gradients).every(Number.isFinite)).toBe(true);
      expect(relativeGap(flatten(gradients).map((g) => g * scale), flatten(base.gradients))).toBeLessThan(1e-3);
    }
  });

  it("rejects bad options and inputs with errors naming contrastiveMargin and the argument", () => {
    expect(() => contrastiveMargin({ positiveMargin: -1 })).toThrow(/contrastiveMargin: positiveMargin must be a finite number ≥ 0/);
    expect(() => contrastiveMargin({ negativeMargin: Number.POSITIVE_INFINITY })).toThrow(/negativeMargin must be a finite number ≥ 0/);
    const loss = contrastiveMargin();
    const a = tf.ones([4, 3]) as tf.Tensor2D;
    const b = tf.ones([4, 2]) as tf.Tensor2D;
    const labels = tf.tensor1d([0, 1, 0, 1, 0], "int32");
    const nan = tf.tensor2d([[1, 0], [0, Number.POSITIVE_INFINITY]]);
    const badMiner: PairMiner = { name: "bad", mine: () => ({ positiveAnchors: tf.tensor1d([9], "int32"), positives: tf.tensor1d([0], "int32"), negativeAnchors: tf.tensor1d([], "int32"), negatives: tf.tensor1d([], "int32") }) };
    const before = tf.memory().numTensors;
    expect(() => loss.compute({ views: [a, b] })).toThrow(/contrastiveMargin: views\[1\] must be \[N, d\] like views\[0\] = \[4, 3\]; got \[4, 2\]/);
    expect(() => loss.compute({ views: [a], labels })).toThrow(/contrastiveMargin: labels must be a tensor of shape \[N\] = \[4\]/);
    expect(() => loss.compute({ views: [nan] })).toThrow(NonFiniteError);
    expect(() => contrastiveMargin({ miner: badMiner }).compute({ views: [a] })).toThrow(/miner \(bad\) output must be index tensors.*\[0, 4\)/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b, labels, nan]);
  });
});
