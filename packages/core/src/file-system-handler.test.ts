import { mkdtemp, readFile, readdir, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tfjs from "@tensorflow/tfjs";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContrastiveError } from "./errors.js";
import { fileSystemHandler } from "./file-system-handler.js";
import { countLeakedTensors, useBackend } from "./testing.js";

describe("fileSystemHandler", () => {
  let root: string;
  beforeAll(async () => {
    await useBackend("cpu");
    root = await mkdtemp(join(tmpdir(), "contrastive-fs-"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const smallModel = () => {
    const model = tfjs.sequential({ name: "small" });
    model.add(tfjs.layers.dense({ units: 3, inputShape: [4], kernelInitializer: tfjs.initializers.randomNormal({ seed: 1 }) }));
    model.add(tfjs.layers.batchNormalization({}));
    return model;
  };

  it("writes model.json + weights.bin and reads back the same model and weights", async () => {
    const dir = join(root, "a");
    const model = smallModel();
    model.setUserDefinedMetadata({ note: "kept" });
    const result = await model.save(fileSystemHandler(dir));
    expect(result.modelArtifactsInfo.weightDataBytes).toBe((4 * 3 + 3 + 4 * 3) * 4);
    expect((await readdir(dir)).sort()).toEqual(["model.json", "weights.bin"]); // no temporary files left
    const json = JSON.parse(await readFile(join(dir, "model.json"), "utf8"));
    expect(json.format).toBe("layers-model");
    expect(json.weightsManifest[0].paths).toEqual(["./weights.bin"]);
    const { leaked } = await countLeakedTensors(async () => {
      const loaded = await tfjs.loadLayersModel(fileSystemHandler(dir));
      expect(loaded.getUserDefinedMetadata()).toEqual({ note: "kept" });
      const x = tf.tensor2d([[1, 2, 3, 4]]);
      const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      tf.dispose([x, a, b]);
      loaded.dispose();
    });
    expect(leaked).toBe(0);
    model.dispose();
  });

  it("overwrites a previous save, alternating the weights file name so model.json always names complete weights", async () => {
    const dir = join(root, "b");
    const model = smallModel();
    await model.save(fileSystemHandler(dir));
    await model.save(fileSystemHandler(dir));
    // the second save never replaces the file the first model.json names: its weights go beside it
    const names = (await readdir(dir)).sort();
    expect(names).toEqual(["model.json", expect.stringMatching(/^weights-[0-9a-f]{16}\.bin$/)]);
    expect(JSON.parse(await readFile(join(dir, "model.json"), "utf8")).weightsManifest[0].paths).toEqual([`./${names[1]}`]);
    await model.save(fileSystemHandler(dir));
    expect((await readdir(dir)).sort()).toEqual(["model.json", "weights.bin"]);
    (await tfjs.loadLayersModel(fileSystemHandler(dir))).dispose();
    model.dispose();
  });

  it("names the path and the fault for a missing directory, missing weights, truncated files", async () => {
    await expect(fileSystemHandler(join(root, "none")).load!()).rejects.toThrow(/none\/model\.json must be an existing, readable model\.json.*; got no such file/);
    const dir = join(root, "c");
    const model = smallModel();
    await model.save(fileSystemHandler(dir));
    model.dispose();
    await truncate(join(dir, "weights.bin"), 40);
    const truncated = fileSystemHandler(dir).load!();
    await expect(truncated).rejects.toThrow(ContrastiveError);
    await expect(fileSystemHandler(dir).load!()).rejects.toThrow(/c\/weights\.bin must be 108 bytes.*; got 40 bytes \(truncated\)/);
    await rm(join(dir, "weights.bin"));
    await expect(fileSystemHandler(dir).load!()).rejects.toThrow(/c\/weights\.bin must be an existing.*; got no such file/);
    const text = await readFile(join(dir, "model.json"), "utf8");
    await writeFile(join(dir, "model.json"), text.slice(0, 50));
    await expect(fileSystemHandler(dir).load!()).rejects.toThrow(/c\/model\.json must be the complete model\.json.*; got 50 bytes that are not valid JSON/);
    expect(() => fileSystemHandler("")).toThrow(/fileSystemHandler: directory must be/);
  });
});
