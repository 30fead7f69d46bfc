/**
 * `pnpm bench:losses`: NT-Xent forward + backward for N = 256 pairs, d = 128, τ = 0.5, and InfoNCE with
 * a 4,096-key queue, on each backend present (cpu, wasm; tensorflow when @tensorflow/tfjs-node imports),
 * median of 25 iterations after 5 of warm-up; then, where /usr/bin/python3 has torch, PyTorch's NT-Xent
 * on the same work in the same command (bench/pytorch/torch_step.py) and the ratio ours / torch.
 * PyTorch runs with 1 and with 2 threads and its faster median counts: on a loaded 2-core machine its
 * 2-thread OpenBLAS can be 40× slower than its 1-thread run on this small work, which would flatter us.
 * --profile prints the top kernels of one NT-Xent forward + backward per backend (tf.profile).
 * The last line printed is one JSON object of the figures (read by `pnpm bench`).
 *
 *   pnpm bench:losses [--iterations 25] [--backends cpu,wasm,tensorflow] [--no-torch] [--no-info-nce] [--profile]
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import type { Loss } from "@contrastive/core";
import { loadTestBackends } from "@contrastive/core/testing";
import { infoNce, ntXent } from "../src/index.js";
import { kernelProfile } from "../../../bench/kernel-profile.js";

const { values: args } = parseArgs({
  options: {
    iterations: { type: "string", default: "25" },
    backends: { type: "string", default: "cpu,wasm,tensorflow" },
    "no-torch": { type: "boolean", default: false },
    "no-info-nce": { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
  },
});
const ITERATIONS = Math.max(5, Number(args.iterations));
const WARMUP = 5;
const [PAIRS, DIM, QUEUE] = [256, 128, 4096];
const PYTHON = "/usr/bin/python3";
const TORCH_STEP = fileURLToPath(new URL("../../../bench/pytorch/torch_step.py", import.meta.url));

/** Median milliseconds of one forward + backward of `loss` with respect to both views. */
async function time(loss: Loss, negatives?: tf.Tensor2D): Promise<number> {
  const views = [1, 2].map((seed) => tf.variable(tf.randomNormal([PAIRS, DIM], 0, 1, "float32", seed)) as tf.Variable<tf.Rank.R2>);
  const before = tf.memory().numTensors;
  const samples: number[] = [];
  for (let i = 0; i < WARMUP + ITERATIONS; i++) {
    const start = performance.now();
    const { value, grads } = tf.variableGrads(() => loss.compute({ views, negatives }), views);
    await Promise.all(Object.values(grads).map((grad) => grad.data()));
    if (i >= WARMUP) samples.push(performance.now() - start);
    tf.dispose([value, ...Object.values(grads)]);
  }
  if (tf.memory().numTensors !== before) throw new Error(`${loss.name} leaked ${tf.memory().numTensors - before} tensors`);
  tf.dispose(views);
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1]!;
}

async function availableBackends(): Promise<string[]> {
  const wanted = args.backends.split(",");
  await loadTestBackends();
  const present = ["cpu", "wasm"].filter((name) => wanted.includes(name));
  if (wanted.includes("tensorflow")) {
    try {
      await import("@tensorflow/tfjs-node" as string);
      present.push("tensorflow");
    } catch (error) {
      console.log(`tensorflow: skipped (@tensorflow/tfjs-node does not import: ${(error as Error).message.split("\n")[0]})`);
    }
  }
  return present;
}

/** Top kernels of one forward + backward of `loss`: [name, share of kernel time]. */
async function profile(loss: Loss): Promise<[string, number][]> {
  const views = [1, 2].map((seed) => tf.variable(tf.randomNormal([PAIRS, DIM], 0, 1, "float32", seed)) as tf.Variable<tf.Rank.R2>);
  const info = await kernelProfile(tf, () => {
    const { value, grads } = tf.variableGrads(() => loss.compute({ views }), views);
    tf.dispose([value, ...Object.values(grads)]);
  }, 5);
  tf.dispose(views);
  console.log(`  profile: ${info.totalMs.toFixed(2)} ms in kernels (synchronised one by one; each kernel's median of 5 runs)`);
  return info.shares.slice(0, 8);
}

/** PyTorch's NT-Xent median in ms with `threads` threads, or why there is none. */
function torchNtXent(threads: number): number | string {
  if (args["no-torch"]) return "--no-torch";
  if (!existsSync(PYTHON) || !existsSync(TORCH_STEP)) return `needs ${PYTHON} and ${TORCH_STEP}`;
  const folder = mkdtempSync(join(tmpdir(), "bench-losses-"));
  try {
    const file = join(folder, "torch.json");
    const run = spawnSync(PYTHON, [TORCH_STEP, "--blas", "openblas", "--only", "ntxent", "--threads", String(threads), "--json", file], { encoding: "utf8", timeout: 300_000 });
    if (run.status !== 0) return `torch_step.py failed: ${(run.stderr || String(run.error)).trim().split("\n").at(-1)}`;
    const result = (JSON.parse(readFileSync(file, "utf8")) as { results: { name: string; median_ms: number }[] }).results.find((r) => r.name === "ntxent");
    return result === undefined ? "torch_step.py wrote no ntxent result" : result.median_ms;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const format = (ms: number) => `${ms.toFixed(2).padStart(8)} ms`;
console.log(`losses bench: NT-Xent forward + backward, N = ${PAIRS} pairs, d = ${DIM}, τ 0.5, milliseconds per iteration (lower is better), median of ${ITERATIONS} after ${WARMUP} warm-up; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
const ours: Record<string, number> = {};
const kernels: Record<string, [string, number][]> = {};
for (const backend of await availableBackends()) {
  if (!(await tf.setBackend(backend))) continue;
  await tf.ready();
  ours[backend] = await time(ntXent({ temperature: 0.5 }));
  if (args["no-info-nce"]) {
    console.log(`${backend.padEnd(10)} ntXent ${format(ours[backend]!)}`);
  } else {
    const queue = tf.randomNormal([QUEUE, DIM], 0, 1, "float32", 3) as tf.Tensor2D;
    const moco = await time(infoNce({ temperature: 0.07, inBatchNegatives: false }), queue);
    const both = await time(infoNce({ temperature: 0.07 }), queue);
    queue.dispose();
    console.log(`${backend.padEnd(10)} ntXent ${format(ours[backend]!)} | infoNce, ${QUEUE}-key queue: MoCo ${format(moco)}, + in-batch ${format(both)}`);
  }
  if (args.profile) {
    kernels[backend] = await profile(ntXent({ temperature: 0.5 }));
    console.log(`  top kernels on ${backend} (share of kernel time): ${kernels[backend]!.map(([name, share]) => `${name} ${(100 * share).toFixed(0)} %`).join(", ")}`);
  }
}
const torchByThreads = [1, 2].map((threads) => torchNtXent(threads));
const torchTimes = torchByThreads.filter((t): t is number => typeof t === "number");
const torch = torchTimes.length > 0 ? Math.min(...torchTimes) : undefined;
const torchSkipped = torch === undefined ? String(torchByThreads[0]) : undefined;
if (torch === undefined) {
  console.log(`torch: skipped (${torchSkipped})`);
} else {
  console.log(`torch      ntXent ${format(torch)} (the faster of ${torchByThreads.map((t, i) => `${i + 1} thread${i > 0 ? "s" : ""}: ${typeof t === "number" ? `${t.toFixed(2)} ms` : t}`).join(", ")}; torch_step.py --blas openblas, same command)`);
  for (const [backend, ms] of Object.entries(ours)) console.log(`NT-Xent time, ours ÷ torch, ${backend.padEnd(10)} ${(ms / torch).toFixed(2)}× (lower is better; target on wasm ≤ 1.5×)`);
}
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
console.log(JSON.stringify({ bench: "losses", pairs: PAIRS, dim: DIM, msPerIteration: ours, kernels, torchMs: torch ?? null, torchByThreads, torchSkipped, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
