import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError } from "@contrastive/core";
import { TEST_BACKENDS, countLeakedTensors, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { memoryBank } from "./memory-bank.js";
import { queue } from "./queue.js";

const rows = (t: tf.Tensor2D) => {
  const out = t.arraySync();
  t.dispose();
  return out;
};
const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const ctx = (...indices: number[]) => ({ indices: Int32Array.from(indices) });

describe.each(TEST_BACKENDS)("memoryBank on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("starts with unit entries and follows v ← normalize(m·v + (1 − m)·f)", async () => {
    const bank = memoryBank({ size: 6, dim: 3, momentum: 0.25, negativesPerBatch: 4, seed: 1 });
    const before = rows(bank.positives!(ctx(0, 1, 2, 3, 4, 5)));
    for (const v of before) expect(norm(v)).toBeCloseTo(1, 5);
    const keys = tf.tensor2d([[3, 0, 4], [0, -2, 0]]);
    const { leaked } = await countLeakedTensors(() => bank.update(keys, ctx(4, 1)));
    expect(leaked).toBe(0);
    const after = rows(bank.positives!(ctx(0, 1, 2, 3, 4, 5)));
    const expected = (old: number[], f: number[]) => {
      const fn = f.map((x) => x / norm(f));
      const mixed = old.map((x, i) => 0.25 * x + 0.75 * fn[i]!);
      return mixed.map((x) => x / norm(mixed));
    };
    expected(before[4]!, [3, 0, 4]).forEach((x, i) => expect(after[4]![i]).toBeCloseTo(x, 5));
    expected(before[1]!, [0, -2, 0]).forEach((x, i) => expect(after[1]![i]).toBeCloseTo(x, 5));
    for (const untouched of [0, 2, 3, 5]) expect(after[untouched]).toEqual(before[untouched]);
    keys.dispose();
  });

  it("draws K negatives from the bank, never the batch's own instances, reproducibly from the seed", () => {
    const make = () => memoryBank({ size: 10, dim: 2, negativesPerBatch: 500, seed: 3 });
    const bank = make();
    const all = rows(bank.positives!(ctx(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)));
    const drawn = rows(bank.negatives(ctx(2, 7)));
    expect(drawn.length).toBe(500);
    const which = drawn.map((v) => all.findIndex((e) => e[0] === v[0] && e[1] === v[1]));
    expect(which.every((i) => i >= 0 && i !== 2 && i !== 7)).toBe(true);
    expect(new Set(which).size).toBe(8);
    expect(rows(make().negatives(ctx(2, 7)))).toEqual(drawn);
    const inclusive = memoryBank({ size: 3, dim: 2, negativesPerBatch: 60, excludeBatch: false });
    const seen = new Set(rows(inclusive.negatives(ctx(0, 1, 2))).map((v) => v.join()));
    expect(seen.size).toBe(3);
  });

  it("is never part of the gradient", () => {
    const bank = memoryBank({ size: 8, dim: 4, negativesPerBatch: 8 });
    const x = tf.variable(tf.randomNormal([2, 4], 0, 1, "float32", 1));
    const { grads, value } = tf.variableGrads(() => {
      const negatives = bank.negatives(ctx(0, 1));
      return tf.sum(tf.matMul(x, negatives, false, true));
    }, [x]);
    expect(Object.keys(grads)).toEqual([x.name]);
    tf.dispose([grads[x.name]!, value, x]);
  });

  it("saves and restores its contents; rejects a state of another shape", () => {
    const a = memoryBank({ size: 5, dim: 2, seed: 1 });
    const b = memoryBank({ size: 5, dim: 2, seed: 2 });
    const keys = tf.tensor2d([[1, 1]]);
    a.update(keys, ctx(3));
    b.restore(a.state());
    expect(rows(b.positives!(ctx(0, 1, 2, 3, 4)))).toEqual(rows(a.positives!(ctx(0, 1, 2, 3, 4))));
    expect(() => memoryBank({ size: 6, dim: 2 }).restore(a.state())).toThrow(/memoryBank: state must be the state of a memoryBank of shape \[6, 2\]/);
    keys.dispose();
  });

  it("rejects bad options, keys and indices", () => {
    expect(() => memoryBank({ size: 4, dim: 2, momentum: 1 })).toThrow(/momentum must be a number in \[0, 1\)/);
    expect(() => memoryBank({ size: 0, dim: 2 })).toThrow(ContrastiveError);
    const bank = memoryBank({ size: 4, dim: 2 });
    const keys = tf.tensor2d([[1, 2, 3]]);
    expect(() => bank.update(keys, ctx(0))).toThrow(/memoryBank: keys must be a tensor of shape \[1, 2\]/);
    expect(() => bank.negatives(ctx(0, 9))).toThrow(/context.indices\[1\] must be instance indices in \[0, 4\); got 9/);
    const nan = tf.tensor2d([[Number.NaN, 1]]);
    expect(() => bank.update(nan, ctx(0))).toThrow(/NaN/);
    expect(() => memoryBank({ size: 2, dim: 2 }).negatives(ctx(0, 1))).toThrow(/all in the batch/);
    tf.dispose([keys, nan]);
  });
});

describe.each(TEST_BACKENDS)("queue on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("overwrites the oldest keys first and wraps around the end", async () => {
    const q = queue({ size: 5, dim: 2, seed: 4 });
    const initial = rows(q.negatives(ctx()));
    for (const v of initial) expect(norm(v)).toBeCloseTo(1, 5);
    const k = (...xs: number[]) => tf.tensor2d(xs.map((x) => [x, 0]));
    const a = k(1, 2, 3);
    const { leaked } = await countLeakedTensors(() => q.update(a, ctx(0, 0, 0)));
    expect(leaked).toBe(0);
    expect(q.pointer).toBe(3);
    expect(rows(q.negatives(ctx()))).toEqual([[1, 0], [1, 0], [1, 0], initial[3], initial[4]]);
    const b = k(-1, -2, -3);
    q.update(b, ctx());
    expect(q.pointer).toBe(1);
    expect(rows(q.negatives(ctx()))).toEqual([[-1, 0], [1, 0], [1, 0], [-1, 0], [-1, 0]]);
    const full = k(5, 5, 5, 5, 5);
    q.update(full, ctx());
    expect(q.pointer).toBe(1);
    tf.dispose([a, b, full]);
    q.dispose();
  });

  it("saves and restores contents and write position; never enters the gradient; no leaks over many updates", async () => {
    const q = queue({ size: 8, dim: 3 });
    const keys = tf.randomNormal([3, 3], 0, 1, "float32", 9) as tf.Tensor2D;
    const { leaked } = await countLeakedTensors(() => {
      for (let i = 0; i < 50; i++) q.update(keys, ctx());
    });
    expect(leaked).toBe(0);
    const copy = queue({ size: 8, dim: 3, seed: 9 });
    copy.restore(q.state());
    expect(copy.pointer).toBe(q.pointer);
    expect(rows(copy.negatives(ctx()))).toEqual(rows(q.negatives(ctx())));
    const x = tf.variable(tf.ones([1, 3]));
    const { grads, value } = tf.variableGrads(() => tf.sum(tf.matMul(x, q.negatives(ctx()), false, true)), [x]);
    expect(Object.keys(grads)).toEqual([x.name]);
    tf.dispose([grads[x.name]!, value, x, keys]);
    expect(() => q.restore({ ...q.state(), extra: { pointer: 8 } })).toThrow(/pointer must be an integer in \[0, 8\)/);
    const tooMany = tf.ones([9, 3]) as tf.Tensor2D;
    expect(() => q.update(tooMany, ctx())).toThrow(/at most the queue's size \(8\)/);
    tooMany.dispose();
    q.dispose();
    copy.dispose();
  });
});
