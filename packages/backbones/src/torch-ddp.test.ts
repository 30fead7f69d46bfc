import { execFile, spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "@contrastive/core";
import { readSafetensorsFile, writeSafetensorsFile } from "@contrastive/core/node";
import { useBackend } from "@contrastive/core/testing";
import { projectionHead } from "@contrastive/heads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convNet } from "./conv-net.js";
import { exportTorchModules, importTorchModules } from "./torch-modules-file.js";
import { toTorchStateDict } from "./torch-weights.js";

const run = promisify(execFile);
const python = "/usr/bin/python3";
const torchrun = "/usr/bin/torchrun";
/** stdout to the console, stderr to torchrun's log files: explicit because torch 1.13's parsing of the default "0" fails on Python 3.11. */
const torchrunStreams = ["--redirects", "2", "--tee", "1"];
const scaleOut = fileURLToPath(new URL("../../../scale-out", import.meta.url));
const hasTorch = spawnSync(python, ["-c", "import torch, torchvision, torch.distributed"]).status === 0 && spawnSync(torchrun, ["--help"]).status === 0;
if (!hasTorch) console.warn(`scale-out DDP tests skipped: ${python} cannot import torch and torchvision, or ${torchrun} is absent`);

describe.skipIf(!hasTorch)("scale-out: JS → PyTorch DDP (gloo, CPU) → JS", () => {
  let root: string;
  beforeAll(async () => {
    await useBackend("cpu");
    root = await mkdtemp(join(tmpdir(), "contrastive-ddp-"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("2 processes give the 1-process loss at every step (1e-5), and the trained weights give PyTorch's features here", async () => {
    const before = tf.memory().numTensors;
    const encoder = convNet({ inputShape: [16, 16, 3], filters: [8, 16], seed: 1 });
    const head = projectionHead({ inputDim: 16, hiddenDims: [16], outputDim: 8, seed: 2 });
    const init = join(root, "init.safetensors");
    await exportTorchModules(init, { backbone: encoder, head });
    const rng = createRng(5);
    const images = Float32Array.from({ length: 16 * 16 * 16 * 3 }, () => rng.next());
    await writeSafetensorsFile(join(root, "images.safetensors"), { images: { shape: [16, 16, 16, 3], values: images } });

    const losses: number[][] = [];
    for (const processes of [1, 2]) {
      const { stdout } = await run(torchrun, ["--standalone", "--nproc_per_node", String(processes), ...torchrunStreams, "train_ddp.py", "--init", init, "--images", join(root, "images.safetensors"), "--batch-size", "8", "--steps", "2", "--backend", "gloo", "--out", join(root, `trained-${processes}.safetensors`), "--features-images", join(root, "images.safetensors"), "--features-out", join(root, `features-${processes}.safetensors`)], { cwd: scaleOut, env: { ...process.env, OMP_NUM_THREADS: "1" } });
      const lines = stdout.split("\n").flatMap((line) => /\{.*\}$/.exec(line) ?? []).map((json) => JSON.parse(json) as { step: number; loss: number; world: number });
      expect(lines.map((l) => [l.step, l.world])).toEqual([[0, processes], [1, processes]]);
      losses.push(lines.map((l) => l.loss));
    }
    const [one, two] = losses as [number[], number[]];
    const gap = Math.max(...one.map((loss, i) => Math.abs(loss - (two[i] as number))));
    console.log(`DDP losses 1 process ${one.join(", ")}; 2 processes ${two.join(", ")}; max difference ${gap.toExponential(2)}`);
    expect(gap).toBeLessThan(1e-5);
    expect(one[0]).toBeGreaterThan(0);

    const fresh = convNet({ inputShape: [16, 16, 3], filters: [8, 16], seed: 7 });
    const freshHead = projectionHead({ inputDim: 16, hiddenDims: [16], outputDim: 8, seed: 8 });
    const reports = await importTorchModules(join(root, "trained-2.safetensors"), { backbone: fresh, head: freshHead });
    expect(reports.head?.loaded.length).toBe(freshHead.weights.length);
    const initial = toTorchStateDict(encoder).get("0.weight")?.values as Float32Array;
    const after = toTorchStateDict(fresh).get("0.weight")?.values as Float32Array;
    expect(after.some((v, i) => v !== initial[i])).toBe(true); // training moved the weights
    const want = (await readSafetensorsFile(join(root, "features-2.safetensors"))).tensors.get("features")?.values as Float32Array;
    const got = tf.tidy(() => fresh.apply(tf.tensor4d(images, [16, 16, 16, 3])).dataSync() as Float32Array);
    let difference = 0;
    let scale = 0;
    want.forEach((w, i) => {
      difference = Math.max(difference, Math.abs((got[i] as number) - w));
      scale = Math.max(scale, Math.abs(w));
    });
    console.log(`JS → DDP → JS features: max relative error ${(difference / scale).toExponential(2)}`);
    expect(difference / scale).toBeLessThan(1e-4);
    for (const m of [encoder, head, fresh, freshHead]) m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
