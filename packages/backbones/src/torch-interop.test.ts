import { execFile, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { readSafetensorsFile } from "@contrastive/core/node";
import { type TestBackend, useBackend } from "@contrastive/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resnet } from "./resnet.js";
import { loadBackbone, saveBackbone } from "./save-backbone.js";
import { exportTorchWeights, importTorchWeights } from "./torch-weights-file.js";

const run = promisify(execFile);
const python = "/usr/bin/python3";
const scaleOut = fileURLToPath(new URL("../../../scale-out", import.meta.url));
const hasTorch = spawnSync(python, ["-c", "import torch, torchvision"]).status === 0;
if (!hasTorch) console.warn(`torch interop tests skipped: ${python} cannot import torch and torchvision`);

/** max |a − b| / max |b|: the error relative to the scale of the reference features. */
function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let difference = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    difference = Math.max(difference, Math.abs((got[i] as number) - (want[i] as number)));
    scale = Math.max(scale, Math.abs(want[i] as number));
  }
  return difference / scale;
}

async function features(file: string): Promise<{ images: Float32Array; features: Float32Array; shape: number[] }> {
  const { tensors } = await readSafetensorsFile(file);
  const images = tensors.get("images");
  return { images: images?.values as Float32Array, shape: images?.shape ?? [], features: tensors.get("features")?.values as Float32Array };
}

describe.skipIf(!hasTorch)("weights both ways with torchvision (eval-mode features within 1e-4 relative)", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "contrastive-torch-"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const cases: Array<[18 | 50, TestBackend]> = [[18, "cpu"], [18, "wasm"], [50, "wasm"]];
  for (const [depth, backend] of cases) {
    it(`torchvision ResNet-${depth} → importTorchWeights → loadBackbone → same features, and back (${backend})`, async () => {
      await useBackend(backend);
      const dir = join(root, `r${depth}-${backend}`);
      await mkdir(dir, { recursive: true });
      await run(python, [join(scaleOut, "reference.py"), "torchvision", "--depth", String(depth), "--out", dir], { cwd: scaleOut });
      const reference = await features(join(dir, "reference.safetensors"));
      const half = (await readSafetensorsFile(join(dir, "half.safetensors"))).tensors;
      expect([half.get("f16")?.dtype, half.get("bf16")?.dtype]).toEqual(["F16", "BF16"]);
      expect(Array.from(half.get("f16")?.values as Float32Array)).toEqual(Array.from(half.get("f16_as_f32")?.values as Float32Array)); // torch's own decoding
      expect(Array.from(half.get("bf16")?.values as Float32Array)).toEqual(Array.from(half.get("bf16_as_f32")?.values as Float32Array));
      const report = await importTorchWeights({ weights: join(dir, "weights.safetensors"), backbone: `resnet${depth}`, inputShape: [64, 64, 3], out: join(dir, "model") });
      expect(report.missing).toEqual([]);
      const before = tf.memory().numTensors;
      const encoder = await loadBackbone(join(dir, "model"));
      const images = tf.tensor4d(reference.images, reference.shape as [number, number, number, number]);
      const ours = tf.tidy(() => encoder.apply(images).dataSync() as Float32Array);
      const imported = relativeError(ours, reference.features);
      console.log(`ResNet-${depth} ${backend}: torchvision → JS max relative error ${imported.toExponential(2)}`);
      expect(imported).toBeLessThan(1e-4);

      // ours, with other weights and moved batch-norm statistics, into torchvision (strict, fc dropped)
      const mine = resnet({ depth, stem: "imagenet", inputShape: [64, 64, 3], seed: 11 });
      for (let i = 0; i < 2; i++) tf.tidy(() => void mine.apply(tf.randomUniform([2, 64, 64, 3], 0, 1, "float32", i), { training: true }));
      await saveBackbone(mine, join(dir, "mine"));
      const exported = await exportTorchWeights({ model: join(dir, "mine"), out: join(dir, "mine.safetensors") });
      expect(exported.tensors).toBe(depth === 18 ? 120 : 318);
      await run(python, [join(scaleOut, "reference.py"), "features", "--weights", join(dir, "mine.safetensors"), "--images", join(dir, "reference.safetensors"), "--out", join(dir, "torch-features.safetensors")], { cwd: scaleOut });
      const theirs = (await features(join(dir, "torch-features.safetensors"))).features;
      const want = tf.tidy(() => mine.apply(images).dataSync() as Float32Array);
      const back = relativeError(want, theirs);
      console.log(`ResNet-${depth} ${backend}: JS → torchvision max relative error ${back.toExponential(2)}`);
      expect(back).toBeLessThan(1e-4);
      images.dispose();
      encoder.dispose();
      mine.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }, 300_000);
  }
});
