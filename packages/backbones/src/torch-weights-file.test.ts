import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError } from "@contrastive/core";
import { readSafetensorsFile } from "@contrastive/core/node";
import { useBackend } from "@contrastive/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convNet } from "./conv-net.js";
import { resnet } from "./resnet.js";
import { loadBackbone, saveBackbone } from "./save-backbone.js";
import { exportTorchWeights, importTorchWeights } from "./torch-weights-file.js";

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(ContrastiveError.isInstance(error)).toBe(true);
  return error as Error;
}

describe("importTorchWeights / exportTorchWeights (files on disk)", () => {
  let root: string;
  beforeAll(async () => {
    await useBackend("cpu");
    root = await mkdtemp(join(tmpdir(), "contrastive-torch-files-"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("export then import with timm names (the same as torchvision's) gives a model folder with identical outputs", async () => {
    const before = tf.memory().numTensors;
    const original = resnet({ depth: 18, stem: "cifar", inputShape: [8, 8, 3], seed: 4 });
    const x = tf.randomUniform([2, 8, 8, 3], 0, 1, "float32", 1);
    tf.tidy(() => void original.apply(x, { training: true }));
    await saveBackbone(original, join(root, "original"));
    const written = await exportTorchWeights({ model: join(root, "original"), out: join(root, "r18.safetensors") });
    expect(written.tensors).toBe(120);
    const { metadata } = await readSafetensorsFile(join(root, "r18.safetensors"));
    expect(JSON.parse(metadata["contrastive.backbone"] as string)).toEqual({ kind: "resnet", depth: 18, stem: "cifar", inputShape: [8, 8, 3] });
    const report = await importTorchWeights({ weights: join(root, "r18.safetensors"), backbone: "resnet18", stem: "cifar", names: "timm", inputShape: [8, 8, 3], out: join(root, "imported") });
    expect(report.loaded.length).toBe(original.weights.length);
    const again = await loadBackbone(join(root, "imported"));
    const [want, got] = tf.tidy(() => [original.apply(x).dataSync(), again.apply(x).dataSync()]);
    expect(Array.from(got as Float32Array)).toEqual(Array.from(want as Float32Array));
    for (const t of [original, again, x]) t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("names the file and the tensor for a shape mismatch, and refuses bad options", async () => {
    const encoder = convNet({ inputShape: [8, 8, 3], filters: [4] });
    await saveBackbone(encoder, join(root, "conv"));
    encoder.dispose();
    const file = join(root, "conv.safetensors");
    expect((await exportTorchWeights({ model: join(root, "conv"), out: file })).tensors).toBe(6);
    const keys = (await rejection(importTorchWeights({ weights: file, backbone: "resnet18", out: join(root, "x") }))).message;
    expect(keys).toContain(`${file} state dict`);
    expect(keys).toContain('Missing key(s): "conv1.weight"');
    expect(keys).toContain('Unexpected key(s): "0.weight"');
    const r18 = join(root, "r18.safetensors");
    const shape = (await rejection(importTorchWeights({ weights: r18, backbone: "resnet18", stem: "imagenet", inputShape: [32, 32, 3], out: join(root, "y") }))).message;
    expect(shape).toContain(`${r18} tensor "conv1.weight"`);
    expect(shape).toContain("[64, 3, 3, 3] in the file");
    expect((await rejection(importTorchWeights({ weights: r18, backbone: "resnet101" as never, out: "z" }))).message).toContain("backbone");
    expect((await rejection(importTorchWeights({ weights: join(root, "none.safetensors"), backbone: "resnet18", out: "z" }))).message).toContain("no such file");
    expect((await rejection(exportTorchWeights({ model: "", out: "z" }))).message).toContain("exportTorchWeights: model");
  });
});
