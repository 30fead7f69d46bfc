import * as tf from "@tensorflow/tfjs-core";
import { NonFiniteError } from "@contrastive/core";
import { TEST_BACKENDS, finiteDifferenceGradient, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { barlowTwins } from "./barlow-twins.js";
import { evaluateLoss, expectLossError, flatten, randomViews, relativeError, relativeGap, withTensors } from "./evaluate-loss.js";
import { splitViews } from "./nt-xent-reference.js";
import { barlowTwinsReference } from "./reference-losses.js";

describe.each(TEST_BACKENDS)("barlowTwins on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it.each([
    [3, 3, 5e-3],
    [6, 4, 5e-3],
    [16, 8, 0.1],
    [5, 9, 0],
  ])("N = %i, d = %i, λ = %s: value and gradient equal the float64 lightly loop", (rows, columns, lambda) => {
    const views = randomViews(rows * 5 + columns, 2, rows, columns);
    const reference = (x: Float64Array) => {
      const [a, b] = splitViews(x, 2);
      return barlowTwinsReference(a!, b!, rows, columns, lambda);
    };
    const { value, gradients } = evaluateLoss(barlowTwins({ lambda }), views, [rows, columns]);
    expect(relativeError(value, reference(flatten(views)))).toBeLessThan(5e-6);
    expect(relativeGap(flatten(gradients), finiteDifferenceGradient(reference, flatten(views)))).toBeLessThan(5e-5);
  });

  it("is symmetric: loss(a, b) == loss(b, a)", () => {
    const [a, b] = randomViews(3, 2, 8, 5);
    const loss = barlowTwins();
    expect(evaluateLoss(loss, [a!, b!], [8, 5]).value).toBeCloseTo(evaluateLoss(loss, [b!, a!], [8, 5]).value, 5);
  });

  it("perfectly correlated, decorrelated features give 0 (up to the batch-norm epsilon), at any affine rescaling", () => {
    // Columns of a Hadamard matrix without its constant column: zero mean, unit variance, orthogonal.
    const a = [1, 1, 1, 1, -1, -1, -1, 1, -1, -1, -1, 1];
    const b = a.map((x, i) => 3 * x + (i % 3)); // each column scaled by 3 and shifted
    expect(evaluateLoss(barlowTwins(), [a, a], [4, 3]).value).toBeLessThan(1e-8);
    expect(evaluateLoss(barlowTwins(), [a, b], [4, 3]).value).toBeLessThan(1e-8);
    // Anti-correlated: every diagonal term is (1 − (−1))² = 4.
    expect(evaluateLoss(barlowTwins(), [a, a.map((x) => -x)], [4, 3]).value).toBeCloseTo(12, 3);
  });

  it.each([1e-3, 1e3])("embeddings scaled by %s: finite, equal to the float64 loop", (scale) => {
    const views = randomViews(41, 2, 6, 4, scale);
    const reference = (x: Float64Array) => {
      const [a, b] = splitViews(x, 2);
      return barlowTwinsReference(a!, b!, 6, 4, 5e-3);
    };
    const { value, gradients } = evaluateLoss(barlowTwins(), views, [6, 4]);
    expect(Number.isFinite(value)).toBe(true);
    expect(flatten(gradients).every(Number.isFinite)).toBe(true);
    expect(relativeError(value, reference(flatten(views)))).toBeLessThan(1e-4);
    expect(relativeGap(flatten(gradients), finiteDifferenceGradient(reference, flatten(views), 1e-4 * scale))).toBeLessThan(1e-3);
  });

  describe("rejects bad input with an error naming barlowTwins and the argument", () => {
    const compute = (batch: unknown) => () => tf.tidy(() => barlowTwins().compute(batch as never));

    it.each([-1, Number.NaN, "0.1"])("lambda %s", (lambda) => {
      expectLossError(() => barlowTwins({ lambda: lambda as number }), /^barlowTwins: lambda must be a finite number ≥ 0, e\.g\. 5e-3; got /);
    });

    it("views: not exactly 2, of different shapes, or of one row; labels; negatives", () => {
      withTensors([[4, 3]], (views) => expectLossError(compute({ views }), /^barlowTwins: views must be an array of exactly 2 tensors.*; got 1 view$/));
      withTensors([[4, 3], [4, 5]], (views) => expectLossError(compute({ views }), /^barlowTwins: views\[1\] must be \[N, d\] like views\[0\] = \[4, 3\]; got \[4, 5\]$/));
      withTensors([[1, 3], [1, 3]], (views) => expectLossError(compute({ views }), /^barlowTwins: views\[0\] must be \[N, d\] with N ≥ 2 rows/));
      withTensors([[4, 3], [4, 3], [4]], ([a, b, labels]) => expectLossError(compute({ views: [a, b], labels }), /^barlowTwins: labels must be absent/));
      withTensors([[4, 3], [4, 3], [9, 3]], ([a, b, negatives]) => expectLossError(compute({ views: [a, b], negatives }), /^barlowTwins: negatives must be absent/));
    });

    it("NaN inputs name the view", () => {
      const bad = tf.tensor2d([1, 2, Number.NaN, 4], [2, 2]);
      const good = tf.tensor2d([1, 2, 3, 5], [2, 2]);
      expectLossError(compute({ views: [good, bad] }), /^barlowTwins: views\[1\] must be finite embeddings.*at row 1, column 0$/, NonFiniteError);
      tf.dispose([bad, good]);
    });
  });
});
