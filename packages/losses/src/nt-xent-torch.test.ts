/*
 * Compares ntXent with PyTorch's NT-Xent (bench/pytorch/torch_step.py of the repository, --dump-ntxent), when
 * /usr/bin/python3 has torch. The reference is generated into a temporary folder at test time; nothing
 * is committed. Without torch (or the script) the test is skipped with the reason.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { TEST_BACKENDS, maxAbsDifference, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateLoss } from "./evaluate-loss.js";
import { ntXent } from "./nt-xent.js";

const PYTHON = "/usr/bin/python3";
const SCRIPT = process.env.CONTRASTIVE_TORCH_STEP ?? fileURLToPath(new URL("../../../bench/pytorch/torch_step.py", import.meta.url));

interface TorchDump {
  n: number;
  d: number;
  tau: number;
  z1: number[];
  z2: number[];
  f64: { loss: number; g1: number[]; g2: number[] };
}

/** The dumps for each temperature, or why there are none. */
function torchDumps(temperatures: number[]): TorchDump[] | string {
  if (!existsSync(PYTHON) || !existsSync(SCRIPT)) return `needs ${PYTHON} and ${SCRIPT}`;
  const probe = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8", timeout: 60_000 });
  if (probe.status !== 0) return `${PYTHON} has no torch (apt-get install -y python3-torch)`;
  const folder = mkdtempSync(join(tmpdir(), "ntxent-torch-"));
  try {
    return temperatures.map((tau) => {
      const file = join(folder, `ntxent-${tau}.json`);
      const args = [SCRIPT, "--dump-ntxent", file, "--n", "64", "--d", "32", "--tau", String(tau), "--threads", "1"];
      const run = spawnSync(PYTHON, args, { encoding: "utf8", timeout: 120_000 });
      if (run.status !== 0) throw new Error(`torch_step.py failed: ${run.stderr || run.error}`);
      return JSON.parse(readFileSync(file, "utf8")) as TorchDump;
    });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const dumps = torchDumps([0.5, 0.1]);

describe.each(TEST_BACKENDS)("ntXent against PyTorch on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("equals torch's float64 loss and gradients (N = 64, d = 32, τ 0.5 and 0.1)", (context) => {
    if (typeof dumps === "string") return context.skip(`skipped: ${dumps}`);
    for (const dump of dumps) {
      const { value, gradients } = evaluateLoss(ntXent({ temperature: dump.tau }), [dump.z1, dump.z2], [dump.n, dump.d]);
      // float32 logits are O(1 / τ): the loss, a difference of two of them, is good to ~1e-7 / τ.
      expect(Math.abs(value - dump.f64.loss)).toBeLessThan(2e-6 / dump.tau);
      const scale = Math.max(...dump.f64.g1.map(Math.abs), ...dump.f64.g2.map(Math.abs));
      expect(maxAbsDifference(gradients[0]!, dump.f64.g1) / scale).toBeLessThan(5e-6);
      expect(maxAbsDifference(gradients[1]!, dump.f64.g2) / scale).toBeLessThan(5e-6);
    }
  });
});
