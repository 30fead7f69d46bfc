import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError } from "@contrastive/core";
import { countLeakedTensors, useBackend } from "@contrastive/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convNet } from "./conv-net.js";
import { layersBackbone } from "./layers-backbone.js";
import { mlp } from "./mlp.js";
import { resnet } from "./resnet.js";
import { loadBackbone, saveBackbone } from "./save-backbone.js";

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL("..", import.meta.url));
const fixture = fileURLToPath(new URL("./fixtures/apply-saved-backbone.ts", import.meta.url));

describe("saveBackbone / loadBackbone", () => {
  let root: string;
  beforeAll(async () => {
    await useBackend("cpu");
    root = await mkdtemp(join(tmpdir(), "contrastive-backbones-"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("a saved ResNet-18 (trained BN statistics) gives identical outputs in a fresh node process", async () => {
    const backbone = resnet({ depth: 18, stem: "cifar", inputShape: [8, 8, 3], seed: 5 });
    const x = tf.randomUniform([2, 8, 8, 3], 0, 1, "float32", 9);
    tf.dispose(backbone.apply(x, { training: true })); // running averages move off 0 / 1
    const want = tf.tidy(() => backbone.apply(x).dataSync() as Float32Array);
    const dir = join(root, "resnet");
    await saveBackbone(backbone, dir);
    await writeFile(join(root, "x.bin"), Buffer.from((x.dataSync() as Float32Array).buffer));
    const { stdout } = await run(process.execPath, ["--import", "tsx", fixture, dir, join(root, "x.bin"), "2,8,8,3", join(root, "y.bin")], { cwd: packageDir });
    expect(JSON.parse(stdout.trim().split("\n").at(-1) as string)).toEqual({ name: "resnet18", outputDim: 512, shape: [2, 512] });
    const got = new Float32Array((await readFile(join(root, "y.bin"))).buffer.slice(0));
    expect(Array.from(got)).toEqual(Array.from(want));
    x.dispose();
    backbone.dispose();
  });

  it("round-trips convNet and a frozen mlp in this process, wrapper info included, without leaks", async () => {
    for (const [label, make] of [
      ["conv", () => convNet({ inputShape: [8, 8, 1], filters: [4, 8], seed: 1 })],
      ["mlp", () => {
        const { model, name, inputShape, outputDim } = mlp({ inputDim: 5, units: [7, 3], seed: 2 });
        return layersBackbone(model, { name, inputShape, outputDim, trainable: false }); // saved as frozen
      }],
    ] as const) {
      const backbone = make();
      await saveBackbone(backbone, join(root, label));
      const { leaked } = await countLeakedTensors(async () => {
        const loaded = await loadBackbone(join(root, label));
        expect([loaded.name, loaded.inputShape, loaded.outputDim, loaded.trainable]).toEqual([backbone.name, backbone.inputShape, backbone.outputDim, backbone.trainable]);
        const x = tf.ones([3, ...backbone.inputShape]);
        expect(Array.from(tf.tidy(() => loaded.apply(x).dataSync()))).toEqual(Array.from(tf.tidy(() => backbone.apply(x).dataSync())));
        x.dispose();
        loaded.dispose();
      });
      expect(leaked).toBe(0);
      backbone.dispose();
    }
  });

  it("names the path and the fault for missing, truncated or foreign files", async () => {
    await expect(loadBackbone(join(root, "absent"))).rejects.toThrow(/absent\/model\.json must be an existing, readable model\.json.*; got no such file/);
    const backbone = convNet({ inputShape: [8, 8, 1], filters: [4] });
    await saveBackbone(backbone, join(root, "cut"));
    backbone.dispose();
    await truncate(join(root, "cut", "weights.bin"), 100);
    const failure = await loadBackbone(join(root, "cut")).catch((e: unknown) => e);
    expect(ContrastiveError.isInstance(failure)).toBe(true);
    expect(String(failure)).toMatch(/cut\/weights\.bin must be 208 bytes, as the weights manifest of .*model\.json lists; got 100 bytes \(truncated\)/);
    const text = await readFile(join(root, "cut", "model.json"), "utf8");
    await writeFile(join(root, "cut", "model.json"), text.slice(0, text.length - 20));
    await expect(loadBackbone(join(root, "cut"))).rejects.toThrow(/cut\/model\.json must be the complete model\.json of a saved model; got \d+ bytes that are not valid JSON/);
    await expect(saveBackbone({ name: "x" } as never, join(root, "y"))).rejects.toThrow(/saveBackbone: backbone must be a backbone with a tfjs-layers model/);
  });
});
