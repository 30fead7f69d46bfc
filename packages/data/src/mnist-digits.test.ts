import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError } from "@contrastive/core";
import { TEST_BACKENDS, countLeakedTensors, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { mnistDigits } from "./mnist-digits.js";
import { mnistSplit } from "./mnist-split.js";

/** Image `k` of class `digit`, straight from the package's JSON. */
function fromJson(digit: number, k: number): number[] {
  const folder = dirname(createRequire(import.meta.url).resolve("mnist/package.json"));
  const data = (JSON.parse(readFileSync(join(folder, "src", "digits", `${digit}.json`), "utf8")) as { data: number[] }).data;
  return data.slice(k * 784, (k + 1) * 784);
}

function perClass(labels: Int32Array): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const label of labels) counts[label]! += 1;
  return counts;
}

describe("mnistSplit", () => {
  it("has 8,004 train and 1,996 test images, every 5th of each class in test", () => {
    expect(mnistSplit.classCounts.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(mnistSplit.classCounts).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    const test = mnistSplit.classCounts.map((n) => Array.from({ length: n }, (_, k) => k).filter(mnistSplit.isTest).length);
    expect(test.reduce((a, b) => a + b, 0)).toBe(1996);
    expect(mnistSplit.train + mnistSplit.test).toBe(10_000);
    expect([0, 3, 4, 5, 9].map(mnistSplit.isTest)).toEqual([false, false, true, false, true]);
  });
});

describe("mnistDigits", () => {
  it("holds 10,000 / 8,004 / 1,996 images with the per-class counts of the split, labels in class order", () => {
    const all = mnistDigits(), train = mnistDigits({ subset: "train" }), test = mnistDigits({ subset: "test" });
    expect([all.size, train.size, test.size]).toEqual([10_000, 8004, 1996]);
    expect(all.exampleShape).toEqual([28, 28, 1]);
    expect(perClass(all.labels)).toEqual([...mnistSplit.classCounts]);
    const testCounts = mnistSplit.classCounts.map((n) => Math.floor(n / 5));
    expect(perClass(test.labels)).toEqual(testCounts);
    expect(perClass(train.labels)).toEqual(mnistSplit.classCounts.map((n, c) => n - testCounts[c]!));
    for (const source of [all, train, test]) {
      expect(source.labels.every((label, i) => i === 0 || label >= source.labels[i - 1]!)).toBe(true);
    }
    expect(mnistDigits({ subset: "train" }).labels).toBe(train.labels); // parsed once, cached
  });

  it("rejects an unknown subset", () => {
    expect(() => mnistDigits({ subset: "validation" as never })).toThrow(ContrastiveError);
    expect(() => mnistDigits({ subset: "validation" as never })).toThrow(/mnistDigits: subset must be one of 'all', 'train', 'test'; got "validation"/);
  });
});

describe.each(TEST_BACKENDS)("mnistDigits.read on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("returns the JSON's pixels: first image, first test image (class 0, k 4), last train (9, 977) and test (9, 974)", async () => {
    const all = mnistDigits(), train = mnistDigits({ subset: "train" }), test = mnistDigits({ subset: "test" });
    const { leaked } = await countLeakedTensors(() => {
      const cases: [tf.Tensor, number[]][] = [
        [all.read([0]), fromJson(0, 0)],
        [all.read([9999]), fromJson(9, 977)],
        [test.read([0]), fromJson(0, 4)],
        [train.read([8003]), fromJson(9, 977)],
        [test.read([1995]), fromJson(9, 974)],
        [train.read([801]), fromJson(1, 0)], // class 0 has 1001 − 200 = 801 training images
      ];
      for (const [tensor, expected] of cases) {
        expect(tensor.shape).toEqual([1, 28, 28, 1]);
        const values = tensor.dataSync();
        expect(Array.from(values)).toEqual(Array.from(Float32Array.from(expected)));
        tensor.dispose();
      }
      const batch = train.read(Int32Array.from({ length: 256 }, (_, i) => i * 31));
      expect(batch.shape).toEqual([256, 28, 28, 1]);
      const values = batch.dataSync() as Float32Array;
      expect(values.reduce((a, b) => Math.min(a, b), Infinity)).toBe(0);
      expect(values.reduce((a, b) => Math.max(a, b), -Infinity)).toBeLessThanOrEqual(1);
      batch.dispose();
    });
    expect(leaked).toBe(0);
    expect(fromJson(0, 0).some((v) => v > 0)).toBe(true);
  });

  it("throws for out-of-range indices without allocating", () => {
    const before = tf.memory().numTensors;
    expect(() => mnistDigits().read([10_000])).toThrow(/mnistDigits\(all\)\.read: indices\[0\] must be an integer in \[0, 10000\)/);
    expect(() => mnistDigits({ subset: "test" }).read([0, 1996])).toThrow(ContrastiveError);
    expect(tf.memory().numTensors).toBe(before);
  });
});
