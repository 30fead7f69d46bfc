// Kills a process overwriting a saved model before each of its file-system operations (real child
// processes, SIGKILL): the model.json in place always names complete weights, old or new, never a mix.
import { fork } from "node:child_process";
import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileSystemHandler } from "./file-system-handler.js";

const childScript = fileURLToPath(new URL("./file-system-handler-fault-child.ts", import.meta.url));
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "handler-fault-"));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const save = (dir: string, killAt: number, value: number) =>
  new Promise<{ signal: NodeJS.Signals | null; operations?: number }>((resolve, reject) => {
    const child = fork(childScript, [JSON.stringify({ dir, killAt, value })], { execArgv: ["--import", "tsx"], stdio: ["ignore", "ignore", "pipe", "ipc"] });
    let operations: number | undefined;
    let stderr = "";
    child.stderr?.on("data", (d) => (stderr += String(d)));
    child.on("message", (m) => (operations = (m as { operations: number }).operations));
    child.on("exit", (code, signal) => (code !== 0 && signal === null ? reject(new Error(stderr)) : resolve({ signal, ...(operations === undefined ? {} : { operations }) })));
  });
/** The same save in this process. */
const saveHere = (dir: string, value: number) =>
  fileSystemHandler(dir).save!({ modelTopology: { value }, weightSpecs: [{ name: "w", shape: [64], dtype: "float32" }], weightData: new Float32Array(64).fill(value).buffer, format: "test" });
/** Loads `dir` and returns the value its weights hold, checking model.json and weights agree. */
async function loadedValue(dir: string): Promise<number> {
  const artifacts = await fileSystemHandler(dir).load!();
  const values = new Float32Array(artifacts.weightData as ArrayBuffer);
  const topology = artifacts.modelTopology as { value: number };
  expect(new Set(values)).toEqual(new Set([topology.value]));
  return topology.value;
}

describe("fileSystemHandler fault injection (child processes, SIGKILL)", () => {
  it("a kill before any file-system operation of an overwrite leaves the old or the new model, whole", async () => {
    const base = join(root, "base");
    await saveHere(base, 1);
    await saveHere(base, 2); // base now holds weights-<hex>.bin: the next overwrite writes weights.bin
    const counted = join(root, "count");
    await cp(base, counted, { recursive: true });
    const total = (await save(counted, 0, 3)).operations as number;
    expect(total).toBeGreaterThan(10);
    const kill = async (k: number) => {
      const dir = join(root, `k${k}`);
      await cp(base, dir, { recursive: true });
      expect((await save(dir, k, 3)).signal).toBe("SIGKILL");
      expect([2, 3]).toContain(await loadedValue(dir));
      await saveHere(dir, 4); // the next save removes what the killed one left
      expect(await loadedValue(dir)).toBe(4);
      expect((await readdir(dir)).filter((n) => n.includes(".tmp-")).length).toBe(0);
    };
    const points = Array.from({ length: total }, (_, i) => i + 1);
    for (let i = 0; i < points.length; i += 3) await Promise.all(points.slice(i, i + 3).map(kill));
    console.info(`file-system-handler.fault: ${total} kill points tested while overwriting a model`);
  });
});
