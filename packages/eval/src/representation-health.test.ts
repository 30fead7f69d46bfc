import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, createRng } from "@contrastive/core";
import { TEST_BACKENDS, countLeakedTensors, maxAbsDifference, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { alignment } from "./alignment.js";
import { dimensionStd } from "./dimension-std.js";
import { representationHealth } from "./representation-health.js";
import { uniformity } from "./uniformity.js";

const unit = (r: number[]) => { const n = Math.hypot(...r); return r.map((v) => v / n); };
const alignmentLoop = (a: number[][], b: number[][], alpha: number) =>
  a.reduce((s, r, i) => s + Math.hypot(...unit(r).map((v, j) => v - unit(b[i]!)[j]!)) ** alpha, 0) / a.length;
function uniformityLoop(x: number[][], t: number) {
  let sum = 0, pairs = 0;
  for (let i = 0; i < x.length; i++) for (let j = i + 1; j < x.length; j++) {
    sum += Math.exp(-t * unit(x[i]!).reduce((s, v, k) => s + (v - unit(x[j]!)[k]!) ** 2, 0));
    pairs++;
  }
  return Math.log(sum / pairs);
}
const stdLoop = (x: number[][]) => x[0]!.map((_, j) => {
  const column = x.map((r) => unit(r)[j]!);
  const mean = column.reduce((a, b) => a + b, 0) / column.length;
  return Math.sqrt(column.reduce((s, v) => s + (v - mean) ** 2, 0) / (column.length - 1));
});
/** I₀(x) = Σ (x/2)^{2k} / (k!)². */
const besselI0 = (x: number) => { let term = 1, sum = 1; for (let k = 1; k < 60; k++) { term *= (x / 2) ** 2 / (k * k); sum += term; } return sum; };
const circle = (n: number, radius = 1) => Array.from({ length: n }, (_, k) => [radius * Math.cos((2 * Math.PI * k) / n), radius * Math.sin((2 * Math.PI * k) / n)]);

async function measure<T>(fn: () => Promise<T>): Promise<T> {
  const { result, leaked } = await countLeakedTensors(fn);
  expect(leaked).toBe(0);
  return result;
}
const withTensors = async <T>(rows: number[][][], fn: (...t: tf.Tensor2D[]) => Promise<T>) => {
  const tensors = rows.map((r) => tf.tensor2d(r));
  try { return await measure(() => fn(...tensors)); } finally { tf.dispose(tensors); }
};

describe.each(TEST_BACKENDS)("representation health on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("identical embeddings: alignment 0, uniformity 0 (log 1), every std 0 and collapsed", async () => {
    const same = Array.from({ length: 10 }, () => [3, -4, 12]);
    expect(await withTensors([same, same.map((r) => r.map((v) => 2 * v))], (a, b) => alignment(a!, b!))).toBeCloseTo(0, 6);
    expect(await withTensors([same], (x) => uniformity(x!, { t: 2 }))).toBeCloseTo(0, 5);
    const std = await withTensors([same], (x) => dimensionStd(x!));
    expect(maxAbsDifference(std.perDimension, [0, 0, 0])).toBeLessThan(1e-6);
    expect(std.collapsed).toBe(true);
    expect(std.reference).toBeCloseTo(1 / Math.sqrt(3), 12);
  });

  it("antipodal pairs: alignment 2^α", async () => {
    const rng = createRng(1);
    const a = Array.from({ length: 9 }, () => [rng.normal(0, 1), rng.normal(0, 1), rng.normal(0, 1), rng.normal(0, 1)]);
    const b = a.map((r) => r.map((v) => -0.3 * v));
    for (const alpha of [2, 1, 0.5, 3]) expect(await withTensors([a, b], (x, y) => alignment(x!, y!, { alpha }))).toBeCloseTo(2 ** alpha, 5);
  });

  it("a uniform circle: uniformity log((N e^{−2t} I₀(2t) − 1) / (N − 1)), per-dimension std √(N / 2(N − 1))", async () => {
    for (const [n, t] of [[64, 2], [100, 1], [33, 0.5]] as const) {
      const expected = Math.log((n * Math.exp(-2 * t) * besselI0(2 * t) - 1) / (n - 1));
      expect(await withTensors([circle(n, 5)], (x) => uniformity(x!, { t, batchSize: 17 }))).toBeCloseTo(expected, 5);
      const std = await withTensors([circle(n, 0.1)], (x) => dimensionStd(x!));
      expect(maxAbsDifference(std.perDimension, [Math.sqrt(n / (2 * (n - 1))), Math.sqrt(n / (2 * (n - 1)))])).toBeLessThan(1e-6);
      expect(std.collapsed).toBe(false);
    }
    // 2000 points in blocks of 1024 rows: still the closed form to 6 digits, near the limit −2t + log I₀(2t) ≈ −1.5750 (t = 2).
    const large = await withTensors([circle(2000)], (x) => uniformity(x!));
    expect(large).toBeCloseTo(Math.log((2000 * Math.exp(-4) * besselI0(4) - 1) / 1999), 5);
    expect(Math.abs(large - (-4 + Math.log(besselI0(4))))).toBeLessThan(2e-3);
  });

  it("matches the plain loops on random embeddings of any scale", async () => {
    const rng = createRng(2);
    for (const [n, d, scale] of [[20, 3, 1], [50, 8, 1e3], [7, 16, 1e-3], [130, 5, 1]] as const) {
      const a = Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal(0, scale)));
      const b = a.map((r) => r.map((v) => v + rng.normal(0, scale / 2)));
      for (const alpha of [2, 1]) expect(await withTensors([a, b], (x, y) => alignment(x!, y!, { alpha }))).toBeCloseTo(alignmentLoop(a, b, alpha), 5);
      for (const t of [2, 0.5, 10]) expect(await withTensors([a], (x) => uniformity(x!, { t, batchSize: 16 }))).toBeCloseTo(uniformityLoop(a, t), 4);
      const std = await withTensors([a], (x) => dimensionStd(x!));
      expect(maxAbsDifference(std.perDimension, stdLoop(a))).toBeLessThan(1e-5);
      expect(std.mean).toBeCloseTo(stdLoop(a).reduce((s, v) => s + v, 0) / d, 6);
      const health = await withTensors([a, b], (x, y) => representationHealth({ embeddings: x!, positives: y!, alpha: 2, t: 2 }));
      expect(health.alignment).toBeCloseTo(alignmentLoop(a, b, 2), 5);
      expect(health.uniformity).toBeCloseTo(uniformityLoop(a, 2), 4);
      expect(health.collapsed).toBe(false);
      expect(health.dimensionStd.perDimension).toEqual(std.perDimension);
    }
  });

  it("isotropic Gaussian embeddings have a mean std near 1/√d; a near-collapsed set is flagged", async () => {
    const rng = createRng(3);
    const gaussian = Array.from({ length: 2000 }, () => Array.from({ length: 64 }, () => rng.normal(0, 1)));
    const std = await withTensors([gaussian], (x) => dimensionStd(x!));
    expect(Math.abs(std.mean / std.reference - 1)).toBeLessThan(0.03);
    // One direction plus a little noise: mean std ≈ 0.01·(1/√d)·… far below 0.1/√d.
    const collapsing = gaussian.slice(0, 300).map((r) => r.map((v, j) => (j === 0 ? 1 : 0) + 0.001 * v));
    const health = await withTensors([collapsing], (x) => representationHealth({ embeddings: x! }));
    expect(health.collapsed).toBe(true);
    expect(health.alignment).toBeUndefined();
    expect(health.uniformity).toBeGreaterThan(-1e-3);
  });
});

describe("representation health input checks", () => {
  it.each<[string, () => Promise<unknown>, RegExp]>([
    ["views of different shapes", () => withTensors([[[1, 2]], [[1, 2, 3]]], (a, b) => alignment(a!, b!)), /^alignment: viewB must be a tensor of shape \[1, 2\] \(the shape of viewA\); got float32 tensor of shape \[1, 3\]$/],
    ["alpha 0", () => withTensors([[[1, 2]], [[1, 2]]], (a, b) => alignment(a!, b!, { alpha: 0 })), /^alignment: alpha must be a finite number > 0, e.g. 2; got 0$/],
    ["one row for uniformity", () => withTensors([[[1, 2]]], (x) => uniformity(x!)), /^uniformity: embeddings must be at least 2 rows \(pairs of distinct rows\); got float32 tensor of shape \[1, 2\]$/],
    ["t < 0", () => withTensors([[[1, 2], [2, 1]]], (x) => uniformity(x!, { t: -1 })), /^uniformity: t must be a finite number > 0, e.g. 2; got -1$/],
    ["rank-1 embeddings", () => dimensionStd(tf.tensor1d([1, 2]) as unknown as tf.Tensor2D), /^dimensionStd: embeddings must be a tensor of shape \[any, any\]; got float32 tensor of shape \[2\]$/],
    ["a zero threshold", () => withTensors([[[1, 2], [2, 1]]], (x) => dimensionStd(x!, { collapseThreshold: 0 })), /^dimensionStd: collapseThreshold must be a finite number > 0, e.g. 0.1; got 0$/],
  ])("rejects %s with a ContrastiveError", async (_, call, message) => {
    await useBackend("cpu");
    const error = await call().catch((e: unknown) => e);
    expect(ContrastiveError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });
});
