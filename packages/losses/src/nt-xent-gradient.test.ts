import type { Loss } from "@contrastive/core";
import { TEST_BACKENDS, finiteDifferenceGradient, maxAbsDifference, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateLoss, flatten, randomViews } from "./evaluate-loss.js";
import { ntXent } from "./nt-xent.js";
import { multiViewNtXent } from "./nt-xent-multi-view.js";
import { pmlReference, simclrReference, splitViews } from "./nt-xent-reference.js";
import { formOf, twoViewNtXentAutodiff } from "./nt-xent-two-view.js";

/** max |actual − expected| relative to the largest |expected| (float32 against float64). */
function relativeGap(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  return maxAbsDifference(actual, expected) / Math.max(1e-12, ...Array.from(expected, Math.abs));
}

/** The plain-op forward of the two-view path, differentiated by autodiff instead of the custom gradient. */
const autodiffTwoView = (temperature: number): Loss => ({
  name: "ntXent (autodiff)",
  compute: ({ views }) => twoViewNtXentAutodiff(temperature)(views[0]!, views[1]!),
});

/** The general path (pml semantics, autodiff) for any number of views. */
const generalPath = (temperature: number): Loss => ({
  name: "ntXent (general path)",
  compute: ({ views, labels }) => multiViewNtXent(views, labels, temperature),
});

describe.each(TEST_BACKENDS)("ntXent gradients on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it.each([
    [3, 4, 0.07],
    [5, 3, 0.5],
    [8, 6, 1],
    [16, 8, 0.2],
  ])("two views, N = %i, d = %i, τ = %s: the custom gradient equals float64 finite differences and autodiff", (rows, columns, temperature) => {
    const views = randomViews(rows * 31 + columns, 2, rows, columns);
    const reference = finiteDifferenceGradient((x) => {
      const [a, b] = splitViews(x, 2);
      return simclrReference(a!, b!, rows, columns, temperature);
    }, flatten(views));
    const custom = evaluateLoss(ntXent({ temperature }), views, [rows, columns]);
    expect(relativeGap(flatten(custom.gradients), reference)).toBeLessThan(5e-6);
    for (const plain of [autodiffTwoView(temperature), generalPath(temperature)]) {
      const autodiff = evaluateLoss(plain, views, [rows, columns]);
      expect(autodiff.value).toBeCloseTo(custom.value, 5);
      expect(relativeGap(flatten(custom.gradients), flatten(autodiff.gradients))).toBeLessThan(5e-6);
    }
  });

  it.each([
    [3, 4, 3, 0.1, undefined],
    [4, 3, 5, 0.5, undefined],
    [2, 6, 4, 0.07, [0, 1, 0, 2, 1, 0]],
    [3, 5, 3, 1, [4, 4, 9, 9, 9]],
  ])("V = %i, N = %i, d = %i, τ = %s, labels %j: the gradient equals float64 finite differences", (count, rows, columns, temperature, labels) => {
    const views = randomViews(count * 13 + rows, count, rows, columns);
    const reference = finiteDifferenceGradient((x) => pmlReference(splitViews(x, count), rows, columns, temperature, labels), flatten(views));
    const { gradients } = evaluateLoss(ntXent({ temperature }), views, [rows, columns], labels);
    expect(gradients).toHaveLength(count);
    expect(relativeGap(flatten(gradients), reference)).toBeLessThan(5e-6);
  });

  it("a zero row (norm below the epsilon): the custom gradient equals autodiff's", () => {
    const views = randomViews(2, 2, 4, 3);
    views[0]!.fill(0, 3, 6);
    const custom = evaluateLoss(ntXent({ temperature: 0.5 }), views, [4, 3]);
    const autodiff = evaluateLoss(autodiffTwoView(0.5), views, [4, 3]);
    expect(Number.isFinite(custom.value)).toBe(true);
    expect(relativeGap(flatten(custom.gradients), flatten(autodiff.gradients))).toBeLessThan(1e-5);
  });

  it.each([
    [4, 0.5, "softmax"],
    [12, 0.026, "constant-shift"],
    [4, 0.02, "row-max"],
  ] as const)("two views, N = %i, τ = %s, the %s form of the log-sum-exp: value and gradient equal the float64 loop", (rows, temperature, form) => {
    expect(formOf(temperature, 2 * rows)).toBe(form);
    const views = randomViews(rows * 7 + 1, 2, rows, 4);
    const reference = finiteDifferenceGradient((x) => {
      const [a, b] = splitViews(x, 2);
      return simclrReference(a!, b!, rows, 4, temperature);
    }, flatten(views), 1e-5);
    const expected = simclrReference(views[0]!, views[1]!, rows, 4, temperature);
    const custom = evaluateLoss(ntXent({ temperature }), views, [rows, 4]);
    expect(Math.abs(custom.value - expected) / expected).toBeLessThan(1e-5);
    expect(relativeGap(flatten(custom.gradients), reference)).toBeLessThan(1e-5);
  });

  describe("stability at τ = 0.01", () => {
    it.each([1e-3, 1, 1e3])("embeddings scaled by %s: finite loss and gradients, equal to the float64 loop", (scale) => {
      for (const count of [2, 3]) {
        const views = randomViews(77 + count, count, 6, 5, scale);
        const loss = ntXent({ temperature: 0.01 });
        const { value, gradients } = evaluateLoss(loss, views, [6, 5]);
        const all = flatten(gradients);
        expect(Number.isFinite(value)).toBe(true);
        expect(all.every(Number.isFinite)).toBe(true);
        const expected = pmlReference(views, 6, 5, 0.01);
        expect(Math.abs(value - expected) / expected).toBeLessThan(1e-4);
        const reference = finiteDifferenceGradient((x) => pmlReference(splitViews(x, count), 6, 5, 0.01), flatten(views), 1e-5 * scale);
        expect(relativeGap(all, reference)).toBeLessThan(1e-5);
      }
    });

    // τ = 0.03 takes the two-view path's constant shift by 1 / τ (τ ≥ 0.025), τ = 0.01 its row max.
    it.each([0.01, 0.03])("positives identical and negatives opposite (every negative term underflows), τ = %s: finite, near 0", (temperature) => {
      const a = [1, 0, 0, -1, 0, 0];
      const { value, gradients } = evaluateLoss(ntXent({ temperature }), [a, a], [2, 3]);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1e-6);
      expect(flatten(gradients).every(Number.isFinite)).toBe(true);
    });
  });
});
