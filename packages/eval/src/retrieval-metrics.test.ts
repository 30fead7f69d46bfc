import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, createRng } from "@contrastive/core";
import { TEST_BACKENDS, countLeakedTensors, useBackend } from "@contrastive/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeNpy } from "./encode-npy.js";
import { type RetrievalMetricsOptions, retrievalMetrics } from "./retrieval-metrics.js";
import { pythonHas, runPython } from "./test-python.js";

/**
 * pytorch-metric-learning's definitions as plain loops in float64: rank every reference (the query left
 * out when excludeSelf) by distance, ties to the lower index; R = references with the query's label;
 * queries with R = 0 are left out.
 */
function retrievalLoop(x: number[][], labels: number[], distance: "cosine" | "euclidean", excludeSelf: boolean, reference?: { x: number[][]; labels: number[] }) {
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, a) => s + a * a, 0));
  const far = (a: number[], b: number[]) =>
    distance === "cosine" ? -a.reduce((s, ai, i) => s + ai * b[i]!, 0) / (Math.max(norm(a), 1e-12) * Math.max(norm(b), 1e-12)) : a.reduce((s, ai, i) => s + (ai - b[i]!) ** 2, 0);
  const [refX, refLabels] = reference ? [reference.x, reference.labels] : [x, labels];
  let p1 = 0, rp = 0, map = 0, queries = 0;
  x.forEach((q, qi) => {
    const references = refX.map((_, j) => j).filter((j) => reference || !excludeSelf || j !== qi);
    const r = references.filter((j) => refLabels[j] === labels[qi]).length;
    if (r === 0) return;
    const ranked = references.map((j) => ({ j, d: far(q, refX[j]!) })).sort((a, b) => a.d - b.d || a.j - b.j).map((e) => e.j);
    let hits = 0, ap = 0;
    for (let i = 0; i < r; i++) if (refLabels[ranked[i]!] === labels[qi]) { hits++; ap += hits / (i + 1); }
    p1 += refLabels[ranked[0]!] === labels[qi] ? 1 : 0;
    rp += hits / r;
    map += ap / r;
    queries++;
  });
  return { precisionAt1: p1 / queries, rPrecision: rp / queries, mapAtR: map / queries, queries };
}

async function run(x: number[][], labels: number[], options: RetrievalMetricsOptions = {}, reference?: { x: number[][]; labels: number[] }) {
  const embeddings = tf.tensor2d(x);
  const references = reference && { embeddings: tf.tensor2d(reference.x), labels: Int32Array.from(reference.labels) };
  const { result, leaked } = await countLeakedTensors(() => retrievalMetrics(embeddings, Int32Array.from(labels), { ...options, ...(references ? { reference: references } : {}) }));
  tf.dispose([embeddings, ...(references ? [references.embeddings] : [])]);
  expect(leaked).toBe(0);
  return result;
}

const line = (...points: number[]) => points.map((p) => [p, 0]);

describe.each(TEST_BACKENDS)("retrievalMetrics on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("gives the hand-computed figures on points of a line", async () => {
    const points = line(0, 1, 3, 4, 10);
    // A(0) → B, C: p@1 1, R-prec ½, AP ½; B likewise; C(3) → D and D(4) → C: all 1; E(10) → D, C: all 0.
    expect(await run(points, [0, 0, 1, 1, 0], { distance: "euclidean" })).toEqual({ precisionAt1: 0.8, rPrecision: 0.6, mapAtR: 0.6, queries: 5 });
    // Relevant second: A → B✗ C✓ (AP ½·½ = ¼), E → D✗ C✓ (¼); the rest 0. A lone label (20) is left out.
    const other = await run(line(0, 1, 3, 4, 10, 20), [0, 1, 0, 1, 0, 2], { distance: "euclidean" });
    expect(other.precisionAt1).toBe(0);
    expect(other.rPrecision).toBeCloseTo(0.2, 12);
    expect(other.mapAtR).toBeCloseTo(0.1, 12);
    expect(other.queries).toBe(5);
    // With the query among its references, R counts it: A → A✓ B✓ C✗ (⅔), C → C✓ D✓ (1), E → E✓ D✗ C✗ (⅓).
    const included = await run(points, [0, 0, 1, 1, 0], { distance: "euclidean", excludeSelf: false });
    expect(included.precisionAt1).toBe(1);
    expect(included.rPrecision).toBeCloseTo(11 / 15, 12);
    expect(included.mapAtR).toBeCloseTo(11 / 15, 12);
  });

  it("ranks equally distant references by index: the lower is the nearer", async () => {
    // From [1, 0]: [0, 1] (class 1) and [0, −1] (class 0) are both at cosine 0; the lower index ranks first.
    const x = [[1, 0], [0, 1], [0, -1], [-1, 0]];
    const result = await run(x, [0, 1, 0, 0]);
    const expected = retrievalLoop(x, [0, 1, 0, 0], "cosine", true);
    expect(result).toEqual(expected);
    // Query 0 alone: neighbours 1✗, 2✓ → p@1 0, R-prec ½, AP ¼ (it would be 1, ½, ½ the other way round).
    const swapped = await run([[1, 0], [0, -1], [0, 1], [-1, 0]], [0, 0, 1, 0]);
    expect(swapped).not.toEqual(result);
    expect(swapped).toEqual(retrievalLoop([[1, 0], [0, -1], [0, 1], [-1, 0]], [0, 0, 1, 0], "cosine", true));
  });

  it("matches the plain loops on random data, both distances, with and without the query", async () => {
    const rng = createRng(11);
    for (let trial = 0; trial < 6; trial++) {
      const n = 20 + rng.int(40), d = 2 + rng.int(6), classes = 2 + rng.int(6);
      const x = Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal(0, 1)));
      const labels = x.map(() => rng.int(classes));
      for (const distance of ["cosine", "euclidean"] as const) {
        for (const excludeSelf of [true, false]) {
          const expected = retrievalLoop(x, labels, distance, excludeSelf);
          const result = await run(x, labels, { distance, excludeSelf, batchSize: 1 + rng.int(n) });
          expect(result.queries).toBe(expected.queries);
          for (const key of ["precisionAt1", "rPrecision", "mapAtR"] as const) expect(result[key]).toBeCloseTo(expected[key], 10);
        }
      }
    }
  });

  it("with a separate reference set: queries against references only, R counted there", async () => {
    // Queries 0 (class 0) and 10 (class 1) against references A(1, 0) B(2, 1) C(3, 0) on a line.
    const result = await run(line(0, 10), [0, 1], { distance: "euclidean" }, { x: line(1, 2, 3), labels: [0, 1, 0] });
    // 0 → A✓ B✗ C✓ (R 2): R-prec ½, AP ½·(1 + 0) = ½; 10 → C✗ (R 1): 0. p@1 ½.
    expect(result).toEqual({ precisionAt1: 0.5, rPrecision: 0.25, mapAtR: 0.25, queries: 2 });
    const rng = createRng(14);
    for (let trial = 0; trial < 4; trial++) {
      const queries = Array.from({ length: 5 + rng.int(20) }, () => [rng.normal(0, 1), rng.normal(0, 1), rng.normal(0, 1)]);
      const references = Array.from({ length: 10 + rng.int(30) }, () => [rng.normal(0, 1), rng.normal(0, 1), rng.normal(0, 1)]);
      const queryLabels = queries.map(() => rng.int(5)), referenceLabels = references.map(() => rng.int(4)); // class 4: no references
      for (const distance of ["cosine", "euclidean"] as const) {
        const ours = await run(queries, queryLabels, { distance, batchSize: 4 }, { x: references, labels: referenceLabels });
        const expected = retrievalLoop(queries, queryLabels, distance, true, { x: references, labels: referenceLabels });
        expect(ours.queries).toBe(expected.queries);
        for (const key of ["precisionAt1", "rPrecision", "mapAtR"] as const) expect(ours[key]).toBeCloseTo(expected[key], 10);
      }
    }
  });

  it("matches the plain loops where exact ties abound (repeated axis vectors, integer points)", async () => {
    const rng = createRng(12);
    const axes = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [-1, 0, 0], [0, -2, 0], [3, 0, 0]];
    for (let trial = 0; trial < 8; trial++) {
      const n = 10 + rng.int(30);
      const labels = Array.from({ length: n }, () => rng.int(3));
      const cosine = Array.from({ length: n }, () => axes[rng.int(axes.length)]!);
      const integer = Array.from({ length: n }, () => [rng.int(3), rng.int(3)]);
      for (const excludeSelf of [true, false]) {
        expect(await run(cosine, labels, { excludeSelf, batchSize: 7 })).toEqual(retrievalLoop(cosine, labels, "cosine", excludeSelf));
        expect(await run(integer, labels, { distance: "euclidean", excludeSelf })).toEqual(retrievalLoop(integer, labels, "euclidean", excludeSelf));
      }
    }
  });

  it("gives 1 for separated classes, and NaN when every label is alone", async () => {
    const x = [[1, 0], [1.1, 0], [0, 1], [0, 1.2], [0, 0.9]];
    expect(await run(x, [0, 0, 1, 1, 1])).toEqual({ precisionAt1: 1, rPrecision: 1, mapAtR: 1, queries: 5 });
    expect(await run(x, [0, 1, 2, 3, 4])).toEqual({ precisionAt1: NaN, rPrecision: NaN, mapAtR: NaN, queries: 0 });
  });
});

const torch = pythonHas("torch", "numpy");
describe.skipIf(!torch.ok)(`retrievalMetrics against pytorch-metric-learning's code${torch.ok ? "" : ` (skipped: ${torch.reason})`}`, () => {
  const folder = mkdtempSync(join(tmpdir(), "retrieval-pml-"));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  const script = fileURLToPath(new URL("../scripts/retrieval-metrics-pml.py", import.meta.url));

  it("gives AccuracyCalculator's precision_at_1, r_precision and mean_average_precision_at_r", async () => {
    await useBackend("cpu");
    const rng = createRng(13);
    for (let trial = 0; trial < 4; trial++) {
      const n = 30 + rng.int(50), d = 2 + rng.int(10), classes = 2 + rng.int(8);
      const x = Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal(0, 1)));
      const labels = x.map(() => rng.int(classes));
      labels[0] = classes; // a lone label, left out by both
      writeFileSync(join(folder, "x.npy"), encodeNpy(Float32Array.from(x.flat()), [n, d]));
      writeFileSync(join(folder, "labels.npy"), encodeNpy(Float32Array.from(labels), [n]));
      const references = Array.from({ length: 40 }, () => Array.from({ length: d }, () => rng.normal(0, 1)));
      const referenceLabels = references.map(() => rng.int(classes));
      writeFileSync(join(folder, "r.npy"), encodeNpy(Float32Array.from(references.flat()), [40, d]));
      writeFileSync(join(folder, "r-labels.npy"), encodeNpy(Float32Array.from(referenceLabels), [40]));
      for (const distance of ["cosine", "euclidean"] as const) {
        const pmlReference = JSON.parse(runPython([script, join(folder, "x.npy"), join(folder, "labels.npy"), distance, "reference", join(folder, "r.npy"), join(folder, "r-labels.npy")]));
        const oursReference = await run(x.map((r) => r.map(Math.fround)), labels, { distance }, { x: references.map((r) => r.map(Math.fround)), labels: referenceLabels });
        expect(oursReference.precisionAt1).toBeCloseTo(pmlReference.precision_at_1, 10);
        expect(oursReference.rPrecision).toBeCloseTo(pmlReference.r_precision, 10);
        expect(oursReference.mapAtR).toBeCloseTo(pmlReference.mean_average_precision_at_r, 10);
        for (const excludeSelf of [true, false]) {
          const pml = JSON.parse(runPython([script, join(folder, "x.npy"), join(folder, "labels.npy"), distance, excludeSelf ? "exclude" : "include"]));
          const ours = await run(x.map((r) => r.map(Math.fround)), labels, { distance, excludeSelf });
          expect(ours.precisionAt1).toBeCloseTo(pml.precision_at_1, 10);
          expect(ours.rPrecision).toBeCloseTo(pml.r_precision, 10);
          expect(ours.mapAtR).toBeCloseTo(pml.mean_average_precision_at_r, 10);
        }
      }
    }
  });
});

describe("retrievalMetrics input checks", () => {
  it.each<[string, () => [tf.Tensor2D, Int32Array, RetrievalMetricsOptions?], RegExp]>([
    ["rank-1 embeddings", () => [tf.tensor1d([1, 2]) as unknown as tf.Tensor2D, Int32Array.from([0, 1])], /^retrievalMetrics: embeddings must be a tensor of shape \[any, any\]; got float32 tensor of shape \[2\]$/],
    ["one row", () => [tf.tensor2d([[1, 2]]), Int32Array.from([0])], /^retrievalMetrics: embeddings must be at least 2 rows; got float32 tensor of shape \[1, 2\]$/],
    ["labels too short", () => [tf.tensor2d([[1], [2], [3]]), Int32Array.from([0, 1])], /^retrievalMetrics: labels must be an Int32Array of 3 class ids, one per embedding; got object \(Int32Array\)$/],
    ["an unknown distance", () => [tf.tensor2d([[1], [2]]), Int32Array.from([0, 0]), { distance: "manhattan" as "cosine" }], /^retrievalMetrics: distance must be "cosine" or "euclidean"; got "manhattan"$/],
    ["batchSize 0", () => [tf.tensor2d([[1], [2]]), Int32Array.from([0, 0]), { batchSize: 0 }], /batchSize must be an integer ≥ 1; got 0/],
    ["a reference of another size", () => [tf.tensor2d([[1], [2]]), Int32Array.from([0, 0]), { reference: { embeddings: tf.tensor2d([[1, 2]]), labels: Int32Array.from([0]) } }], /^retrievalMetrics: reference.embeddings must be a tensor of shape \[any, 1\] \(the embedding size of the queries\); got float32 tensor of shape \[1, 2\]$/],
    ["reference labels too long", () => [tf.tensor2d([[1]]), Int32Array.from([0]), { reference: { embeddings: tf.tensor2d([[1], [2]]), labels: Int32Array.from([0, 1, 1]) } }], /^retrievalMetrics: reference.labels must be an Int32Array of 2 class ids, one per embedding; got object \(Int32Array\)$/],
    ["NaN embeddings", () => [tf.tensor2d([[1, NaN], [2, 1]]), Int32Array.from([0, 0])], /^retrievalMetrics: embeddings must be finite values \(no NaN or Infinity\); got a cosine score of NaN for query 0$/],
  ])("rejects %s with a ContrastiveError and leaks nothing", async (_, make, message) => {
    await useBackend("cpu");
    const [embeddings, labels, options] = make();
    const before = tf.memory().numTensors;
    const error = await retrievalMetrics(embeddings, labels, options).catch((e: unknown) => e);
    expect(tf.memory().numTensors).toBe(before);
    expect(ContrastiveError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
    tf.dispose([embeddings, ...(options?.reference ? [options.reference.embeddings] : [])]);
  });
});
