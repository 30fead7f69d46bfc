/*
 * Each recipe against its PyTorch mirror, step by step: bench/lockstep.ts trains ours for two steps (the
 * first 26 train digits of each class: one batch of 256 per epoch) and records the initial weights, the
 * views and the labels; the PyTorch script of the quality benchmark (bench/pytorch/torch_methods_mnist.py,
 * torch_moco_mnist.py for MoCo) replays that record in float64. The losses of both steps and the untrained
 * encoder's kNN accuracy must agree: a recipe that drifts from its mirror (a loss weight, a predictor, the
 * target branch, the queue, the optimizer) fails here, long before `pnpm bench:quality` would show it.
 * Skipped with the reason where /usr/bin/python3 has no torch.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const PYTHON = "/usr/bin/python3";
const root = fileURLToPath(new URL("../../../", import.meta.url));
const tsx = join(root, "node_modules/.bin/tsx");

function torchMissing(): string | undefined {
  if (!existsSync(PYTHON)) return `needs ${PYTHON} with torch`;
  const probe = spawnSync(PYTHON, ["-c", "import torch, numpy"], { encoding: "utf8", timeout: 60_000 });
  return probe.status === 0 ? undefined : `${PYTHON} has no torch (apt-get install -y python3-torch)`;
}
const missing = torchMissing();
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split("\n").at(-1) as string);

describe.skipIf(missing !== undefined)(`each recipe, two steps, against its PyTorch mirror in float64${missing ? ` (skipped: ${missing})` : ""}`, () => {
  it.each(["simclr", "moco", "simsiam", "byol", "barlow-twins", "vicreg", "supcon"])("%s: equal losses and untrained kNN", (method) => {
    const folder = mkdtempSync(join(tmpdir(), "lockstep-test-"));
    try {
      const recorded = spawnSync(tsx, [join(root, "bench/lockstep.ts"), "--method", method, "--epochs", "2", "--train-per-class", "26", "--keep", folder, "--record-only"], { cwd: root, encoding: "utf8", timeout: 240_000 });
      expect(recorded.status, recorded.stderr).toBe(0);
      const record = lastJson(recorded.stdout) as { ours: { stepLosses: number[]; untrainedKnnAccuracy: number }; replay: string[] };
      const { ours } = record;
      const [python, ...replayArgs] = record.replay as [string, ...string[]]; // the record's own PyTorch replay command
      const replayed = spawnSync(python, [...replayArgs, "--dtype", "float64"], { encoding: "utf8", timeout: 240_000 });
      expect(replayed.status, replayed.stderr).toBe(0);
      const torch = lastJson(replayed.stdout) as { stepLosses: number[]; untrainedKnnAccuracy: number };
      expect(ours.stepLosses).toHaveLength(2);
      expect(torch.stepLosses).toHaveLength(2);
      // float32 against float64: ~1e-7 relative at step 1; Adam's first update amplifies rounding, ~1e-6–1e-5 at step 2
      const [first, second] = ours.stepLosses.map((loss, i) => Math.abs(loss - (torch.stepLosses[i] as number)) / Math.max(1, Math.abs(torch.stepLosses[i] as number)));
      expect(first).toBeLessThan(1e-5);
      expect(second).toBeLessThan(1e-4);
      // the same initial weights in both: the kNN accuracy agrees up to float32 ties (one digit in 1,996 seen)
      expect(Math.abs(ours.untrainedKnnAccuracy - torch.untrainedKnnAccuracy)).toBeLessThanOrEqual(2 / 1996);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
