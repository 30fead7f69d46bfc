import * as tf from "@tensorflow/tfjs-core";
import { NonFiniteError } from "@contrastive/core";
import { TEST_BACKENDS, finiteDifferenceGradient, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateLoss, expectLossError, flatten, randomViews, relativeError, relativeGap, withTensors } from "./evaluate-loss.js";
import { splitViews } from "./nt-xent-reference.js";
import { vicRegReference } from "./reference-losses.js";
import { vicReg } from "./vic-reg.js";

describe.each(TEST_BACKENDS)("vicReg on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it.each([
    [2, 3, 25, 25, 1, 1],
    [6, 4, 25, 25, 1, 0.5],
    [12, 7, 1, 2, 3, 0.2],
    [5, 5, 0, 0, 1, 2],
  ])("N = %i, d = %i, weights (%s, %s, %s), scale %s: value and gradient equal the float64 lightly loop", (rows, columns, invariance, variance, covariance, scale) => {
    // Scales on both sides of 1 exercise both branches of the variance hinge.
    const views = randomViews(rows * 7 + columns, 2, rows, columns, scale);
    const weights = { invariance, variance, covariance };
    const reference = (x: Float64Array) => {
      const [a, b] = splitViews(x, 2);
      return vicRegReference(a!, b!, rows, columns, weights);
    };
    const loss = vicReg({ invarianceWeight: invariance, varianceWeight: variance, covarianceWeight: covariance });
    const { value, gradients } = evaluateLoss(loss, views, [rows, columns]);
    expect(relativeError(value, reference(flatten(views)))).toBeLessThan(5e-6);
    expect(relativeGap(flatten(gradients), finiteDifferenceGradient(reference, flatten(views)))).toBeLessThan(5e-5);
  });

  it("is symmetric: loss(a, b) == loss(b, a)", () => {
    const [a, b] = randomViews(3, 2, 8, 5, 0.5);
    expect(evaluateLoss(vicReg(), [a!, b!], [8, 5]).value).toBeCloseTo(evaluateLoss(vicReg(), [b!, a!], [8, 5]).value, 4);
  });

  it("identical, uncorrelated features with standard deviation ≥ 1 give 0; constant features give μ (1 − √1e-4)", () => {
    const a = [2, 2, 2, -2, -2, 2, -2, -2]; // 4 rows × 2 columns, orthogonal columns, variance 16/3
    expect(evaluateLoss(vicReg(), [a, a], [4, 2]).value).toBeCloseTo(0, 6);
    const constant = new Array(8).fill(0.7);
    expect(evaluateLoss(vicReg(), [constant, constant], [4, 2]).value).toBeCloseTo(25 * (1 - Math.sqrt(1e-4)), 4);
  });

  it.each([1e-3, 1e3])("embeddings scaled by %s: finite, equal to the float64 loop", (scale) => {
    const views = randomViews(51, 2, 6, 4, scale);
    const reference = (x: Float64Array) => {
      const [a, b] = splitViews(x, 2);
      return vicRegReference(a!, b!, 6, 4);
    };
    const { value, gradients } = evaluateLoss(vicReg(), views, [6, 4]);
    expect(Number.isFinite(value)).toBe(true);
    expect(flatten(gradients).every(Number.isFinite)).toBe(true);
    expect(relativeError(value, reference(flatten(views)))).toBeLessThan(1e-5);
    expect(relativeGap(flatten(gradients), finiteDifferenceGradient(reference, flatten(views), 1e-4 * scale))).toBeLessThan(1e-3);
  });

  describe("rejects bad input with an error naming vicReg and the argument", () => {
    const compute = (batch: unknown) => () => tf.tidy(() => vicReg().compute(batch as never));

    it("weights that are negative or not finite", () => {
      expectLossError(() => vicReg({ invarianceWeight: -1 }), /^vicReg: invarianceWeight must be a finite number ≥ 0, e\.g\. 25; got -1$/);
      expectLossError(() => vicReg({ varianceWeight: Number.NaN }), /^vicReg: varianceWeight must be a finite number ≥ 0, e\.g\. 25; got NaN$/);
      expectLossError(() => vicReg({ covarianceWeight: Number.POSITIVE_INFINITY }), /^vicReg: covarianceWeight must be a finite number ≥ 0, e\.g\. 1; got Infinity$/);
    });

    it("views: not exactly 2, of different shapes, or of one row; labels; negatives", () => {
      withTensors([[4, 3], [4, 3], [4, 3]], (views) => expectLossError(compute({ views }), /^vicReg: views must be an array of exactly 2 tensors.*; got 3 views$/));
      withTensors([[4, 3], [2, 3]], (views) => expectLossError(compute({ views }), /^vicReg: views\[1\] must be \[N, d\] like views\[0\] = \[4, 3\]; got \[2, 3\]$/));
      withTensors([[1, 3], [1, 3]], (views) => expectLossError(compute({ views }), /^vicReg: views\[0\] must be \[N, d\] with N ≥ 2 rows/));
      withTensors([[4, 3], [4, 3], [4]], ([a, b, labels]) => expectLossError(compute({ views: [a, b], labels }), /^vicReg: labels must be absent/));
      withTensors([[4, 3], [4, 3], [9, 3]], ([a, b, negatives]) => expectLossError(compute({ views: [a, b], negatives }), /^vicReg: negatives must be absent/));
    });

    it("NaN inputs name the view", () => {
      const bad = tf.tensor2d([Number.NaN, 2, 3, 4], [2, 2]);
      const good = tf.tensor2d([1, 2, 3, 5], [2, 2]);
      expectLossError(compute({ views: [bad, good] }), /^vicReg: views\[0\] must be finite embeddings.*at row 0, column 0$/, NonFiniteError);
      tf.dispose([bad, good]);
    });
  });
});
