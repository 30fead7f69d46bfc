// Fault injection for checkpoints: real child processes killed with SIGKILL at every file-system
// operation of a save, kills at random instants, concurrent savers and readers, a full disk and a
// read-only folder (a small tmpfs where this machine lets us mount one; skipped with a message where not).
import { execFileSync, fork } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError } from "@contrastive/core";
import { useBackend } from "@contrastive/core/testing";
import { queue } from "@contrastive/samplers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCheckpoint, saveCheckpoint } from "./checkpoint.js";

const childScript = fileURLToPath(new URL("./checkpoint-fault-child.ts", import.meta.url));
let root: string;
beforeAll(async () => {
  await useBackend("cpu");
  root = await mkdtemp(join(tmpdir(), "checkpoint-fault-"));
});
afterAll(() => rm(root, { recursive: true, force: true }));

interface ChildResult { signal: NodeJS.Signals | null; code: number | null; operations?: number }
function runChild(args: { dir: string; from: number; to: number; killAt?: number; keep?: number }, killAfterMs?: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = fork(childScript, [JSON.stringify(args)], { execArgv: ["--import", "tsx"], stdio: ["ignore", "ignore", "pipe", "ipc"] });
    let operations: number | undefined;
    let stderr = "";
    child.stderr?.on("data", (d) => (stderr += String(d)));
    child.on("message", (m) => {
      if (m === "ready" && killAfterMs !== undefined) setTimeout(() => child.kill("SIGKILL"), killAfterMs);
      if (typeof m === "object" && m && "operations" in m) operations = (m as { operations: number }).operations;
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => (code !== 0 && signal === null ? reject(new Error(`child failed (${code}): ${stderr}`)) : resolve({ code, signal, ...(operations === undefined ? {} : { operations }) })));
  });
}

const parts = () => {
  const variables = [tf.variable(tf.zeros([3, 4])), tf.variable(tf.zeros([4]))];
  return { backbone: { trainableWeights: variables, weights: variables, dispose: () => tf.dispose(variables) }, negatives: queue({ size: 4, dim: 4 }) };
};
/** Loads `dir` and checks the checkpoint is whole: weights e + 0.5 and bank values e for its epoch e. */
async function expectComplete(dir: string, epochs: number[]): Promise<number> {
  const p = parts();
  try {
    const { epoch } = await loadCheckpoint(dir, p);
    expect(epochs).toContain(epoch);
    for (const v of p.backbone.weights) expect(new Set(v.dataSync())).toEqual(new Set([epoch + 0.5]));
    const state = p.negatives.state();
    expect(new Set(state.values)).toEqual(new Set([epoch]));
    expect(state.extra?.pointer).toBe(epoch % 4);
    return epoch;
  } finally {
    p.backbone.dispose();
    p.negatives.dispose();
  }
}
/** Saves epoch `epoch` in this process, as the run that resumes after the kill would. */
async function saveHere(dir: string, epoch: number): Promise<void> {
  const p = parts();
  for (const v of p.backbone.weights) v.assign(tf.fill(v.shape, epoch + 0.5));
  p.negatives.restore({ name: p.negatives.name, shape: [4, 4], values: new Float32Array(16).fill(epoch), extra: { pointer: epoch % 4 } });
  await saveCheckpoint(dir, p, { epoch });
  p.backbone.dispose();
  p.negatives.dispose();
}
const published = (names: string[]) => names.filter((n) => !n.startsWith(".")).sort();

/** Kills a child saving epochs from..to before its k-th file-system operation, for every `stride`-th k. */
async function sweep(label: string, from: number, to: number, stride: number): Promise<number> {
  const base = join(root, `${label}-base`);
  await saveHere(base, 0);
  await saveHere(base, 1);
  await cp(base, join(root, `${label}-count`), { recursive: true });
  const counted = await runChild({ dir: join(root, `${label}-count`), from, to });
  const total = counted.operations as number;
  expect(total).toBeGreaterThan(20);
  const kill = async (k: number) => {
    const dir = join(root, `${label}-${k}`);
    await cp(base, dir, { recursive: true });
    const result = await runChild({ dir, from, to, killAt: k });
    expect(result.signal).toBe("SIGKILL");
    await expectComplete(dir, [1, from]);
    await saveHere(dir, 7); // the next save publishes and removes what the killed one left behind
    expect(await expectComplete(dir, [7])).toBe(7);
    const names = await readdir(dir);
    expect(names.filter((n) => n.startsWith("."))).toEqual([]);
    expect(published(names).at(-1)).toBe("latest");
    await rm(dir, { recursive: true, force: true });
  };
  const points = Array.from({ length: total }, (_, i) => i + 1).filter((k) => k % stride === 0 || k === total);
  for (let i = 0; i < points.length; i += 3) await Promise.all(points.slice(i, i + 3).map(kill));
  return points.length;
}

describe("checkpoint fault injection (child processes, SIGKILL)", () => {
  it("a kill before any file-system operation of a save (a new epoch, rotating the oldest away) leaves latest at a complete checkpoint", async () => {
    const points = await sweep("new", 2, 2, 1);
    console.info(`checkpoint.fault: ${points} kill points tested while saving a new epoch`);
  });

  it("the same (every other operation) while saving an epoch that already exists: never removed before its successor is in place", async () => {
    const points = await sweep("again", 1, 1, 2);
    console.info(`checkpoint.fault: ${points} kill points tested while saving an existing epoch again`);
  });

  it("kills at random instants of a run of saves, then resuming, always find a complete checkpoint", async () => {
    const dir = join(root, "random");
    await saveHere(dir, 0);
    let next = 1;
    for (let i = 0; i < 6; i++) {
      const result = await runChild({ dir, from: next, to: next + 50 }, 20 + ((i * 37) % 120));
      expect(result.signal).toBe("SIGKILL");
      next = (await expectComplete(dir, Array.from({ length: next + 51 }, (_, e) => e))) + 1;
    }
    await saveHere(dir, next);
    expect((await readdir(dir)).filter((n) => n.startsWith("."))).toEqual([]);
    console.info(`checkpoint.fault: 6 random-instant kills, ${next} epochs reached`);
  });

  it("readers concurrent with two saving processes always load a complete checkpoint", async () => {
    const dir = join(root, "concurrent");
    await saveHere(dir, 0);
    let running = true;
    const savers = Promise.all([runChild({ dir, from: 1, to: 30, keep: 1 }), runChild({ dir, from: 101, to: 130, keep: 1 })]).finally(() => (running = false));
    let reads = 0;
    while (running) {
      await expectComplete(dir, [0, ...Array.from({ length: 30 }, (_, i) => i + 1), ...Array.from({ length: 30 }, (_, i) => i + 101)]);
      reads++;
    }
    await savers;
    expect(reads).toBeGreaterThan(3);
    // keep 1: the newest epoch, plus the folder latest names when the other saver published last
    const folders = published(await readdir(dir)).filter((n) => n !== "latest");
    expect(folders.length).toBeLessThanOrEqual(2);
    expect(folders).toContain((await readFile(join(dir, "latest"), "utf8")).trim());
    await expectComplete(dir, [30, 130]);
    console.info(`checkpoint.fault: ${reads} complete reads during 60 concurrent saves`);
  });
});

describe("checkpoints on a full disk and a read-only folder", () => {
  const mountTmpfs = (path: string, size: string): string | undefined => {
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", path], { stdio: "pipe" });
      return undefined;
    } catch (error) {
      return `cannot mount a tmpfs here (${String((error as Error).message).split("\n")[0]})`;
    }
  };

  it("ENOSPC: the save fails naming the path, leaves no temporary folder, and the previous checkpoint stays", async (context) => {
    const dir = join(root, "full");
    await mkdir(dir);
    const why = mountTmpfs(dir, "96k");
    if (why) return context.skip(`full-disk test skipped: ${why}`);
    try {
      await saveHere(dir, 0);
      await writeFile(join(dir, "filler"), new Uint8Array(96 * 1024)).catch(() => undefined);
      const error = await saveHere(dir, 1).catch((e: unknown) => e);
      expect(ContrastiveError.isInstance(error)).toBe(true);
      expect(String((error as Error).message)).toMatch(/full\/.*ENOSPC/);
      await rm(join(dir, "filler"));
      expect((await readdir(dir)).filter((n) => n.startsWith("."))).toEqual([]);
      expect(await expectComplete(dir, [0])).toBe(0);
    } finally {
      execFileSync("umount", [dir]);
    }
  });

  it("a read-only folder: the save fails naming the path and the previous checkpoint stays", async (context) => {
    const dir = join(root, "readonly");
    await mkdir(dir);
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      const why = mountTmpfs(dir, "1m");
      if (why) return context.skip(`read-only test skipped: running as root, where permissions are ignored, and ${why}`);
    }
    try {
      await saveHere(dir, 0);
      if (asRoot) execFileSync("mount", ["-o", "remount,ro", dir]);
      else execFileSync("chmod", ["0555", dir]);
      const error = await saveHere(dir, 1).catch((e: unknown) => e);
      expect(ContrastiveError.isInstance(error)).toBe(true);
      expect(String((error as Error).message)).toMatch(asRoot ? /readonly.*EROFS/ : /readonly.*EACCES/);
      expect(await expectComplete(dir, [0])).toBe(0);
    } finally {
      if (asRoot) execFileSync("umount", [dir]);
      else execFileSync("chmod", ["0755", dir]);
    }
  });
});
