import { describe, expect, it } from "vitest";
import { mPerClassSampler } from "./m-per-class-sampler.js";

const collect = (batches: Iterable<Int32Array>) => [...batches].map((b) => Array.from(b));

// 6 classes of unequal size: class c has 5 + 3c examples, interleaved.
const labels: number[] = [];
for (let c = 0; c < 6; c++) for (let k = 0; k < 5 + 3 * c; k++) labels.push(c);
labels.sort((a, b) => ((a * 7919) % 13) - ((b * 7919) % 13) || a - b);

describe("mPerClassSampler", () => {
  it("fills every batch with m distinct examples of each of batchSize / m distinct classes", () => {
    const sampler = mPerClassSampler({ labels, m: 4, batchSize: 12, seed: 3 });
    const batches = collect(sampler.batches(0));
    expect(batches.length).toBe(sampler.batchesPerEpoch());
    expect(batches.length).toBe(Math.floor(labels.length / 12));
    for (const batch of batches) {
      expect(batch.length).toBe(12);
      expect(new Set(batch).size).toBe(12);
      const counts = new Map<number, number>();
      for (const index of batch) counts.set(labels[index]!, (counts.get(labels[index]!) ?? 0) + 1);
      expect([...counts.values()]).toEqual([4, 4, 4]);
      // each class's m examples are contiguous, as in pytorch-metric-learning
      for (let c = 0; c < 3; c++) expect(new Set(batch.slice(4 * c, 4 * c + 4).map((i) => labels[i])).size).toBe(1);
    }
  });

  it("draws classes uniformly and covers every class and, over epochs, every example", () => {
    const sampler = mPerClassSampler({ labels, m: 2, batchSize: 4, seed: 1, batchesPerEpoch: 300 });
    const classCounts = new Array(6).fill(0) as number[];
    const seen = new Set<number>();
    for (const batch of sampler.batches(0)) for (const index of batch) {
      classCounts[labels[index]!]!++;
      seen.add(index);
    }
    // 300 batches × 2 classes × 2 = 1200 draws, 200 per class expected
    for (const count of classCounts) expect(Math.abs(count - 200)).toBeLessThan(50);
    expect(seen.size).toBe(labels.length);
  });

  it("is reproducible per (seed, epoch) and differs between epochs and seeds", () => {
    const make = (seed: number) => mPerClassSampler({ labels, m: 3, batchSize: 9, seed });
    expect(collect(make(5).batches(2))).toEqual(collect(make(5).batches(2)));
    expect(collect(make(5).batches(2))).not.toEqual(collect(make(5).batches(3)));
    expect(collect(make(5).batches(2))).not.toEqual(collect(make(6).batches(2)));
  });

  it("draws with replacement only from classes smaller than m", () => {
    const small = [0, 0, 1, 1, 1, 1, 1];
    const sampler = mPerClassSampler({ labels: small, m: 3, batchSize: 6, batchesPerEpoch: 20 });
    for (const batch of collect(sampler.batches(0))) {
      const zeros = batch.filter((i) => small[i] === 0);
      const ones = batch.filter((i) => small[i] === 1);
      expect(zeros.length).toBe(3);
      expect(zeros.every((i) => i <= 1)).toBe(true);
      expect(new Set(ones).size).toBe(3);
    }
  });

  it("explains why the labels cannot fill a batch as asked", () => {
    expect(() => mPerClassSampler({ labels, m: 4, batchSize: 10 })).toThrow(/mPerClassSampler: batchSize must be a multiple of m, e.g. 8 or 12; got 10 with m = 4/);
    expect(() => mPerClassSampler({ labels, m: 4, batchSize: 32 })).toThrow(/at most m × classes = 24.*got 32 = 8 classes × m = 4, but labels hold 6 classes/);
    expect(() => mPerClassSampler({ labels: [], m: 2, batchSize: 4 })).toThrow(/labels must be a non-empty array/);
    expect(() => mPerClassSampler({ labels: [0, 1.5], m: 1, batchSize: 2 })).toThrow(/labels\[1\] must be an integer class id; got 1.5/);
    expect(() => mPerClassSampler({ labels, m: 0, batchSize: 4 })).toThrow(/m must be an integer ≥ 1; got 0/);
    expect(() => mPerClassSampler({ labels, m: 2, batchSize: 4, batchesPerEpoch: 0 })).toThrow(/batchesPerEpoch/);
  });
});
