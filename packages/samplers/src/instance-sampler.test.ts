import { describe, expect, it } from "vitest";
import { instanceSampler } from "./instance-sampler.js";

const collect = (batches: Iterable<Int32Array>) => [...batches].map((b) => Array.from(b));

describe("instanceSampler", () => {
  it("visits every instance once per epoch (dropLast false)", () => {
    const sampler = instanceSampler({ size: 103, batchSize: 10, dropLast: false, seed: 1 });
    const batches = collect(sampler.batches(0));
    expect(batches.length).toBe(sampler.batchesPerEpoch());
    expect(batches.length).toBe(11);
    expect(batches.at(-1)!.length).toBe(3);
    expect(batches.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 103 }, (_, i) => i));
  });

  it("drops the last partial batch by default, with distinct indices in full batches", () => {
    const sampler = instanceSampler({ size: 8004, batchSize: 256 });
    const batches = collect(sampler.batches(0));
    expect(batches.length).toBe(31);
    expect(batches.every((b) => b.length === 256)).toBe(true);
    expect(new Set(batches.flat()).size).toBe(31 * 256);
  });

  it("is reproducible per (seed, epoch) and reshuffles between epochs and seeds", () => {
    const a = instanceSampler({ size: 50, batchSize: 5, seed: 7 });
    const b = instanceSampler({ size: 50, batchSize: 5, seed: 7 });
    const c = instanceSampler({ size: 50, batchSize: 5, seed: 8 });
    expect(collect(a.batches(3))).toEqual(collect(b.batches(3)));
    expect(collect(a.batches(3))).toEqual(collect(a.batches(3)));
    expect(collect(a.batches(3))).not.toEqual(collect(a.batches(4)));
    expect(collect(a.batches(3))).not.toEqual(collect(c.batches(3)));
  });

  it("shuffles uniformly: each instance lands in each position about equally often", () => {
    const sampler = instanceSampler({ size: 4, batchSize: 4 });
    const counts = Array.from({ length: 4 }, () => new Array(4).fill(0) as number[]);
    for (let epoch = 0; epoch < 4000; epoch++) {
      const [order] = collect(sampler.batches(epoch));
      order!.forEach((instance, position) => counts[instance]![position]!++);
    }
    for (const row of counts) for (const c of row) expect(Math.abs(c - 1000)).toBeLessThan(120);
  });

  it("rejects impossible options", () => {
    expect(() => instanceSampler({ size: 0, batchSize: 4 })).toThrow(/instanceSampler: size must be an integer ≥ 1; got 0/);
    expect(() => instanceSampler({ size: 10, batchSize: 2.5 })).toThrow(/batchSize/);
    expect(() => instanceSampler({ size: 10, batchSize: 11 })).toThrow(/at most size \(10\)/);
    expect(instanceSampler({ size: 10, batchSize: 11, dropLast: false }).batchesPerEpoch()).toBe(1);
  });
});
