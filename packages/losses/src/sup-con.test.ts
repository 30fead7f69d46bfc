import * as tf from "@tensorflow/tfjs-core";
import { NonFiniteError } from "@contrastive/core";
import { TEST_BACKENDS, finiteDifferenceGradient, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateLoss, expectLossError, flatten, randomViews, relativeError, relativeGap, withTensors } from "./evaluate-loss.js";
import { splitViews } from "./nt-xent-reference.js";
import { supConReference } from "./reference-losses.js";
import { supCon } from "./sup-con.js";

describe.each(TEST_BACKENDS)("supCon on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it.each([
    [2, 5, 0.1, undefined],
    [3, 4, 0.5, undefined],
    [2, 6, 0.07, [0, 1, 0, 2, 1, 0]],
    [1, 6, 0.2, [0, 1, 0, 2, 1, 0]],
    [3, 5, 1, [4, 4, 9, 9, 9]],
    [2, 5, 0.3, [1, 2, 3, 4, 1]],
  ])("V = %i, N = %i, τ = %s, labels %j: value and gradient equal the float64 pml loop", (count, rows, temperature, labels) => {
    const columns = 4;
    const views = randomViews(count * 17 + rows, count, rows, columns);
    const reference = (x: Float64Array) => supConReference(splitViews(x, count), rows, columns, temperature, labels);
    const { value, gradients } = evaluateLoss(supCon({ temperature }), views, [rows, columns], labels);
    expect(relativeError(value, reference(flatten(views)))).toBeLessThan(2e-6);
    expect(relativeGap(flatten(gradients), finiteDifferenceGradient(reference, flatten(views)))).toBeLessThan(5e-6);
  });

  it("one label for every row (no negative pair) gives 0, as pml does; so does V = 1 with distinct labels (no positive pair)", () => {
    const views = randomViews(3, 2, 4, 3);
    expect(evaluateLoss(supCon(), views, [4, 3], [7, 7, 7, 7]).value).toBe(0);
    expect(evaluateLoss(supCon(), views.slice(0, 1), [4, 3], [1, 2, 3, 4]).value).toBe(0);
  });

  it("is symmetric in the order of the views", () => {
    const [a, b] = randomViews(5, 2, 6, 4);
    const labels = [0, 1, 1, 2, 0, 2];
    const loss = supCon({ temperature: 0.1 });
    expect(evaluateLoss(loss, [a!, b!], [6, 4], labels).value).toBeCloseTo(evaluateLoss(loss, [b!, a!], [6, 4], labels).value, 5);
  });

  it.each([1, 3])("identical embeddings, V = 2, N = %i distinct labels: log(2N − 1)", (rows) => {
    const view = Array.from({ length: rows }, () => [1, -2, 0.5]).flat();
    expect(evaluateLoss(supCon({ temperature: 0.3 }), [view, view], [rows, 3]).value).toBeCloseTo(Math.log(2 * rows - 1), 5);
  });

  it.each([1e-3, 1, 1e3])("τ = 0.01, embeddings scaled by %s: finite, equal to the float64 loop", (scale) => {
    const labels = [0, 1, 0, 2, 1, 2];
    const views = randomViews(21, 2, 6, 5, scale);
    const reference = (x: Float64Array) => supConReference(splitViews(x, 2), 6, 5, 0.01, labels);
    const { value, gradients } = evaluateLoss(supCon({ temperature: 0.01 }), views, [6, 5], labels);
    expect(Number.isFinite(value)).toBe(true);
    expect(flatten(gradients).every(Number.isFinite)).toBe(true);
    expect(Math.abs(value - reference(flatten(views))) / Math.max(1, reference(flatten(views)))).toBeLessThan(1e-4);
    expect(relativeGap(flatten(gradients), finiteDifferenceGradient(reference, flatten(views), 1e-5 * scale))).toBeLessThan(1e-5);
  });

  describe("rejects bad input with an error naming supCon and the argument", () => {
    const compute = (batch: unknown) => () => tf.tidy(() => supCon().compute(batch as never));

    it.each([0, -0.1, Number.POSITIVE_INFINITY])("temperature %s", (temperature) => {
      expectLossError(() => supCon({ temperature }), /^supCon: temperature must be a finite number > 0, e\.g\. 0\.1; got /);
    });

    it("one view without labels; views of different shapes; labels of the wrong length; negatives", () => {
      withTensors([[4, 3]], (views) => expectLossError(compute({ views }), /^supCon: views must be at least 2 views, or labels \[N\].*; got 1 view and no labels$/));
      withTensors([[4, 3], [4, 2]], (views) => expectLossError(compute({ views }), /^supCon: views\[1\] must be \[N, d\] like views\[0\] = \[4, 3\]; got \[4, 2\]$/));
      withTensors([[4, 3], [4, 3], [5]], ([a, b, labels]) => expectLossError(compute({ views: [a, b], labels }), /^supCon: labels must be a tensor of shape \[N\] = \[4\].*; got float32 tensor of shape \[5\]$/));
      withTensors([[4, 3], [4, 3], [8, 3]], ([a, b, negatives]) => expectLossError(compute({ views: [a, b], negatives }), /^supCon: negatives must be absent: .*infoNce.*; got float32 tensor of shape \[8, 3\]$/));
    });

    it("NaN inputs name the view", () => {
      const bad = tf.tensor2d([1, Number.NaN, 3, 4], [2, 2]);
      const good = tf.ones([2, 2]);
      expectLossError(compute({ views: [good, bad] }), /^supCon: views\[1\] must be finite embeddings.*the first \(NaN\) at row 0, column 1$/, NonFiniteError);
      tf.dispose([bad, good]);
    });
  });
});
