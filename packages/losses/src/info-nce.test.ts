import * as tf from "@tensorflow/tfjs-core";
import type { Loss } from "@contrastive/core";
import { NonFiniteError } from "@contrastive/core";
import { TEST_BACKENDS, finiteDifferenceGradient, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateLoss, expectLossError, flatten, randomViews, relativeError, relativeGap, withTensors } from "./evaluate-loss.js";
import { infoNce } from "./info-nce.js";
import { infoNceAutodiff } from "./info-nce-kernel.js";
import { splitViews } from "./nt-xent-reference.js";
import { infoNceReference } from "./reference-losses.js";

/** The plain-op forward differentiated by autodiff, to check the custom gradient against (negatives copied as constants). */
const autodiff = (temperature: number, inBatch: boolean): Loss => ({
  name: "infoNce (autodiff)",
  compute: ({ views, negatives }) => {
    const constant = negatives === undefined ? undefined : tf.tensor2d(negatives.dataSync() as Float32Array, negatives.shape);
    return infoNceAutodiff(temperature, inBatch)(views[0]!, views[1]!, constant);
  },
});

describe.each(TEST_BACKENDS)("infoNce on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it.each([
    [true, 0, 0.07],
    [true, 5, 0.5],
    [false, 7, 0.07],
    [false, 1, 1],
  ])("inBatchNegatives %s, K = %i negatives, τ = %s: value and gradient equal the float64 loop", (inBatchNegatives, negativeRows, temperature) => {
    const [rows, columns] = [6, 5];
    const views = randomViews(negativeRows * 10 + rows, 2, rows, columns);
    const bank = negativeRows === 0 ? undefined : randomViews(99 + negativeRows, 1, negativeRows, columns)[0]!;
    const negatives = bank === undefined ? undefined : { values: bank, shape: [negativeRows, columns] as [number, number] };
    const reference = (x: Float64Array) => {
      const [q, k] = splitViews(x, 2);
      return infoNceReference(q!, k!, rows, columns, temperature, { negatives: bank, negativeRows, inBatchNegatives });
    };
    const loss = infoNce({ temperature, inBatchNegatives });
    const { value, gradients } = evaluateLoss(loss, views, [rows, columns], undefined, negatives);
    expect(relativeError(value, reference(flatten(views)))).toBeLessThan(2e-6);
    expect(relativeGap(flatten(gradients), finiteDifferenceGradient(reference, flatten(views)))).toBeLessThan(5e-6);
    const plain = evaluateLoss(autodiff(temperature, inBatchNegatives), views, [rows, columns], undefined, negatives);
    expect(plain.value).toBeCloseTo(value, 5);
    expect(relativeGap(flatten(gradients), flatten(plain.gradients))).toBeLessThan(5e-6);
  });

  it("without extra negatives equals the one-directional SimCLR loss (queries against keys)", () => {
    const views = randomViews(4, 2, 5, 3);
    const { value } = evaluateLoss(infoNce({ temperature: 0.2 }), views, [5, 3]);
    expect(relativeError(value, infoNceReference(views[0]!, views[1]!, 5, 3, 0.2))).toBeLessThan(2e-6);
  });

  it.each([
    [true, 1, 4],
    [true, 3, 4],
    [false, 3, 1],
    [false, 2, 7],
  ])("identical embeddings, inBatchNegatives %s, N = %i, K = %i equal negatives: log(N + K) (MoCo: log(1 + K))", (inBatchNegatives, rows, negativeRows) => {
    const row = [0.2, -1, 3];
    const view = Array.from({ length: rows }, () => row).flat();
    const bank = Array.from({ length: negativeRows }, () => row.map((x) => 2 * x)).flat();
    for (const temperature of [0.07, 1]) {
      const { value } = evaluateLoss(infoNce({ temperature, inBatchNegatives }), [view, view], [rows, 3], undefined, { values: bank, shape: [negativeRows, 3] });
      expect(value).toBeCloseTo(Math.log((inBatchNegatives ? rows : 1) + negativeRows), 5);
    }
  });

  describe("stability at τ = 0.01", () => {
    it.each([1e-3, 1, 1e3])("embeddings and negatives scaled by %s: finite, equal to the float64 loop", (scale) => {
      for (const inBatchNegatives of [true, false]) {
        const views = randomViews(7, 2, 6, 5, scale);
        const bank = randomViews(8, 1, 4, 5, scale)[0]!;
        const reference = (x: Float64Array) => {
          const [q, k] = splitViews(x, 2);
          return infoNceReference(q!, k!, 6, 5, 0.01, { negatives: bank, negativeRows: 4, inBatchNegatives });
        };
        const { value, gradients } = evaluateLoss(infoNce({ temperature: 0.01, inBatchNegatives }), views, [6, 5], undefined, { values: bank, shape: [4, 5] });
        expect(Number.isFinite(value)).toBe(true);
        expect(flatten(gradients).every(Number.isFinite)).toBe(true);
        expect(Math.abs(value - reference(flatten(views))) / Math.max(1, reference(flatten(views)))).toBeLessThan(1e-4);
        expect(relativeGap(flatten(gradients), finiteDifferenceGradient(reference, flatten(views), 1e-5 * scale))).toBeLessThan(1e-5);
      }
    });
  });

  describe("rejects bad input with an error naming infoNce and the argument", () => {
    const compute = (batch: unknown, options = {}) => () => tf.tidy(() => infoNce(options).compute(batch as never));

    it.each([0, -1, Number.NaN])("temperature %s", (temperature) => {
      expectLossError(() => infoNce({ temperature }), /^infoNce: temperature must be a finite number > 0, e\.g\. 0\.07; got /);
    });

    it("inBatchNegatives not a boolean", () => {
      expectLossError(() => infoNce({ inBatchNegatives: "yes" as never }), /^infoNce: inBatchNegatives must be true or false; got "yes"$/);
    });

    it("views: not exactly 2, or of different shapes", () => {
      withTensors([[4, 3]], (views) => expectLossError(compute({ views }), /^infoNce: views must be an array of exactly 2 tensors \[N, d\].*; got 1 view$/));
      withTensors([[4, 3], [4, 3], [4, 3]], (views) => expectLossError(compute({ views }), /^infoNce: views must be an array of exactly 2 .*; got 3 views$/));
      withTensors([[4, 3], [5, 3]], (views) => expectLossError(compute({ views }), /^infoNce: views\[1\] must be \[N, d\] like views\[0\] = \[4, 3\]; got \[5, 3\]$/));
    });

    it("negatives of the wrong width, or missing when inBatchNegatives is false", () => {
      withTensors([[4, 3], [4, 3], [10, 2]], ([a, b, negatives]) =>
        expectLossError(compute({ views: [a, b], negatives }), /^infoNce: negatives must be a tensor \[K, d\] = \[K, 3\] .*; got float32 tensor of shape \[10, 2\]$/));
      withTensors([[4, 3], [4, 3]], (views) =>
        expectLossError(compute({ views }, { inBatchNegatives: false }), /^infoNce: negatives must be a tensor \[K, d\] when inBatchNegatives is false.*; got undefined$/));
    });

    it("labels: points to supCon", () => {
      withTensors([[4, 3], [4, 3], [4]], ([a, b, labels]) => expectLossError(compute({ views: [a, b], labels }), /^infoNce: labels must be absent: .*supCon.*; got float32 tensor of shape \[4\]$/));
    });

    it("NaN in a view or in the negatives names it", () => {
      withTensors([[4, 3], [4, 3], [6, 3]], ([a, b, negatives]) => {
        const bad = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, Number.NaN], [4, 3]);
        expectLossError(compute({ views: [a, bad] }), /^infoNce: views\[1\] must be finite embeddings.*; got 1 non-finite value in a tensor of shape \[4, 3\], the first \(NaN\) at row 3, column 2$/, NonFiniteError);
        const badNegatives = tf.fill([6, 3], Number.NaN) as tf.Tensor2D;
        expectLossError(compute({ views: [a, b], negatives: badNegatives }), /^infoNce: negatives must be finite.*; got 18 non-finite values/, NonFiniteError);
        tf.dispose([bad, badNegatives, negatives!]);
      });
    });
  });
});
