import * as tf from "@tensorflow/tfjs-core";
import { NonFiniteError } from "@contrastive/core";
import { TEST_BACKENDS, finiteDifferenceGradient, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateLoss, expectLossError, flatten, randomViews, relativeGap, withTensors } from "./evaluate-loss.js";
import { negativeCosine } from "./negative-cosine.js";
import { splitViews } from "./nt-xent-reference.js";
import { negativeCosineReference } from "./reference-losses.js";

describe.each(TEST_BACKENDS)("negativeCosine on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it.each([
    [1, 3, 1],
    [5, 4, 1],
    [9, 16, 1e-3],
    [7, 5, 1e3],
  ])("N = %i, d = %i, scale %s: value and gradient equal the float64 lightly loop", (rows, columns, scale) => {
    const views = randomViews(rows * 11 + columns, 2, rows, columns, scale);
    const reference = (x: Float64Array) => {
      const [a, b] = splitViews(x, 2);
      return negativeCosineReference(a!, b!, rows, columns);
    };
    const { value, gradients } = evaluateLoss(negativeCosine(), views, [rows, columns]);
    expect(Number.isFinite(value)).toBe(true);
    expect(Math.abs(value - reference(flatten(views)))).toBeLessThan(1e-6);
    expect(relativeGap(flatten(gradients), finiteDifferenceGradient(reference, flatten(views), 1e-5 * scale))).toBeLessThan(1e-5);
  });

  it("identical views give −1, opposite views +1, orthogonal views 0", () => {
    const [a] = randomViews(2, 1, 6, 4);
    expect(evaluateLoss(negativeCosine(), [a!, a!], [6, 4]).value).toBeCloseTo(-1, 6);
    expect(evaluateLoss(negativeCosine(), [a!, a!.map((x) => -2 * x)], [6, 4]).value).toBeCloseTo(1, 6);
    expect(evaluateLoss(negativeCosine(), [[1, 0, 0, 2], [0, 3, 5, 0]], [2, 2]).value).toBeCloseTo(0, 6);
  });

  it("is symmetric, and a zero row counts as cosine 0 with finite gradients", () => {
    const [a, b] = randomViews(4, 2, 5, 3);
    expect(evaluateLoss(negativeCosine(), [a!, b!], [5, 3]).value).toBeCloseTo(evaluateLoss(negativeCosine(), [b!, a!], [5, 3]).value, 6);
    a!.fill(0, 0, 3);
    const { value, gradients } = evaluateLoss(negativeCosine(), [a!, b!], [5, 3]);
    expect(value).toBeCloseTo(negativeCosineReference(a!, b!, 5, 3), 6);
    expect(flatten(gradients).every(Number.isFinite)).toBe(true);
  });

  describe("rejects bad input with an error naming negativeCosine and the argument", () => {
    const compute = (batch: unknown) => () => tf.tidy(() => negativeCosine().compute(batch as never));

    it("views: not exactly 2, or of different shapes; labels; negatives", () => {
      withTensors([[4, 3]], (views) => expectLossError(compute({ views }), /^negativeCosine: views must be an array of exactly 2 tensors.*; got 1 view$/));
      withTensors([[4, 3], [4, 2]], (views) => expectLossError(compute({ views }), /^negativeCosine: views\[1\] must be \[N, d\] like views\[0\] = \[4, 3\]; got \[4, 2\]$/));
      withTensors([[4, 3], [4, 3], [4]], ([a, b, labels]) => expectLossError(compute({ views: [a, b], labels }), /^negativeCosine: labels must be absent/));
      withTensors([[4, 3], [4, 3], [9, 3]], ([a, b, negatives]) => expectLossError(compute({ views: [a, b], negatives }), /^negativeCosine: negatives must be absent/));
    });

    it("infinite inputs name the view", () => {
      const bad = tf.tensor2d([1, Number.POSITIVE_INFINITY, 3, 4], [2, 2]);
      const good = tf.ones([2, 2]);
      expectLossError(compute({ views: [good, bad] }), /^negativeCosine: views\[1\] must be finite embeddings.*the first \(Infinity\) at row 0, column 1$/, NonFiniteError);
      tf.dispose([bad, good]);
    });
  });
});
