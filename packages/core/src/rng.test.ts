import { describe, expect, it } from "vitest";
import { ContrastiveError } from "./errors.js";
import { createRng } from "./rng.js";

const draw = (rng: { next(): number }, n = 20) => Array.from({ length: n }, () => rng.next());

describe("createRng", () => {
  it("gives the same sequence for the same seed and different ones for different seeds", () => {
    const a = createRng(7), b = createRng(7), c = createRng(8);
    const sa = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(sa);
  });

  it("is deterministic for every method, not only next()", () => {
    const run = (seed: number) => {
      const rng = createRng(seed);
      return [rng.uint32(), rng.uniform(-3, 5), rng.int(1000), rng.normal(2, 3), rng.normal(), Array.from(rng.permutation(10)), rng.shuffle([1, 2, 3, 4, 5])];
    };
    expect(run(123)).toEqual(run(123));
    expect(run(123)).not.toEqual(run(124));
  });

  it("keeps its seed and truncates fractional seeds", () => {
    expect(createRng(42).seed).toBe(42);
    expect(draw(createRng(42.9))).toEqual(draw(createRng(42)));
    expect(draw(createRng(-1))).toEqual(draw(createRng(2 ** 32 - 1)));
  });

  it("draws floats in [0, 1) whose mean and variance are those of U(0, 1)", () => {
    const rng = createRng(1);
    let sum = 0, sumSq = 0;
    const n = 100_000;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      if (!(u >= 0 && u < 1)) outside++;
      sum += u;
      sumSq += u * u;
    }
    const mean = sum / n;
    expect(outside).toBe(0);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(sumSq / n - mean * mean - 1 / 12)).toBeLessThan(0.002);
  });

  it("uniform(low, high) stays in [low, high) and spans it", () => {
    const rng = createRng(2);
    let min = Infinity, max = -Infinity;
    for (let i = 0; i < 20_000; i++) {
      const u = rng.uniform(-2.5, 4);
      min = Math.min(min, u);
      max = Math.max(max, u);
    }
    expect(min).toBeGreaterThanOrEqual(-2.5);
    expect(max).toBeLessThan(4);
    expect(min).toBeLessThan(-2.49);
    expect(max).toBeGreaterThan(3.99);
  });

  it("int(n) gives every integer of [0, n) about equally often", () => {
    const rng = createRng(3);
    const n = 7, draws = 70_000;
    const counts = new Array<number>(n).fill(0);
    let bad = 0;
    for (let i = 0; i < draws; i++) {
      const v = rng.int(n);
      if (!(Number.isInteger(v) && v >= 0 && v < n)) bad++;
      else counts[v]!++;
    }
    expect(bad).toBe(0);
    for (const c of counts) expect(Math.abs(c - draws / n)).toBeLessThan(0.05 * (draws / n));
    expect(rng.int(1)).toBe(0);
  });

  it("uint32 gives 32-bit unsigned integers", () => {
    const rng = createRng(4);
    const values = Array.from({ length: 1000 }, () => rng.uint32());
    expect(values.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32)).toBe(true);
    expect(values.some((v) => v >= 2 ** 31)).toBe(true);
  });

  it("normal(mean, std) has that mean and std over 100k draws", () => {
    for (const [mean, std] of [[0, 1], [3, 0.5], [-10, 4]] as const) {
      const rng = createRng(5);
      const n = 100_000;
      let sum = 0, sumSq = 0, within1 = 0, nonFinite = 0;
      for (let i = 0; i < n; i++) {
        const z = mean === 0 && std === 1 ? rng.normal() : rng.normal(mean, std);
        if (!Number.isFinite(z)) nonFinite++;
        sum += z;
        sumSq += z * z;
        if (Math.abs(z - mean) < std) within1++;
      }
      expect(nonFinite).toBe(0);
      const m = sum / n;
      const s = Math.sqrt(sumSq / n - m * m);
      // The standard error of the mean is std / sqrt(n) ≈ 0.003·std; allow 5 of them.
      expect(Math.abs(m - mean)).toBeLessThan(0.016 * std);
      expect(Math.abs(s / std - 1)).toBeLessThan(0.01);
      expect(Math.abs(within1 / n - 0.6827)).toBeLessThan(0.006);
    }
  });

  it("permutation(n) is a permutation of 0..n-1 and not the identity", () => {
    const rng = createRng(6);
    for (const n of [0, 1, 2, 10, 1000]) {
      const p = rng.permutation(n);
      expect(p).toBeInstanceOf(Int32Array);
      expect(p.length).toBe(n);
      expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
    const p = rng.permutation(1000);
    expect(Array.from(p).filter((v, i) => v === i).length).toBeLessThan(20);
  });

  it("permutation(n) puts each value at each position about equally often", () => {
    const rng = createRng(7);
    const n = 4, trials = 40_000;
    const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let t = 0; t < trials; t++) rng.permutation(n).forEach((v, i) => counts[i]![v]!++);
    for (const row of counts) for (const c of row) expect(Math.abs(c - trials / n)).toBeLessThan(0.05 * (trials / n));
  });

  it("shuffle permutes in place, returns its argument, and matches permutation for the same seed", () => {
    const items = ["a", "b", "c", "d", "e", "f", "g", "h"];
    const shuffled = createRng(8).shuffle(items);
    expect(shuffled).toBe(items);
    expect([...items].sort()).toEqual(["a", "b", "c", "d", "e", "f", "g", "h"]);
    const indices = Array.from({ length: 8 }, (_, i) => i);
    expect(createRng(8).shuffle(indices)).toEqual(Array.from(createRng(8).permutation(8)));
    expect(createRng(9).shuffle([])).toEqual([]);
    expect(createRng(9).shuffle([1])).toEqual([1]);
  });

  it("fork gives streams that are deterministic, independent of each other and of the parent's state", () => {
    const parent = createRng(10);
    const a1 = draw(parent.fork("augment"));
    parent.next();
    parent.next();
    const a2 = draw(parent.fork("augment"));
    expect(a2).toEqual(a1);
    expect(draw(createRng(10).fork("augment"))).toEqual(a1);

    const b = draw(parent.fork("sampler"));
    const c = draw(parent.fork(1));
    const d = draw(createRng(11).fork("augment"));
    for (const other of [b, c, d, draw(createRng(10))]) expect(other).not.toEqual(a1);
    expect(draw(parent.fork(1))).toEqual(draw(parent.fork("1")));

    // Drawing from a fork leaves the parent's sequence untouched.
    const fresh = createRng(12), disturbed = createRng(12);
    const child = disturbed.fork("x");
    for (let i = 0; i < 50; i++) child.next();
    expect(draw(disturbed)).toEqual(draw(fresh));

    // Forks of forks are deterministic too, and differ from their parents.
    expect(draw(createRng(13).fork("a").fork("b"))).toEqual(draw(createRng(13).fork("a").fork("b")));
    expect(draw(createRng(13).fork("a").fork("b"))).not.toEqual(draw(createRng(13).fork("a")));
  });

  it("fork streams are uncorrelated", () => {
    const x = createRng(14).fork("left"), y = createRng(14).fork("right");
    const n = 20_000;
    let sxy = 0, sx = 0, sy = 0, sxx = 0, syy = 0;
    for (let i = 0; i < n; i++) {
      const u = x.next(), v = y.next();
      sx += u; sy += v; sxy += u * v; sxx += u * u; syy += v * v;
    }
    const cov = sxy / n - (sx / n) * (sy / n);
    const corr = cov / Math.sqrt((sxx / n - (sx / n) ** 2) * (syy / n - (sy / n) ** 2));
    expect(Math.abs(corr)).toBeLessThan(0.03);
  });

  it("rejects a non-finite seed with a ContrastiveError that names createRng and seed", () => {
    for (const seed of [NaN, Infinity, -Infinity]) {
      let caught: unknown;
      try {
        createRng(seed);
      } catch (error) {
        caught = error;
      }
      expect(ContrastiveError.isInstance(caught)).toBe(true);
      const error = caught as ContrastiveError;
      expect(error.component).toBe("createRng");
      expect(error.argument).toBe("seed");
      expect(error.message).toBe(`createRng: seed must be a finite integer, e.g. 42; got ${seed}`);
    }
    expect(() => createRng("42" as unknown as number)).toThrow('createRng: seed must be a finite integer, e.g. 42; got "42"');
  });
});
