import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, NonFiniteError } from "@contrastive/core";
import { TEST_BACKENDS, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateLoss, expectLossError, randomViews } from "./evaluate-loss.js";
import { ntXent } from "./nt-xent.js";
import { pmlReference, simclrReference } from "./nt-xent-reference.js";

const relativeError = (actual: number, expected: number) => Math.abs(actual - expected) / Math.max(1, Math.abs(expected));

describe.each(TEST_BACKENDS)("ntXent on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  describe.each([0.07, 0.5, 1])("τ = %s", (temperature) => {
    it.each([
      [1, 3],
      [4, 2],
      [8, 16],
      [33, 7],
    ])("two views, N = %i, d = %i: equals the float64 SimCLR loop", (rows, columns) => {
      const views = randomViews(rows * 100 + columns, 2, rows, columns);
      const { value } = evaluateLoss(ntXent({ temperature }), views, [rows, columns]);
      expect(relativeError(value, simclrReference(views[0]!, views[1]!, rows, columns, temperature))).toBeLessThan(2e-6);
    });

    it.each([
      [3, 5, 4],
      [4, 4, 3],
    ])("V = %i views, N = %i, d = %i: equals the float64 pml loop", (count, rows, columns) => {
      const views = randomViews(count * 7 + rows, count, rows, columns);
      const { value } = evaluateLoss(ntXent({ temperature }), views, [rows, columns]);
      expect(relativeError(value, pmlReference(views, rows, columns, temperature))).toBeLessThan(2e-6);
    });

    it.each([
      [2, [0, 1, 0, 2, 1, 0]],
      [3, [5, 5, 7, 7, 7]],
      [2, [3, 3, 3, 3]],
    ])("V = %i with labels %j: equals the float64 pml loop", (count, labels) => {
      const rows = labels.length;
      const views = randomViews(rows + count, count, rows, 6);
      const { value } = evaluateLoss(ntXent({ temperature }), views, [rows, 6], labels);
      expect(relativeError(value, pmlReference(views, rows, 6, temperature, labels))).toBeLessThan(2e-6);
    });
  });

  it("the SimCLR and pml definitions coincide for V = 2 without labels", () => {
    const views = randomViews(11, 2, 9, 5);
    expect(pmlReference(views, 9, 5, 0.3)).toBeCloseTo(simclrReference(views[0]!, views[1]!, 9, 5, 0.3), 12);
    // The fast path (V = 2) and the general path (distinct labels: the same positives) agree too.
    const labels = Array.from({ length: 9 }, (_, i) => 10 + i);
    const fast = evaluateLoss(ntXent({ temperature: 0.3 }), views, [9, 5]).value;
    expect(evaluateLoss(ntXent({ temperature: 0.3 }), views, [9, 5], labels).value).toBeCloseTo(fast, 5);
  });

  it.each([1, 4, 16])("identical embeddings give log(2N − 1), N = %i", (rows) => {
    const row = [0.3, -1.2, 2, 0.5];
    const view = Array.from({ length: rows }, () => row).flat();
    for (const temperature of [0.07, 0.5, 1]) {
      const { value } = evaluateLoss(ntXent({ temperature }), [view, view], [rows, 4]);
      expect(value).toBeCloseTo(Math.log(2 * rows - 1), 5);
    }
  });

  it("is symmetric: loss(a, b) == loss(b, a)", () => {
    const [a, b] = randomViews(5, 2, 12, 8);
    const loss = ntXent({ temperature: 0.1 });
    expect(evaluateLoss(loss, [a!, b!], [12, 8]).value).toBeCloseTo(evaluateLoss(loss, [b!, a!], [12, 8]).value, 5);
  });

  describe("rejects bad input with an error naming ntXent and the argument", () => {
    const expectError = expectLossError;
    const compute = (batch: unknown) => () => tf.tidy(() => ntXent().compute(batch as never));
    const withViews = <T>(shapes: number[][], run: (views: tf.Tensor2D[]) => T): T => {
      const views = shapes.map((shape) => tf.tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1), shape) as tf.Tensor as tf.Tensor2D);
      try {
        return run(views);
      } finally {
        tf.dispose(views);
      }
    };

    it.each([0, -0.5, Number.NaN, Number.POSITIVE_INFINITY])("temperature %s", (temperature) => {
      expectError(() => ntXent({ temperature }), /^ntXent: temperature must be a finite number > 0, e\.g\. 0\.5; got /);
    });

    it("fewer than 2 views", () => {
      expectError(compute({ views: [] }), /^ntXent: views must be an array of at least 2 tensors \[N, d\].*; got 0 views$/);
      withViews([[4, 3]], (views) => expectError(compute({ views }), /ntXent: views must .*; got 1 view$/));
      expectError(compute({}), /ntXent: views must .*; got undefined$/);
    });

    it("views not of rank 2", () => {
      withViews([[4, 3], [4, 3, 1]], (views) => expectError(compute({ views }), /^ntXent: views\[1\] must be a rank-2 tensor \[N, d\]; got float32 tensor of shape \[4, 3, 1\]$/));
      withViews([[4, 3]], ([view]) => expectError(compute({ views: [view, [1, 2]] }), /^ntXent: views\[1\] must be a rank-2 tensor/));
    });

    it("views of different shapes", () => {
      withViews([[128, 64], [64, 64]], (views) => expectError(compute({ views }), /^ntXent: views\[1\] must be \[N, d\] like views\[0\] = \[128, 64\]; got \[64, 64\]$/));
      withViews([[4, 3], [4, 3], [4, 2]], (views) => expectError(compute({ views }), /^ntXent: views\[2\] must be \[N, d\] like views\[0\] = \[4, 3\]; got \[4, 2\]$/));
      withViews([[0, 3], [0, 3]], (views) => expectError(compute({ views }), /^ntXent: views\[0\] must be \[N, d\] with N ≥ 1/));
    });

    it("labels of the wrong length", () => {
      withViews([[4, 3], [4, 3]], (views) => {
        const labels = tf.tensor1d([0, 1, 2], "int32");
        expectError(compute({ views, labels }), /^ntXent: labels must be a tensor of shape \[N\] = \[4\], .*; got int32 tensor of shape \[3\]$/);
        labels.dispose();
      });
    });

    it("extra negatives: points to infoNce", () => {
      withViews([[4, 3], [4, 3], [10, 3]], ([a, b, negatives]) => expectError(compute({ views: [a, b], negatives }), /^ntXent: negatives must be absent: .*use infoNce.*; got float32 tensor of shape \[10, 3\]$/));
    });

    it.each([2, 3])("NaN or infinite inputs name the view (V = %i)", (count) => {
      const views = randomViews(3, count, 5, 4);
      views[1]![2 * 4 + 1] = Number.NaN;
      const tensors = views.map((view) => tf.tensor2d(Float32Array.from(view), [5, 4]));
      expectError(compute({ views: tensors }), /^ntXent: views\[1\] must be finite embeddings.*; got 1 non-finite value in a tensor of shape \[5, 4\], the first \(NaN\) at row 2, column 1$/, NonFiniteError);
      tf.dispose(tensors);
      const infinite = views.map((view) => tf.tensor2d(Float32Array.from(view, () => Number.POSITIVE_INFINITY), [5, 4]));
      expectError(compute({ views: infinite }), /^ntXent: views\[0\] must be finite embeddings.*; got 20 non-finite values/, NonFiniteError);
      tf.dispose(infinite);
    });
  });
});
