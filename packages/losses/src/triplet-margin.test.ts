import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, NonFiniteError } from "@contrastive/core";
import type { MinedTriplets, Miner } from "@contrastive/core";
import { TEST_BACKENDS, finiteDifferenceGradient, maxAbsDifference, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateLoss, flatten, randomViews } from "./evaluate-loss.js";
import { contrastiveMargin } from "./contrastive-margin.js";
import { type Triplet, torchMarginLosses, tripletMarginReference } from "./margin-losses-reference.js";
import { splitViews } from "./nt-xent-reference.js";
import { tripletMargin, type TripletReduction } from "./triplet-margin.js";

/** A miner that returns fixed triplets and records what it was given. */
function fixedMiner(triplets: Triplet[]): Miner & { seen: { shape: number[]; labels: number[] }[] } {
  const seen: { shape: number[]; labels: number[] }[] = [];
  return {
    name: "fixed",
    seen,
    mine(embeddings: tf.Tensor2D, labels: tf.Tensor1D): MinedTriplets {
      seen.push({ shape: embeddings.shape, labels: Array.from(labels.dataSync()) });
      const column = (k: number) => tf.tensor1d(triplets.map((t) => t[k]!), "int32");
      return { anchors: column(0), positives: column(1), negatives: column(2) };
    },
  };
}

const relativeGap = (actual: ArrayLike<number>, expected: ArrayLike<number>) =>
  maxAbsDifference(actual, expected) / Math.max(1e-12, ...Array.from(expected, Math.abs));

const cases: { name: string; count: number; rows: number; columns: number; labels?: number[]; seed: number }[] = [
  { name: "1 view, labels, N = 8", count: 1, rows: 8, columns: 4, labels: [0, 1, 2, 0, 1, 2, 0, 1], seed: 1 },
  { name: "2 views, no labels, N = 5", count: 2, rows: 5, columns: 3, seed: 2 },
  { name: "3 views, labels, N = 4", count: 3, rows: 4, columns: 5, labels: [4, 4, 9, 9], seed: 3 },
];

describe.each(TEST_BACKENDS)("tripletMargin on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it.each(cases)("equals pml TripletMarginLoss in value and gradient (plain loops, finite differences): $name", ({ count, rows, columns, labels, seed }) => {
    const views = randomViews(seed, count, rows, columns);
    for (const margin of [0.05, 0.5]) {
      for (const reduction of ["meanNonZero", "mean", "sum"] as TripletReduction[]) {
        const reference = (flat: Float64Array) => tripletMarginReference(splitViews(flat, count), rows, columns, margin, reduction, labels);
        const { value, gradients } = evaluateLoss(tripletMargin({ margin, reduction }), views, [rows, columns], labels);
        const expected = reference(flatten(views));
        expect(expected).toBeGreaterThan(0);
        expect(Math.abs(value - expected) / Math.max(1, expected)).toBeLessThan(2e-6);
        const numeric = finiteDifferenceGradient(reference, flatten(views), 1e-6);
        expect(relativeGap(flatten(gradients), numeric)).toBeLessThan(1e-3);
      }
    }
  });

  it("with a miner: uses only its triplets over the stacked views and labels, indices constant", () => {
    const [rows, columns, labels] = [4, 3, [0, 1, 0, 1]];
    const views = randomViews(5, 2, rows, columns);
    const triplets: Triplet[] = [[0, 2, 1], [4, 6, 3], [1, 7, 0], [2, 4, 5]];
    const miner = fixedMiner(triplets);
    const reference = (flat: Float64Array) => tripletMarginReference(splitViews(flat, 2), rows, columns, 0.3, "mean", labels, triplets);
    const { value, gradients } = evaluateLoss(tripletMargin({ margin: 0.3, reduction: "mean", miner }), views, [rows, columns], labels);
    expect(miner.seen[0]).toEqual({ shape: [8, 3], labels: [0, 1, 0, 1, 0, 1, 0, 1] });
    expect(value).toBeCloseTo(reference(flatten(views)), 5);
    expect(relativeGap(flatten(gradients), finiteDifferenceGradient(reference, flatten(views), 1e-6))).toBeLessThan(1e-3);
  });

  it("is 0 with a zero gradient when there is no triplet (one class; a miner that finds none)", () => {
    const views = randomViews(6, 1, 4, 3);
    for (const loss of [tripletMargin(), tripletMargin({ miner: fixedMiner([]) })]) {
      const { value, gradients } = evaluateLoss(loss, views, [4, 3], [2, 2, 2, 2]);
      expect(value).toBe(0);
      expect(gradients[0]!.every((g) => g === 0)).toBe(true);
    }
  });

  it("meanNonZero is 0 once every triplet satisfies the margin", () => {
    // classes on opposite poles: d(a, p) = 0, d(a, n) = 2 > margin
    const view = [1, 0, 1, 0, -1, 0, -1, 0].map((x, i) => x + (i % 2) * 1e-3 * i);
    const { value } = evaluateLoss(tripletMargin({ margin: 0.5 }), [view], [4, 2], [0, 0, 1, 1]);
    expect(value).toBe(0);
  });

  it("is scale-invariant and finite for embeddings scaled by 1e-3 and 1e3", () => {
    const views = randomViews(7, 2, 6, 4);
    const base = evaluateLoss(tripletMargin({ margin: 0.2 }), views, [6, 4]);
    for (const scale of [1e-3, 1e3]) {
      const scaled = views.map((view) => view.map((x) => x * scale));
      const { value, gradients } = evaluateLoss(tripletMargin({ margin: 0.2 }), scaled, [6, 4]);
      expect(value).toBeCloseTo(base.value, 5);
      const flat = flatten(gradients);
      expect(flat.every(Number.isFinite)).toBe(true);
      // d(loss)/d(s·x) = (1/s) d(loss)/dx
      expect(relativeGap(flat.map((g) => g * scale), flatten(base.gradients))).toBeLessThan(1e-3);
    }
  });

  it("rejects bad options and inputs with errors naming tripletMargin and the argument", () => {
    expect(() => tripletMargin({ margin: -0.1 })).toThrow(/tripletMargin: margin must be a finite number ≥ 0/);
    expect(() => tripletMargin({ margin: Number.NaN })).toThrow(ContrastiveError);
    expect(() => tripletMargin({ reduction: "max" as TripletReduction })).toThrow(/reduction must be one of "meanNonZero", "mean", "sum"; got "max"/);
    const loss = tripletMargin();
    const a = tf.ones([4, 3]) as tf.Tensor2D;
    const b = tf.ones([3, 3]) as tf.Tensor2D;
    const labels = tf.tensor1d([0, 1, 0], "int32");
    const nan = tf.tensor2d([[1, 0], [Number.NaN, 1]]);
    const before = tf.memory().numTensors;
    expect(() => loss.compute({ views: [a, b] })).toThrow(/tripletMargin: views\[1\] must be \[N, d\] like views\[0\] = \[4, 3\]; got \[3, 3\]/);
    expect(() => loss.compute({ views: [a], labels })).toThrow(/tripletMargin: labels must be a tensor of shape \[N\] = \[4\]/);
    expect(() => loss.compute({ views: [a], negatives: b })).toThrow(/tripletMargin: negatives must be absent/);
    expect(() => loss.compute({ views: [nan] })).toThrow(NonFiniteError);
    expect(() => tripletMargin({ miner: fixedMiner([]) }).compute({ views: [nan] })).toThrow(/tripletMargin: views\[0\] must be finite.*row 1, column 0/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b, labels, nan]);
  });
});

describe.each(TEST_BACKENDS)("tripletMargin and contrastiveMargin against PyTorch on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("equal pml's definitions written in torch (float64 autograd), in value and gradient", async (context) => {
    const [rows, columns, labels] = [6, 4, [0, 1, 2, 0, 1, 2]];
    const views = randomViews(21, 2, rows, columns);
    const torch = await torchMarginLosses({ views, rows, columns, labels, margin: 0.2, positiveMargin: 0.1, negativeMargin: 0.9 });
    if (typeof torch === "string") return context.skip(`skipped: ${torch}`);
    const triplet = evaluateLoss(tripletMargin({ margin: 0.2 }), views, [rows, columns], labels);
    const contrastive = evaluateLoss(contrastiveMargin({ positiveMargin: 0.1, negativeMargin: 0.9 }), views, [rows, columns], labels);
    for (const [ours, theirs] of [[triplet, torch.triplet], [contrastive, torch.contrastive]] as const) {
      expect(Math.abs(ours.value - theirs.loss)).toBeLessThan(2e-6 * Math.max(1, theirs.loss));
      expect(relativeGap(flatten(ours.gradients), theirs.grads.flat())).toBeLessThan(1e-4);
    }
  });
});
