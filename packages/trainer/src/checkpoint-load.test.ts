import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { convNet } from "@contrastive/backbones";
import type { Augmentation, Loss, Rng } from "@contrastive/core";
import { useBackend } from "@contrastive/core/testing";
import { projectionHead } from "@contrastive/heads";
import { queue } from "@contrastive/samplers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCheckpoint, saveCheckpoint } from "./checkpoint.js";
import { momentumEncoder } from "./momentum-encoder.js";
import { createTrainer } from "./trainer.js";

let root: string;
beforeAll(async () => {
  await useBackend("cpu");
  root = await mkdtemp(join(tmpdir(), "checkpoint-load-"));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const twoViews: Augmentation<tf.Tensor4D, tf.Tensor4D[]> = {
  name: "twoViews",
  apply: (images, rng: Rng) => [0, 1].map((v) => tf.tidy(() => tf.add(images, tf.randomNormal(images.shape, 0, 0.05, "float32", rng.fork(v).uint32())))) as tf.Tensor4D[],
};
const loss: Loss = {
  name: "negatives",
  compute: ({ views: [a, b], negatives }) => tf.tidy(() => tf.add(tf.mean(tf.square(tf.sub(a!, b!))), tf.mul(1e-3, tf.mean(tf.matMul(a!, negatives!, false, true))))) as tf.Scalar,
};
/** A trained pipeline with batch norm, Adam's moments, a queue and a momentum encoder. */
function trained(seed: number) {
  const backbone = convNet({ inputShape: [8, 8, 1], filters: [4, 8], seed });
  const head = projectionHead({ inputDim: 8, hiddenDims: [8], outputDim: 4, seed });
  const target = { backbone: convNet({ inputShape: [8, 8, 1], filters: [4, 8], seed: seed + 1 }), head: projectionHead({ inputDim: 8, hiddenDims: [8], outputDim: 4, seed: seed + 1 }) };
  const momentum = momentumEncoder({ online: { backbone, head }, target, momentum: 0.9 });
  const optimizer = tf.train.adam(1e-2);
  const negatives = queue({ size: 8, dim: 4, seed });
  const trainer = createTrainer({ backbone, head, optimizer, negatives, momentumEncoder: momentum, loss, augment: twoViews, seed });
  const images = tf.randomUniform([4, 8, 8, 1], 0, 1, "float32", seed) as tf.Tensor4D;
  for (let i = 0; i < 2; i++) trainer.step(images, { indices: Int32Array.from([0, 1, 2, 3]) });
  images.dispose();
  const parts = { backbone, head, optimizer, negatives, target };
  return { parts, dispose: () => [backbone, head, target.backbone, target.head, optimizer, negatives].forEach((x) => x.dispose()) };
}
/** Every value a load could touch: all weights (BN statistics too), the optimizer's slots, the bank. */
async function snapshot(parts: ReturnType<typeof trained>["parts"]) {
  const slots = await parts.optimizer.getWeights();
  const out = {
    weights: [parts.backbone, parts.head, parts.target.backbone, parts.target.head].flatMap((p) => p.weights.map((v) => Array.from(v.dataSync()))),
    slots: slots.map((s) => [s.name, Array.from(s.tensor.dataSync())]),
    bank: Array.from(parts.negatives.state().values),
    pointer: parts.negatives.state().extra?.pointer,
  };
  tf.dispose(slots.map((s) => s.tensor).filter((t) => !(t instanceof tf.Variable)));
  return out;
}

describe("loadCheckpoint validates everything before assigning anything", () => {
  it("a refused load (dtype, missing or corrupted bank, corrupted weights, slot shape, bad latest) leaves every value as it was", async () => {
    const saved = trained(1);
    const dir = join(root, "refused");
    await saveCheckpoint(dir, saved.parts, { epoch: 0 });
    await saveCheckpoint(dir, saved.parts, { epoch: 1 });
    const live = trained(5);
    const before = await snapshot(live.parts);
    const folder = join(dir, "epoch-0001");
    const json = await readFile(join(folder, "model.json"), "utf8");
    const weights = await readFile(join(folder, "weights.bin"));
    const bank = await readFile(join(folder, "bank.bin"));
    const refuse = async (pattern: RegExp) => {
      const numTensors = tf.memory().numTensors;
      await expect(loadCheckpoint(dir, live.parts)).rejects.toThrow(pattern);
      expect(tf.memory().numTensors).toBe(numTensors);
      expect(await snapshot(live.parts)).toEqual(before);
    };
    const lastWeight = (edit: (spec: { name: string; dtype: string }) => void) => {
      const parsed = JSON.parse(json);
      const specs = parsed.weightsManifest[0].weights as Array<{ name: string; dtype: string }>;
      edit(specs.filter((s) => !s.name.startsWith("optimizer/")).at(-1)!);
      return JSON.stringify(parsed);
    };
    await writeFile(join(folder, "model.json"), lastWeight((s) => (s.dtype = "int32")));
    await refuse(/loadCheckpoint: parts \(target\.head\/\d+\) must be int32 \[\d+\], as saved in .*epoch-0001; got float32/);
    await writeFile(join(folder, "model.json"), json);
    await rm(join(folder, "bank.bin"));
    await refuse(/epoch-0001\/bank\.bin must be a complete file written by saveBankState; got no such file/);
    const flipped = Uint8Array.from(bank);
    flipped[flipped.length - 3] = (flipped[flipped.length - 3] as number) ^ 0x40;
    await writeFile(join(folder, "bank.bin"), flipped);
    await refuse(/bank\.bin must be .*; got values whose SHA-256 differs/);
    await writeFile(join(folder, "bank.bin"), bank);
    const corrupted = Uint8Array.from(weights);
    corrupted[100] = (corrupted[100] as number) ^ 0x01;
    await writeFile(join(folder, "weights.bin"), corrupted);
    await refuse(/epoch-0001\/weights\.bin must be the file saved with .*; got \d+ bytes whose SHA-256 differs/);
    // the previous checkpoint stays loadable
    const other = trained(9);
    expect((await loadCheckpoint(join(dir, "epoch-0000"), other.parts)).epoch).toBe(0);
    other.dispose();
    await writeFile(join(folder, "weights.bin"), weights);
    const renamed = JSON.parse(json);
    const slot = (renamed.weightsManifest[0].weights as Array<{ name: string; shape: number[] }>).find((s) => s.name.startsWith("optimizer/") && s.shape.length === 4)!;
    const index = (renamed.weightsManifest[0].weights as Array<{ name: string }>).indexOf(slot);
    const neighbour = renamed.weightsManifest[0].weights[index + 1];
    [slot.shape, neighbour.shape] = [neighbour.shape, slot.shape]; // same bytes, wrong shapes
    delete renamed.checksums;
    await writeFile(join(folder, "model.json"), JSON.stringify(renamed));
    await refuse(/loadCheckpoint: parts\.optimizer must be the optimizer state saved in/);
    await writeFile(join(folder, "model.json"), json);
    await writeFile(join(dir, "latest"), "../elsewhere/epoch-0001");
    await refuse(/loadCheckpoint: .*latest must be the name of a checkpoint folder beside it.*; got "\.\.\/elsewhere\/epoch-0001"/);
    await writeFile(join(dir, "latest"), "epoch-0001");
    await loadCheckpoint(dir, live.parts); // and an accepted load does change them
    expect(await snapshot(live.parts)).toEqual(await snapshot(saved.parts));
    saved.dispose();
    live.dispose();
  });

  it("does not follow latest to a symlinked folder outside the directory unless allowSymlinks", async () => {
    const saved = trained(2);
    const elsewhere = join(root, "elsewhere");
    await saveCheckpoint(elsewhere, saved.parts, { epoch: 3 });
    const dir = join(root, "linked");
    await mkdir(dir);
    await symlink(join(elsewhere, "epoch-0003"), join(dir, "epoch-0003"));
    await writeFile(join(dir, "latest"), "epoch-0003");
    await expect(loadCheckpoint(dir, saved.parts)).rejects.toThrow(/linked\/epoch-0003 must be a checkpoint folder inside the directory \(or pass \{ allowSymlinks: true \}\); got a symlink to .*elsewhere\/epoch-0003/);
    expect((await loadCheckpoint(dir, saved.parts, { allowSymlinks: true })).epoch).toBe(3);
    saved.dispose();
  });

  it("a save takes over the lock of a killed saver (dead pid, or no pid after a few seconds) and removes its temporary folder", async () => {
    const saved = trained(4);
    const dir = join(root, "locks");
    await saveCheckpoint(dir, saved.parts, { epoch: 0 });
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid as number; // a pid that has exited
    await writeFile(join(dir, ".lock"), String(dead));
    await mkdir(join(dir, `.epoch-0001.tmp-${dead}-abc123`));
    await saveCheckpoint(dir, saved.parts, { epoch: 1 });
    await writeFile(join(dir, ".lock"), "");
    await utimes(join(dir, ".lock"), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    await saveCheckpoint(dir, saved.parts, { epoch: 2 });
    expect((await readdir(dir)).sort()).toEqual(["epoch-0001", "epoch-0002", "latest"]);
    saved.dispose();
  });

  it("saving an epoch again publishes a new folder, then removes the superseded one", async () => {
    const saved = trained(3);
    const dir = join(root, "again");
    await saveCheckpoint(dir, saved.parts, { epoch: 0 });
    const folder = await saveCheckpoint(dir, saved.parts, { epoch: 0 });
    expect(folder).toBe(join(dir, "epoch-0000-r1"));
    expect(await readFile(join(dir, "latest"), "utf8")).toBe("epoch-0000-r1");
    expect((await readdir(dir)).sort()).toEqual(["epoch-0000-r1", "latest"]);
    saved.dispose();
  });
});
