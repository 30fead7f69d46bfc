/*
 * The root README's "Compose a pipeline" snippet runs as written: extracted into a .ts file inside this
 * workspace package (so its imports resolve), run with tsx in a temporary folder with SMOKE=1 (the
 * snippet's own switch: 256 digits, one epoch). It must print the backend, progress, a kNN accuracy,
 * and save the encoder.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { snippetAfter } from "./readme-commands.js";

const here = fileURLToPath(new URL("..", import.meta.url));

it("the README snippet prints the backend and progress, evaluates and saves the encoder", () => {
  const snippet = snippetAfter(readFileSync(join(here, "../../README.md"), "utf8"), "## Compose a pipeline");
  mkdirSync(join(here, "output"), { recursive: true });
  const file = join(here, "output", `readme-snippet-${process.pid}.ts`);
  const cwd = mkdtempSync(join(tmpdir(), "readme-snippet-"));
  writeFileSync(file, snippet);
  try {
    const run = spawnSync(join(here, "node_modules/.bin/tsx"), [file], { cwd, encoding: "utf8", timeout: 200_000, env: { ...process.env, SMOKE: "1" } });
    expect(run.status, run.stderr.slice(-3000)).toBe(0);
    const out = run.stdout.trim().split("\n");
    expect(out[0]).toMatch(/^backend: (tensorflow|wasm|cpu)$/);
    expect(run.stderr).toMatch(/^epoch 1\/1 {2}step 1\/8 {2}loss \d+\.\d{4} /m); // the first step is logged at once
    expect(run.stderr).toMatch(/^epoch 1\/1 done: mean loss \d+\.\d{4}/m);
    const accuracy = Number(/^weighted kNN accuracy on 1996 test digits: (\d\.\d{4})$/m.exec(run.stdout)?.[1]);
    expect(accuracy).toBeGreaterThan(0.1); // ten classes: chance is 0.1
    expect(accuracy).toBeLessThanOrEqual(1);
    expect(existsSync(join(cwd, "encoder", "model.json")) && existsSync(join(cwd, "encoder", "weights.bin"))).toBe(true);
  } finally {
    rmSync(file, { force: true });
    rmSync(cwd, { recursive: true, force: true });
  }
});
