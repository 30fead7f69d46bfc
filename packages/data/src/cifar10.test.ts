import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContrastiveError } from "@contrastive/core";
import { countLeakedTensors, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { cifar10 } from "./cifar10.js";

/** Record k: label k % 10, channel c of pixel p = (k + 3p + c) mod 256, written in CHW planes. */
function records(first: number, count: number): Buffer {
  const bytes = Buffer.alloc(count * 3073);
  for (let r = 0; r < count; r++) {
    const k = first + r;
    bytes[r * 3073] = k % 10;
    for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) bytes[r * 3073 + 1 + c * 1024 + p] = (k + 3 * p + c) % 256;
  }
  return bytes;
}

let folder = "";
beforeAll(async () => {
  await useBackend("cpu");
  folder = mkdtempSync(join(tmpdir(), "cifar-"));
  writeFileSync(join(folder, "data_batch_1.bin"), records(0, 3));
  writeFileSync(join(folder, "data_batch_2.bin"), records(3, 2));
  writeFileSync(join(folder, "test_batch.bin"), records(100, 1));
  writeFileSync(join(folder, "batches.meta.txt"), "airplane\n");
});

describe("cifar10", () => {
  it("reads every data_batch in order, CHW planes to HWC, labels from the first byte", async () => {
    const train = cifar10(folder);
    expect([train.size, train.exampleShape, Array.from(train.labels)]).toEqual([5, [32, 32, 3], [0, 1, 2, 3, 4]]);
    const { leaked } = await countLeakedTensors(() => {
      const batch = train.read([4, 0]);
      expect(batch.shape).toEqual([2, 32, 32, 3]);
      const values = batch.dataSync();
      // image 4 (the second file's second record), pixel p = 5 (row 0, column 5), channel 2: (4 + 15 + 2) / 255
      expect(values[5 * 3 + 2]).toBeCloseTo(21 / 255, 6);
      expect(values[3072 + 1023 * 3 + 1]).toBeCloseTo(((0 + 3 * 1023 + 1) % 256) / 255, 6);
      batch.dispose();
    });
    expect(leaked).toBe(0);
    const { images, indices } = await train.readImages([3]);
    expect([images[0]!.height, images[0]!.width, images[0]!.channels, images[0]!.data[2], Array.from(indices)]).toEqual([32, 32, 3, 5, [3]]);
    const test = cifar10(folder, { subset: "test" });
    expect([test.size, test.labels[0]]).toEqual([1, 0]);
  });

  it("rejects missing files, truncated files and bad labels, naming the file", () => {
    const empty = mkdtempSync(join(tmpdir(), "cifar-empty-"));
    expect(() => cifar10(empty)).toThrow(/must be the extracted cifar-10-batches-bin folder; got a folder without data_batch_<n>\.bin/);
    const broken = mkdtempSync(join(tmpdir(), "cifar-broken-"));
    writeFileSync(join(broken, "data_batch_1.bin"), records(0, 1).subarray(0, 3000));
    expect(() => cifar10(broken)).toThrow(/data_batch_1\.bin must be a multiple of 3073 bytes/);
    const labels = mkdtempSync(join(tmpdir(), "cifar-labels-"));
    const bad = records(0, 2);
    bad[3073] = 12;
    writeFileSync(join(labels, "data_batch_1.bin"), bad);
    expect(() => cifar10(labels)).toThrow(ContrastiveError);
    expect(() => cifar10(folder).read([5])).toThrow(/indices\[0\] must be an integer in \[0, 5\)/);
  });
});
