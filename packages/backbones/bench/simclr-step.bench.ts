/**
 * A SimCLR training step in images/s beside PyTorch on the same machine, run one after the other:
 *  - resnet: ResNet-18 (CIFAR stem), 32×32×3, batch 32 images = 64 views, MLP head 512-512-128,
 *    NT-Xent τ 0.5 (@contrastive/losses), Adam 1e-3 — bench/pytorch/torch_step.py's 'resnet' at --resnet-batch 32;
 *  - small: convNet 32-64-128 (strides 1, 2, 2), batch 128 images, MLP head 128-128-64 — its 'small'.
 *
 *   pnpm bench:backbones [--backends wasm,cpu,tensorflow] [--only resnet,small] [--iters 4] [--warmup 2] [--profile] [--no-torch]
 *
 * tfjs-backend-cpu takes minutes per ResNet step (no fast conv gradients), so it runs only when named.
 * A backend that cannot be set (tfjs-node not installed) is skipped with a line saying why. After the timed
 * steps, one more step runs under tf.profile: its peak tfjs bytes, and with --profile its top kernels.
 * The last line printed is one JSON object of the figures (read by `pnpm bench`).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { type Backbone, type Head, type Loss, selectBackend } from "@contrastive/core";
import { convNet, resnet } from "../src/index.js";
import { kernelProfile } from "../../../bench/kernel-profile.js";
// The bench reaches the sibling packages' builds directly: backbones does not depend on them.
import { simclrHead } from "../../heads/src/index.js";
import { ntXent } from "../../losses/src/index.js";

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"), // `pnpm bench:backbones -- --profile` passes the "--" on
  options: {
    backends: { type: "string", default: "wasm" },
    only: { type: "string", default: "resnet,small" },
    iters: { type: "string", default: "4" },
    warmup: { type: "string", default: "2" },
    profile: { type: "boolean", default: false },
    "no-torch": { type: "boolean", default: false },
  },
});
const only = new Set(args.only.split(","));
const iters = Number(args.iters);
const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");

interface Workload { name: "resnet" | "small"; images: number; make: () => { backbone: Backbone; head: Head } }
const workloads: Workload[] = [
  { name: "resnet", images: 32, make: () => ({ backbone: resnet({ depth: 18, stem: "cifar", inputShape: [32, 32, 3] }), head: simclrHead({ inputDim: 512, hiddenDim: 512, outputDim: 128, batchNorm: false }) }) },
  { name: "small", images: 128, make: () => ({ backbone: convNet({ inputShape: [32, 32, 3] }), head: simclrHead({ inputDim: 128, hiddenDim: 128, outputDim: 64, batchNorm: false }) }) },
].filter((w) => only.has(w.name)) as Workload[];

function stepper(backbone: Backbone, head: Head, loss: Loss, images: number) {
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomUniform([2 * images, 32, 32, 3], 0, 1, "float32", 0); // both views through one forward, as torch_step.py
  const variables = [...backbone.trainableWeights, ...head.trainableWeights];
  const step = () => {
    const value = optimizer.minimize(() => {
      const z = head.apply(backbone.apply(x, { training: true }), { training: true });
      const [z1, z2] = tf.split(z, 2, 0) as [tf.Tensor2D, tf.Tensor2D];
      return loss.compute({ views: [z1, z2] });
    }, true, variables)!;
    const out = value.dataSync()[0] as number;
    value.dispose();
    return out;
  };
  return { step, dispose: () => { optimizer.dispose(); x.dispose(); } };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
interface Figure { backend: string; workload: string; images: number; msPerStep: number; imagesPerSecond: number; peakTfjsMiB: number; topKernels: [string, number][]; inside: Record<string, [string, number][]> }
const figures: Figure[] = [];
const skipped: Record<string, string> = {};
for (const backendName of args.backends.split(",")) {
  let backend: string;
  try {
    backend = (await selectBackend(backendName as "wasm" | "cpu")).backend;
  } catch (error) {
    skipped[backendName] = (error as Error).message.split("\n")[0]!;
    console.log(`[tfjs-${backendName}] skipped: ${skipped[backendName]}`);
    continue;
  }
  tf.enableProdMode();
  for (const w of workloads) {
    const { backbone, head } = w.make();
    const run = stepper(backbone, head, ntXent({ temperature: 0.5 }), w.images);
    for (let i = 0; i < Number(args.warmup); i++) run.step(); // warm-up
    const times: number[] = [];
    let lastLoss = Number.NaN;
    for (let i = 0; i < (w.name === "small" ? 3 * iters : iters); i++) {
      const t0 = performance.now();
      lastLoss = run.step();
      times.push(performance.now() - t0);
    }
    const perSecond = w.images / (median(times) / 1e3);
    const info = await kernelProfile(tf, () => { run.step(); });
    const topKernels = info.shares.slice(0, 8);
    const total = info.totalMs;
    figures.push({ backend, workload: w.name, images: w.images, msPerStep: median(times), imagesPerSecond: perSecond, peakTfjsMiB: info.peakBytes / 2 ** 20, topKernels, inside: info.inside });
    console.log(`[tfjs-${backend}] ${w.name} batch=${w.images}: median ${median(times).toFixed(0)} ms/step = ${perSecond.toFixed(2)} img/s, higher is better (n=${times.length}, loss ${lastLoss.toFixed(3)}, peak tfjs memory ${(info.peakBytes / 2 ** 20).toFixed(0)} MiB, load ${load()})`);
    if (args.profile) {
      console.log(`  profile of one step, ${total.toFixed(0)} ms in kernels (synchronised one by one, so slower than a timed step): ${topKernels.map(([n, share]) => `${n} ${(100 * share).toFixed(0)} %`).join(", ")}`);
      // The composite kernels among the top ones (core's wasm training kernels): what they run inside.
      for (const [parent, children] of Object.entries(info.inside).filter(([parent]) => topKernels.slice(0, 4).some(([n, share]) => n === parent && share >= 0.05) && info.inside[parent]!.reduce((a, [, share]) => a + share, 0) > 0.5)) console.log(`    inside ${parent} (share of its time): ${children.slice(0, 6).map(([n, share]) => `${n} ${(100 * share).toFixed(0)} %`).join(", ")}`);
    }
    run.dispose();
    backbone.dispose();
    head.dispose();
  }
}

const script = fileURLToPath(new URL("../../../bench/pytorch/torch_step.py", import.meta.url));
const out = join(mkdtempSync(join(tmpdir(), "bench-backbones-")), "torch.json");
const torchOnly = workloads.map((w) => w.name).join(",");
const torch: Record<string, number> = {};
let torchSkipped: string | undefined;
if (args["no-torch"]) torchSkipped = "--no-torch";
else {
  try {
    execFileSync("/usr/bin/python3", [script, "--blas", "openblas", "--only", torchOnly, "--resnet-batch", "32", "--small-iters", String(3 * iters + 3), "--resnet-iters", String(Math.max(iters, 3)), "--json", out], { stdio: ["ignore", "inherit", "inherit"] });
    const results = (JSON.parse(readFileSync(out, "utf8")) as { results: Array<{ name: string; images_per_s: number }> }).results;
    for (const w of workloads) {
      const perSecond = results.find((r) => r.name === (w.name === "resnet" ? "resnet18" : "small"))?.images_per_s;
      if (perSecond !== undefined) torch[w.name] = perSecond;
      for (const figure of figures.filter((f) => f.workload === w.name)) {
        console.log(`${w.name}: tfjs-${figure.backend} ${figure.imagesPerSecond.toFixed(2)} img/s vs PyTorch ${perSecond?.toFixed(2)} img/s → ours ÷ PyTorch = ${perSecond ? (figure.imagesPerSecond / perSecond).toFixed(2) : "?"}× (higher is better; load ${load()})`);
      }
    }
  } catch (error) {
    torchSkipped = `${(error as Error).message.split("\n")[0]}: install python3-torch python3-torchvision libopenblas0-pthread`;
  }
}
if (torchSkipped !== undefined) console.log(`PyTorch reference not run (${torchSkipped})`);
console.log(JSON.stringify({ bench: "backbones", figures, skipped, torch, torchSkipped, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
