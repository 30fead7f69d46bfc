import * as tf from "@tensorflow/tfjs-core";
import { NonFiniteError } from "@contrastive/core";
import { TEST_BACKENDS, finiteDifferenceGradient, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { dcl } from "./dcl.js";
import { evaluateLoss, expectLossError, flatten, randomViews, relativeError, relativeGap, withTensors } from "./evaluate-loss.js";
import { splitViews } from "./nt-xent-reference.js";
import { dclReference } from "./reference-losses.js";

describe.each(TEST_BACKENDS)("dcl on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it.each([
    [2, 3, 0.1],
    [5, 4, 0.5],
    [8, 6, 0.07],
    [17, 3, 1],
  ])("N = %i, d = %i, τ = %s: value and gradient equal the float64 loop of Eq. 6", (rows, columns, temperature) => {
    const views = randomViews(rows * 3 + columns, 2, rows, columns);
    const reference = (x: Float64Array) => {
      const [a, b] = splitViews(x, 2);
      return dclReference(a!, b!, rows, columns, temperature);
    };
    const { value, gradients } = evaluateLoss(dcl({ temperature }), views, [rows, columns]);
    expect(relativeError(value, reference(flatten(views)))).toBeLessThan(2e-6);
    expect(relativeGap(flatten(gradients), finiteDifferenceGradient(reference, flatten(views)))).toBeLessThan(5e-6);
  });

  it("is symmetric: loss(a, b) == loss(b, a)", () => {
    const [a, b] = randomViews(9, 2, 7, 5);
    const loss = dcl({ temperature: 0.2 });
    expect(evaluateLoss(loss, [a!, b!], [7, 5]).value).toBeCloseTo(evaluateLoss(loss, [b!, a!], [7, 5]).value, 5);
  });

  it.each([2, 5])("identical embeddings, N = %i: log(2N − 2) (every similarity is 1 / τ; 2N − 2 negatives, no positive in the denominator)", (rows) => {
    const view = Array.from({ length: rows }, () => [0.5, 2, -1]).flat();
    for (const temperature of [0.1, 1]) {
      expect(evaluateLoss(dcl({ temperature }), [view, view], [rows, 3]).value).toBeCloseTo(Math.log(2 * rows - 2), 4);
    }
  });

  it.each([1e-3, 1, 1e3])("τ = 0.01, embeddings scaled by %s: finite, equal to the float64 loop", (scale) => {
    const views = randomViews(31, 2, 6, 5, scale);
    const reference = (x: Float64Array) => {
      const [a, b] = splitViews(x, 2);
      return dclReference(a!, b!, 6, 5, 0.01);
    };
    const { value, gradients } = evaluateLoss(dcl({ temperature: 0.01 }), views, [6, 5]);
    expect(Number.isFinite(value)).toBe(true);
    expect(flatten(gradients).every(Number.isFinite)).toBe(true);
    expect(Math.abs(value - reference(flatten(views))) / Math.max(1, Math.abs(reference(flatten(views))))).toBeLessThan(1e-4);
    expect(relativeGap(flatten(gradients), finiteDifferenceGradient(reference, flatten(views), 1e-5 * scale))).toBeLessThan(1e-5);
  });

  describe("rejects bad input with an error naming dcl and the argument", () => {
    const compute = (batch: unknown) => () => tf.tidy(() => dcl().compute(batch as never));

    it.each([0, -2, Number.NaN])("temperature %s", (temperature) => {
      expectLossError(() => dcl({ temperature }), /^dcl: temperature must be a finite number > 0, e\.g\. 0\.1; got /);
    });

    it("views: not exactly 2, of different shapes, or of one row; labels; negatives", () => {
      withTensors([[4, 3], [4, 3], [4, 3]], (views) => expectLossError(compute({ views }), /^dcl: views must be an array of exactly 2 tensors.*; got 3 views$/));
      withTensors([[4, 3], [3, 3]], (views) => expectLossError(compute({ views }), /^dcl: views\[1\] must be \[N, d\] like views\[0\] = \[4, 3\]; got \[3, 3\]$/));
      withTensors([[1, 3], [1, 3]], (views) => expectLossError(compute({ views }), /^dcl: views\[0\] must be \[N, d\] with N ≥ 2 rows.*; got \[1, 3\]$/));
      withTensors([[4, 3], [4, 3], [4]], ([a, b, labels]) => expectLossError(compute({ views: [a, b], labels }), /^dcl: labels must be absent: .*supCon/));
      withTensors([[4, 3], [4, 3], [9, 3]], ([a, b, negatives]) => expectLossError(compute({ views: [a, b], negatives }), /^dcl: negatives must be absent: .*infoNce/));
    });

    it("NaN inputs name the view", () => {
      const bad = tf.tensor2d([1, 2, 3, Number.NaN], [2, 2]);
      const good = tf.ones([2, 2]);
      expectLossError(compute({ views: [bad, good] }), /^dcl: views\[0\] must be finite embeddings.*at row 1, column 1$/, NonFiniteError);
      tf.dispose([bad, good]);
    });
  });
});
