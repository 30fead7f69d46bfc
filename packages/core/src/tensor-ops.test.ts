import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { createRng } from "./rng.js";
import { cosineSimilarityMatrix, euclideanDistanceMatrix, l2Normalize } from "./tensor-ops.js";
import { TEST_BACKENDS, countLeakedTensors, finiteDifferenceGradient, useBackend } from "./testing.js";

type Rows = number[][];

function randomRows(n: number, d: number, seed: number, scale = 1): Rows {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal(0, scale)));
}

const norm = (row: number[]) => Math.sqrt(row.reduce((s, v) => s + v * v, 0));
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * (b[i] as number), 0);

function normalizeLoop(rows: Rows): Rows {
  return rows.map((row) => row.map((v) => v / Math.max(norm(row), 1e-12)));
}

function cosineLoop(a: Rows, b: Rows): Rows {
  const na = normalizeLoop(a), nb = normalizeLoop(b);
  return na.map((r) => nb.map((s) => dot(r, s)));
}

function distanceLoop(a: Rows, b: Rows, squared: boolean): Rows {
  return a.map((r) => b.map((s) => {
    const d2 = r.reduce((acc, v, i) => acc + (v - (s[i] as number)) ** 2, 0);
    return squared ? d2 : Math.sqrt(d2);
  }));
}

/** Largest |actual − expected| / (|expected| + floor) over all entries. */
function relativeError(actual: ArrayLike<number>, expected: Rows, floor: number): number {
  const flat = expected.flat();
  expect(actual.length).toBe(flat.length);
  let worst = 0;
  for (let i = 0; i < flat.length; i++) {
    worst = Math.max(worst, Math.abs((actual[i] as number) - (flat[i] as number)) / (Math.abs(flat[i] as number) + floor));
  }
  return worst;
}

async function noLeak<T>(fn: () => T): Promise<T> {
  const { result, leaked } = await countLeakedTensors(fn);
  expect(leaked).toBe(0);
  return result;
}

describe.each(TEST_BACKENDS)("tensor ops on %s", (backend) => {
  it("l2Normalize matches a float64 loop at scales 1e-3, 1 and 1e3, and keeps zero rows zero", async () => {
    await useBackend(backend);
    for (const scale of [1e-3, 1, 1e3]) {
      const rows = randomRows(6, 5, 1, scale);
      rows[2] = [0, 0, 0, 0, 0];
      const out = await noLeak(() => tf.tidy(() => l2Normalize(tf.tensor2d(rows)).dataSync()));
      expect(relativeError(out, normalizeLoop(rows), 1e-3)).toBeLessThan(1e-5);
      expect(Array.from(out.slice(10, 15))).toEqual([0, 0, 0, 0, 0]);
      for (let r = 0; r < 6; r++) if (r !== 2) expect(Math.abs(norm(Array.from(out.slice(r * 5, r * 5 + 5))) - 1)).toBeLessThan(1e-6);
    }
  });

  it("l2Normalize works on any rank along the last axis and honours epsilon", async () => {
    await useBackend(backend);
    const out = await noLeak(() => tf.tidy(() => l2Normalize(tf.tensor3d([[[3, 4], [0, 0]]])).arraySync()));
    expect(out).toEqual([[[0.6, 0.8], [0, 0]]].map((a) => a.map((r) => r.map((v) => expect.closeTo(v, 6)))));
    // epsilon bounds the norm of the row divided by its largest |value| (here [0.75, 1], norm 1.25)
    const small = await noLeak(() => tf.tidy(() => l2Normalize(tf.tensor2d([[3e-3, 4e-3]]), 2).dataSync()));
    expect(small[0]).toBeCloseTo(0.375, 6);
    expect(small[1]).toBeCloseTo(0.5, 6);
  });

  it("l2Normalize gives the same rows for inputs scaled 1e-30 … 1e30, as a float64 loop", async () => {
    await useBackend(backend);
    const base = [[1, -2, 2, 0.5], [3e-3, 4, -1e-2, 7], [0, 0, 0, 0]];
    const want = base.map((row) => {
      const n = Math.hypot(...row);
      return row.map((v) => (n === 0 ? 0 : v / n));
    });
    for (const scale of [1e-30, 1e-20, 1e-10, 1, 1e10, 1e19, 1e20, 1e30]) {
      const got = await noLeak(() => tf.tidy(() => l2Normalize(tf.tensor2d(base.map((r) => r.map((v) => v * scale)))).arraySync()));
      got.forEach((row, i) => row.forEach((v, j) => expect(v, `scale ${scale}`).toBeCloseTo(want[i]![j]!, 6)));
    }
  });

  it("l2Normalize has finite gradients, also through a zero row", async () => {
    await useBackend(backend);
    const x = tf.tensor2d([[1, 2, 2], [0, 0, 0]]);
    const grad = await noLeak(() => tf.tidy(() => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(l2Normalize(a), tf.tensor2d([[1, 0, 0], [1, 1, 1]]))))(x).dataSync()));
    x.dispose();
    expect(Array.from(grad).every(Number.isFinite)).toBe(true);
    // d/dx (x0 / ‖x‖) at (1, 2, 2): (‖x‖² − x0²) / ‖x‖³, −x0·xi / ‖x‖³.
    expect(grad[0]).toBeCloseTo(8 / 27, 5);
    expect(grad[1]).toBeCloseTo(-2 / 27, 5);
    expect(grad[2]).toBeCloseTo(-2 / 27, 5);
  });

  it("cosineSimilarityMatrix matches a float64 loop for a with b and with itself, at every scale", async () => {
    await useBackend(backend);
    for (const scale of [1e-3, 1, 1e3]) {
      const a = randomRows(7, 4, 2, scale), b = randomRows(5, 4, 3, scale);
      a[3] = [0, 0, 0, 0];
      const [ab, aa] = await noLeak(() =>
        tf.tidy(() => [cosineSimilarityMatrix(tf.tensor2d(a), tf.tensor2d(b)), cosineSimilarityMatrix(tf.tensor2d(a))].map((t) => t.dataSync())),
      );
      expect(relativeError(ab!, cosineLoop(a, b), 1)).toBeLessThan(1e-5);
      expect(relativeError(aa!, cosineLoop(a, a), 1)).toBeLessThan(1e-5);
      expect(Array.from(ab!).every((v) => Number.isFinite(v) && Math.abs(v) <= 1 + 1e-6)).toBe(true);
      // Zero rows are orthogonal to everything, themselves included.
      for (let j = 0; j < 7; j++) expect(aa![3 * 7 + j]).toBe(0);
      for (let i = 0; i < 7; i++) if (i !== 3) expect(aa![i * 7 + i]).toBeCloseTo(1, 5);
    }
  });

  it("cosineSimilarityMatrix is symmetric: sim(a, b) = sim(b, a)ᵀ", async () => {
    await useBackend(backend);
    const a = randomRows(4, 3, 4), b = randomRows(6, 3, 5);
    const [ab, baT] = await noLeak(() =>
      tf.tidy(() => {
        const ta = tf.tensor2d(a), tb = tf.tensor2d(b);
        return [cosineSimilarityMatrix(ta, tb).dataSync(), tf.transpose(cosineSimilarityMatrix(tb, ta)).dataSync()];
      }),
    );
    for (let i = 0; i < ab!.length; i++) expect(Math.abs(ab![i]! - baT![i]!)).toBeLessThan(1e-6);
  });

  it.each([false, true])("euclideanDistanceMatrix (squared %s) matches a float64 loop at every scale", async (squared) => {
    await useBackend(backend);
    for (const scale of [1e-3, 1, 1e3]) {
      const a = randomRows(6, 8, 6, scale), b = randomRows(4, 8, 7, scale);
      a[1] = new Array<number>(8).fill(0);
      const [ab, aa] = await noLeak(() =>
        tf.tidy(() =>
          [euclideanDistanceMatrix(tf.tensor2d(a), tf.tensor2d(b), { squared }), euclideanDistanceMatrix(tf.tensor2d(a), undefined, { squared })].map((t) =>
            t.dataSync(),
          ),
        ),
      );
      // ‖a‖² + ‖b‖² − 2ab cancels: relative to the scale of the norms, float32 keeps ~1e-6.
      const floor = (squared ? scale * scale : scale) * 1e-2;
      expect(relativeError(ab!, distanceLoop(a, b, squared), floor)).toBeLessThan(1e-4);
      expect(relativeError(aa!, distanceLoop(a, a, squared), floor)).toBeLessThan(1e-4);
      expect(Array.from(ab!).every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
      for (let i = 0; i < 6; i++) expect(aa![i * 6 + i]).toBe(0);
    }
  });

  it("the self-distance diagonal is exactly 0 and the matrix symmetric, also for rows far from the origin", async () => {
    await useBackend(backend);
    // Offsets of 1000 make ‖a‖² + ‖a‖² − 2‖a‖² cancel catastrophically in float32.
    const a = randomRows(16, 32, 8, 1).map((row) => row.map((v) => 1000 + v));
    for (const squared of [false, true]) {
      const out = await noLeak(() => tf.tidy(() => euclideanDistanceMatrix(tf.tensor2d(a), undefined, { squared }).arraySync()));
      for (let i = 0; i < 16; i++) {
        expect(out[i]![i]).toBe(0);
        for (let j = 0; j < 16; j++) expect(Math.abs(out[i]![j]! - out[j]![i]!)).toBeLessThanOrEqual(Math.abs(out[i]![j]!) * 1e-6);
      }
    }
  });

  it("euclideanDistanceMatrix has finite gradients at zero distance, equal to finite differences elsewhere", async () => {
    await useBackend(backend);
    // Row 2 duplicates row 0: a zero off-diagonal distance as well as the diagonal.
    const rows = [[1, 2, 0.5], [-1, 0.5, 2], [1, 2, 0.5], [0, 0, 0]];
    const weights = randomRows(4, 4, 9);
    for (const squared of [false, true]) {
      const grad = await noLeak(() =>
        tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(euclideanDistanceMatrix(x as tf.Tensor2D, undefined, { squared }), tf.tensor2d(weights))))(tf.tensor2d(rows)).dataSync()),
      );
      expect(Array.from(grad).every(Number.isFinite)).toBe(true);
      // Away from zero the float64 finite difference of the loop applies; the pairs (0, 2) and (2, 0)
      // sit on the kink of ‖·‖ where the subgradient 0 is taken, so compare with them removed.
      const f = (flat: Float64Array) => {
        const x = [0, 1, 2, 3].map((r) => Array.from(flat.slice(r * 3, r * 3 + 3)));
        const dist = distanceLoop(x, x, squared);
        let total = 0;
        for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) if (!((i === 0 && j === 2) || (i === 2 && j === 0)) || squared) total += dist[i]![j]! * weights[i]![j]!;
        return total;
      };
      const numeric = finiteDifferenceGradient(f, Float64Array.from(rows.flat()));
      for (let i = 0; i < numeric.length; i++) expect(Math.abs(grad[i]! - numeric[i]!)).toBeLessThan(2e-3 * (1 + Math.abs(numeric[i]!)));
    }
  });

  it("euclideanDistanceMatrix gradient at all-identical rows is finite (zero for the root)", async () => {
    await useBackend(backend);
    const grad = await noLeak(() =>
      tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(euclideanDistanceMatrix(x as tf.Tensor2D, x as tf.Tensor2D)))(tf.ones([3, 4])).dataSync()),
    );
    expect(Array.from(grad).every(Number.isFinite)).toBe(true);
  });
});
