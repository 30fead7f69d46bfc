import { mkdtemp, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "@contrastive/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restoreBankState, saveBankState } from "@contrastive/core/node";
import { memoryBank } from "./memory-bank.js";
import { queue } from "./queue.js";

let dir: string;
beforeAll(async () => {
  await useBackend("wasm");
  dir = await mkdtemp(join(tmpdir(), "bank-file-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("saveBankState / restoreBankState", () => {
  it("round-trips a queue (contents and write position) and a memory bank through a file", async () => {
    const q = queue({ size: 6, dim: 3, seed: 1 });
    const keys = tf.randomNormal([4, 3], 0, 1, "float32", 2) as tf.Tensor2D;
    q.update(keys, { indices: new Int32Array(4) });
    await saveBankState(q, join(dir, "nested", "queue.bin"));
    const copy = queue({ size: 6, dim: 3, seed: 9 });
    await restoreBankState(copy, join(dir, "nested", "queue.bin"));
    expect(copy.pointer).toBe(4);
    expect(Array.from(copy.state().values)).toEqual(Array.from(q.state().values));

    const bank = memoryBank({ size: 5, dim: 3, seed: 3 });
    const two = tf.slice(keys, [0, 0], [2, 3]);
    bank.update(two, { indices: Int32Array.from([1, 4]) });
    two.dispose();
    await saveBankState(bank, join(dir, "bank.bin"));
    const restored = memoryBank({ size: 5, dim: 3, seed: 4 });
    await restoreBankState(restored, join(dir, "bank.bin"));
    expect(Array.from(restored.state().values)).toEqual(Array.from(bank.state().values));
    [q, copy].forEach((x) => x.dispose());
    keys.dispose();
  });

  it("names the path and the fault for a missing, truncated or foreign file, and a bank of another shape", async () => {
    const q = queue({ size: 4, dim: 2 });
    const path = join(dir, "q.bin");
    await expect(restoreBankState(q, join(dir, "missing.bin"))).rejects.toThrow(/restoreBankState: .*missing\.bin must be a complete file written by saveBankState; got no such file/);
    await saveBankState(q, path);
    await truncate(path, (await stat(path)).size - 8); // one row of values short
    await expect(restoreBankState(q, path)).rejects.toThrow(/q\.bin must be .*; got \d+ bytes \(truncated; \d+ expected for shape \[4, 2\]\)/);
    await writeFile(path, "hello, world");
    await expect(restoreBankState(q, path)).rejects.toThrow(/got \d+ bytes, too short for its header|not JSON|without the/);
    await saveBankState(queue({ size: 5, dim: 2 }), path);
    await expect(restoreBankState(q, path)).rejects.toThrow(/queue: state must be the state of a queue of shape \[4, 2\]/);
    q.dispose();
  });
});
