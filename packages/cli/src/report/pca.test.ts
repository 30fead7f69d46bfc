import { describe, expect, it } from "vitest";
import { createRng } from "@contrastive/core";
import { pca2d } from "./pca.js";

describe("pca2d", () => {
  it("recovers the coordinates of data spread along two known orthogonal directions (closed form)", () => {
    const [n, d] = [200, 12];
    const rng = createRng(3);
    // orthonormal u, v: u = e0 + e1 (normalised), v = e2 − e3 + e4 − e5 (normalised)
    const u = new Float64Array(d);
    const v = new Float64Array(d);
    u[0] = u[1] = Math.SQRT1_2;
    [2, 3, 4, 5].forEach((j, k) => (v[j] = (k % 2 === 0 ? 1 : -1) / 2));
    const a = Array.from({ length: n }, () => 5 * (rng.next() - 0.5));
    const b = Array.from({ length: n }, () => 1 * (rng.next() - 0.5));
    const offset = Array.from({ length: d }, () => rng.next() * 10);
    const x = new Float32Array(n * d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = (a[i] as number) * (u[j] as number) + (b[i] as number) * (v[j] as number) + (offset[j] as number);
    const { points, explained } = pca2d(x, n, d);
    const centred = (values: number[]) => values.map((value) => value - values.reduce((s, w) => s + w, 0) / values.length);
    const [ca, cb] = [centred(a), centred(b)];
    // each component is ±(the centred coordinate); the sign rule fixes it, so compare |dot| = ‖·‖²
    const dot = (p: number, c: number[]) => c.reduce((s, value, i) => s + value * (points[2 * i + p] as number), 0);
    const norm = (c: number[]) => c.reduce((s, value) => s + value * value, 0);
    expect(Math.abs(dot(0, ca)) / norm(ca)).toBeCloseTo(1, 3);
    expect(Math.abs(dot(1, cb)) / norm(cb)).toBeCloseTo(1, 3);
    for (let i = 0; i < n; i++) expect(Math.abs(points[2 * i] as number)).toBeCloseTo(Math.abs(ca[i] as number), 2);
    // explained variance: the two variances over the total, which they exhaust
    expect(explained[0] + explained[1]).toBeCloseTo(1, 4);
    expect(explained[0]).toBeCloseTo(norm(ca) / (norm(ca) + norm(cb)), 3);
  });
});
