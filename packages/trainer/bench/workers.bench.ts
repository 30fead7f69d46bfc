/*
 * Data-parallel scaling: images/s of the ConvNet SimCLR step (batch 128, 32×32×3, convNet 32-64-128,
 * simclrHead 128-128-64, NT-Xent τ 0.5, Adam 1e-3, wasm) with the one-thread trainer (workers = 1) and
 * with workerPool({ count: N }) for N = 2 … os.availableParallelism(); the views are fixed tensors, so
 * the step alone is timed (median of the steps after two warm-ups). Efficiency = throughput_N / (N ·
 * throughput_1). The last line is one JSON object: {"workers":[1,2],"imagesPerSecond":[…],"efficiency":[…]}.
 *
 *   tsx packages/trainer/bench/workers.bench.ts [--max N] [--steps 6] [--backend wasm|cpu]
 *
 * Needs the built trainer (the workers run dist/gradient-worker.js): pnpm turbo run build --filter=@contrastive/trainer...
 */
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { convNet } from "@contrastive/backbones";
import { selectBackend } from "@contrastive/core";
import { simclrHead } from "@contrastive/heads";
import { ntXent } from "@contrastive/losses";
import { createTrainer } from "../src/index.js";
import { workerPool } from "../src/node.js";

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: { max: { type: "string", default: String(availableParallelism()) }, steps: { type: "string", default: "6" }, backend: { type: "string", default: "wasm" } },
});
const batch = 128;
await selectBackend(args.backend as "wasm" | "cpu");
tf.enableProdMode();

const counts = [1, ...Array.from({ length: Math.max(0, Number(args.max) - 1) }, (_, i) => i + 2)];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const images = tf.randomUniform([batch, 32, 32, 3], 0, 1, "float32", 0) as tf.Tensor4D;
const views = [1, 2].map((seed) => tf.randomUniform([batch, 32, 32, 3], 0, 1, "float32", seed) as tf.Tensor4D);
const fixedViews = { name: "fixedViews", apply: () => views.map((v) => tf.clone(v)) };
const imagesPerSecond: number[] = [];

for (const count of counts) {
  const backbone = convNet({ inputShape: [32, 32, 3] });
  const head = simclrHead({ inputDim: 128, hiddenDim: 128, outputDim: 64, batchNorm: false });
  const workers = count > 1 ? workerPool({ count }) : undefined;
  const trainer = createTrainer({ backbone, head, loss: ntXent({ temperature: 0.5 }), optimizer: tf.train.adam(1e-3), augment: fixedViews, checkLeaks: false, ...(workers ? { workers } : {}) });
  for (let i = 0; i < 2; i++) await trainer.stepAsync(images); // warm-up (and the workers' start)
  const times: number[] = [];
  let loss = Number.NaN;
  const [cpuStart, loopStart] = [process.cpuUsage(), performance.eventLoopUtilization()];
  for (let i = 0; i < Number(args.steps); i++) {
    const started = performance.now();
    loss = await trainer.stepAsync(images);
    times.push(performance.now() - started);
  }
  // CPU time of every thread per step, and the main thread's busy time per step (the serial part)
  const cpu = process.cpuUsage(cpuStart);
  const cpuPerStep = (cpu.user + cpu.system) / 1e3 / times.length;
  const mainPerStep = performance.eventLoopUtilization(loopStart).active / times.length;
  await trainer.dispose();
  backbone.dispose();
  head.dispose();
  imagesPerSecond.push(batch / (median(times) / 1000));
  console.log(`workers ${count}: median ${median(times).toFixed(0)} ms/step = ${imagesPerSecond.at(-1)!.toFixed(1)} img/s (loss ${loss.toFixed(3)}; CPU ${cpuPerStep.toFixed(0)} ms/step over all threads, main thread busy ${mainPerStep.toFixed(0)} ms/step; ${tf.getBackend()}, load ${loadavg().map((l) => l.toFixed(1)).join(" ")})`);
}
const round = (x: number, digits: number) => Number(x.toFixed(digits));
console.log(JSON.stringify({ workers: counts, imagesPerSecond: imagesPerSecond.map((x) => round(x, 1)), efficiency: imagesPerSecond.map((x, i) => round(x / (counts[i]! * imagesPerSecond[0]!), 3)) }));
