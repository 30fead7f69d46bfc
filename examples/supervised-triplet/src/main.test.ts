/*
 * Smoke test: runs the example end to end for a few steps (wasm, kNN on 200 digits) and checks what it
 * prints. Needs the workspace packages built (`pnpm build`).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

it("trains for a few steps and reports finite losses and kNN accuracies", () => {
  const args = ["src/main.ts", "--epochs", "2", "--batches-per-epoch", "2", "--eval-size", "200", "--backend", "wasm", "--json"];
  const run = spawnSync("node_modules/.bin/tsx", args, { cwd: root, encoding: "utf8", timeout: 240_000 });
  expect(run.status, run.stderr).toBe(0);
  const result = JSON.parse(run.stdout.trim().split("\n").at(-1)!) as Record<string, number | string>;
  expect(result).toMatchObject({ backend: "wasm", epochs: 2, steps: 4, batchSize: 64 });
  for (const key of ["firstLoss", "finalLoss"]) {
    expect(Number.isFinite(result[key])).toBe(true);
    expect(result[key]).toBeGreaterThanOrEqual(0);
    expect(result[key]).toBeLessThan(0.2 + 1e-6); // a semi-hard triplet's loss is below the margin
  }
  for (const key of ["untrainedKnnAccuracy", "knnAccuracy"]) {
    expect(result[key]).toBeGreaterThan(0.1);
    expect(result[key]).toBeLessThanOrEqual(1);
  }
  // one kNN per epoch, the last one the accuracy after training
  expect(result.knnPerEpoch).toHaveLength(2);
  expect((result.knnPerEpoch as unknown as number[]).at(-1)).toBe(result.knnAccuracy);
  expect(run.stderr).toMatch(/kNN accuracy, untrained encoder/);
});
