import { mkdtemp, rm, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError } from "@contrastive/core";
import { countLeakedTensors, useBackend } from "@contrastive/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadHead, saveHead } from "./save-head.js";
import { simsiamHead } from "./simsiam-head.js";

describe("saveHead / loadHead", () => {
  let root: string;
  beforeAll(async () => {
    await useBackend("cpu");
    root = await mkdtemp(join(tmpdir(), "contrastive-heads-"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("round-trips a head with batch norm (running averages included) to identical outputs", async () => {
    const head = simsiamHead({ inputDim: 6, hiddenDim: 10, outputDim: 5, seed: 4 });
    const x = tf.randomNormal([7, 6], 0, 1, "float32", 3) as tf.Tensor2D;
    tf.dispose(head.apply(x, { training: true })); // moves the running averages off their initial values
    const want = tf.tidy(() => head.apply(x).dataSync());
    await saveHead(head, join(root, "h"));
    const { leaked } = await countLeakedTensors(async () => {
      const loaded = await loadHead(join(root, "h"));
      expect([loaded.name, loaded.inputDim, loaded.outputDim]).toEqual(["simsiamHead", 6, 5]);
      expect(Array.from(tf.tidy(() => loaded.apply(x).dataSync()))).toEqual(Array.from(want));
      loaded.dispose();
    });
    expect(leaked).toBe(0);
    x.dispose();
    head.dispose();
  });

  it("names the file and the fault when it is missing or truncated", async () => {
    await expect(loadHead(join(root, "nothing"))).rejects.toThrow(/nothing\/model\.json must be .*; got no such file/);
    const head = simsiamHead({ inputDim: 4, hiddenDim: 4, outputDim: 4 });
    await saveHead(head, join(root, "t"));
    head.dispose();
    await truncate(join(root, "t", "weights.bin"), 10);
    const failure = await loadHead(join(root, "t")).catch((e: unknown) => e);
    expect(ContrastiveError.isInstance(failure)).toBe(true);
    expect(String(failure)).toMatch(/t\/weights\.bin must be \d+ bytes.*; got 10 bytes \(truncated\)/);
    await expect(saveHead({} as never, join(root, "x"))).rejects.toThrow(/saveHead: head must be a head with a tfjs-layers model/);
  });
});
