/**
 * pnpm bench:lockstep — ours and PyTorch trained in lockstep on the MNIST digits: the same initial
 * weights, the same views in the same order, the same labels. What is left to differ is arithmetic
 * (float32 sums in another order, other kernels), so the two runs' losses and kNN accuracies say whether
 * anything systematic separates our training from PyTorch's once the random streams are taken away,
 * which `pnpm bench:quality` (independent random streams, seed noise of 1–4 points) cannot.
 *
 *   pnpm bench:lockstep [--method simclr|moco|simsiam|byol|barlow-twins|vicreg|supcon] [--epochs 1] [--seed 0] [--keep DIR]
 *
 * Ours: the recipe of examples/methods (src/recipes.ts); `simclr` is the demo's recipe (`contrastive
 * demo`: convNet → projectionHead [128] → 64, NT-Xent τ 0.5, Adam 1e-3); `moco` is examples/moco's
 * (momentum encoder m 0.99, a queue of 4,096 keys, InfoNCE τ 0.2). Batch 256, wasm (cpu without it).
 * It writes the initial weights (exportTorchModules: PyTorch names and layouts), MoCo's initial queue,
 * every step's two views (float32, NHWC) and labels into a folder; bench/pytorch/torch_methods_mnist.py
 * (torch_moco_mnist.py for moco) --replay DIR
 * rebuilds the same modules (scale-out/models.py), loads the weights and trains on those views with the
 * method's loss and optimizer, once in float32 and once in float64. float32 rounding alone makes two
 * runs drift apart (Adam's first steps turn tiny gradient differences into whole learning-rate steps),
 * so the float64 run is the yardstick: ours and PyTorch's float32 run each differ from it, and the
 * question is whether ours differs more. Views take 50 MB per epoch; the folder is removed unless --keep.
 * The last line is one JSON object.
 */
import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { multiView, simclrMnistAugment } from "@contrastive/augment";
import { convNet } from "@contrastive/backbones";
import { exportTorchModules } from "@contrastive/backbones/node";
import { type Augmentation, type DataSource, type NegativeBank, type Sampler, selectBackend } from "@contrastive/core";
import { subset } from "@contrastive/data";
import { mnistDigits } from "@contrastive/data/mnist";
import { evaluateKnn, knnMonitor } from "@contrastive/eval";
import { projectionHead } from "@contrastive/heads";
import { infoNce, ntXent } from "@contrastive/losses";
import { instanceSampler, queue } from "@contrastive/samplers";
import { type MomentumEncoder, createTrainer, momentumEncoder } from "@contrastive/trainer";
import * as tf from "@tensorflow/tfjs-core";
import { type Recipe, recipes } from "../examples/methods/src/recipes.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const PYTHON = "/usr/bin/python3";
const METHODS = ["simclr", "moco", ...Object.keys(recipes)] as const;
const BATCH = 256;

const { values } = parseArgs({ options: { method: { type: "string", default: "simclr" }, epochs: { type: "string", default: "1" }, seed: { type: "string", default: "0" }, keep: { type: "string" }, "record-only": { type: "boolean" }, "train-per-class": { type: "string", default: "0" }, help: { type: "boolean" } } });
if (values.help) {
  console.log("usage: pnpm bench:lockstep [--method simclr|moco|simsiam|byol|barlow-twins|vicreg|supcon] [--epochs 1] [--seed 0] [--train-per-class N] [--keep DIR [--record-only]]");
  process.exit(0);
}
const method = values.method as string;
const [epochs, seed, perClass] = [Number(values.epochs), Number(values.seed), Number(values["train-per-class"])];
if (!(METHODS as readonly string[]).includes(method) || !Number.isInteger(epochs) || epochs < 1 || !Number.isInteger(seed) || seed < 0 || !(perClass === 0 || (Number.isInteger(perClass) && perClass >= 26))) {
  console.error(`bench:lockstep: --method must be one of ${METHODS.join(", ")}, --epochs an integer ≥ 1, --seed an integer ≥ 0 and --train-per-class 0 (all) or an integer ≥ 26 (one batch of 256); got --method ${method} --epochs ${values.epochs} --seed ${values.seed} --train-per-class ${values["train-per-class"]}`);
  process.exit(2);
}
if (values["record-only"] && values.keep === undefined) {
  console.error("bench:lockstep: --record-only needs --keep DIR (the folder to record into)");
  process.exit(2);
}
const probe = spawnSync(PYTHON, ["-c", "import torch, numpy; print(torch.__version__)"], { encoding: "utf8" });
if (probe.status !== 0) {
  console.error(`bench:lockstep needs PyTorch: ${PYTHON} cannot import torch and numpy. Install: apt-get install -y python3-torch python3-torchvision libopenblas0-pthread`);
  process.exit(2);
}

/** A recipe of examples/methods, or one with a negative bank and a momentum encoder (MoCo). */
type LockstepRecipe = Recipe & { negatives?: NegativeBank; momentumEncoder?: MomentumEncoder };

const encoder = (seedValue: number) => {
  const backbone = convNet({ inputShape: [28, 28, 1], seed: seedValue });
  return { backbone, head: projectionHead({ inputDim: backbone.outputDim, hiddenDims: [backbone.outputDim], outputDim: 64, seed: seedValue + 1 }) };
};

/** The demo's recipe (`contrastive demo`), as packages/cli/src/components.ts builds it. */
function simclr(seedValue: number): LockstepRecipe {
  const { backbone, head } = encoder(seedValue);
  const optimizer = tf.train.adam(1e-3);
  return { backbone, head, loss: ntXent({ temperature: 0.5 }), optimizer, owned: [backbone, head, optimizer] };
}

/** examples/moco's recipe (src/pipeline.ts). */
function moco(seedValue: number): LockstepRecipe {
  const online = encoder(seedValue);
  const target = encoder(seedValue + 100);
  const keys = queue({ size: 4096, dim: 64, seed: seedValue });
  const optimizer = tf.train.adam(1e-3);
  const owned = [online.backbone, online.head, target.backbone, target.head, keys, optimizer];
  return { ...online, loss: infoNce({ temperature: 0.2, inBatchNegatives: false }), optimizer, negatives: keys, momentumEncoder: momentumEncoder({ online, target, momentum: 0.99 }), owned };
}

const { backend } = await selectBackend("auto");
/** The train digits, or the first n of each class (as the PyTorch scripts' --train-per-class). */
function trainDigits(): DataSource {
  const all = mnistDigits({ subset: "train" });
  if (perClass === 0) return all;
  const taken = new Array<number>(10).fill(0);
  const indices = Array.from(all.labels as Int32Array, (label, i) => (taken[label]! < perClass ? (taken[label]!++, i) : -1)).filter((i) => i >= 0);
  return subset(all, indices);
}
const train = trainDigits();
const test = mnistDigits({ subset: "test" });
const folder = values.keep ?? mkdtempSync(join(tmpdir(), "bench-lockstep-"));
mkdirSync(folder, { recursive: true });
const sampler = instanceSampler({ size: train.size, batchSize: BATCH, seed });
const totalSteps = epochs * sampler.batchesPerEpoch();
const recipe: LockstepRecipe = method === "simclr" ? simclr(seed) : method === "moco" ? moco(seed) : recipes[method as keyof typeof recipes](seed, totalSteps);
/** The PyTorch script that replays the record of this run, with its arguments (all but --dtype). */
const torchScript = method === "moco" ? ["torch_moco_mnist.py"] : ["torch_methods_mnist.py", "--method", method];
const data = dirname(createRequire(join(root, "examples/methods/package.json")).resolve("mnist/package.json"));
const replayArgs = [join(root, "bench/pytorch", torchScript[0] as string), ...torchScript.slice(1), "--replay", folder, "--data", data, "--epochs", String(epochs), "--seed", String(seed), "--train-per-class", String(perClass), "--json"];

try {
  // the initial weights, with PyTorch's names and layouts, and each module's architecture
  await exportTorchModules(join(folder, "init.safetensors"), { backbone: recipe.backbone, head: recipe.head, ...(recipe.predictor ? { predictor: recipe.predictor } : {}) });
  const initialQueue = recipe.negatives?.state();
  if (initialQueue) writeFileSync(join(folder, "queue.f32"), new Uint8Array(initialQueue.values.buffer, initialQueue.values.byteOffset, initialQueue.values.byteLength));

  // every step's views and labels, in the order the trainer uses them
  const viewsFile = openSync(join(folder, "views.f32"), "w");
  const labelRows: Int32Array[] = [];
  const twoViews = multiView(2, simclrMnistAugment());
  const recordViews: Augmentation<tf.Tensor4D, tf.Tensor4D[]> = {
    name: `recorded(${twoViews.name})`,
    apply(images, rng) {
      const views = twoViews.apply(images, rng);
      for (const view of views) writeSync(viewsFile, new Uint8Array((view.dataSync() as Float32Array).buffer));
      return views;
    },
  };
  const labels = train.labels as Int32Array;
  const recordBatches: Sampler = {
    name: "recorded(instanceSampler)",
    batchesPerEpoch: () => sampler.batchesPerEpoch(),
    *batches(epoch) {
      for (const indices of sampler.batches(epoch)) {
        labelRows.push(Int32Array.from(indices, (i) => labels[i] as number));
        yield indices;
      }
    },
  };
  const encode = (x: tf.Tensor) => recipe.backbone.apply(x, { training: false });
  const untrained = (await evaluateKnn({ encode, train, test })).accuracy;
  const perEpoch = knnMonitor({ encode, train, test, log: (line) => process.stderr.write(`ours: ${line}\n`) });
  const stepLosses: number[] = [];
  const { owned: _owned, useLabels = false, ...components } = recipe;
  const trainer = createTrainer({ ...components, seed, augment: recordViews, callbacks: [{ onStepEnd: ({ loss }) => void stepLosses.push(loss) }, perEpoch] });
  const start = Date.now();
  process.stderr.write(`ours (${backend}): ${method}, ${epochs} epoch${epochs === 1 ? "" : "s"} of ${sampler.batchesPerEpoch()} steps, seed ${seed}, recording into ${folder}\n`);
  await trainer.fit({ data: train, sampler: recordBatches, epochs, useLabels });
  closeSync(viewsFile);
  const oursSeconds = (Date.now() - start) / 1000;
  const labelFile = new Int32Array(totalSteps * BATCH);
  labelRows.slice(0, totalSteps).forEach((row, i) => labelFile.set(row, i * BATCH));
  writeFileSync(join(folder, "labels.i32"), new Uint8Array(labelFile.buffer));
  writeFileSync(join(folder, "manifest.json"), JSON.stringify({ method, epochs, seed, batchSize: BATCH, stepsPerEpoch: sampler.batchesPerEpoch(), viewShape: [28, 28, 1], views: 2, ...(initialQueue ? { queueShape: initialQueue.shape } : {}), layout: "views.f32: [steps, 2, batch, 28, 28, 1] float32 little-endian; labels.i32: [steps, batch]; queue.f32: [K, d] float32, the initial keys" }));
  const ours = { untrainedKnnAccuracy: untrained, knnPerEpoch: perEpoch.history.map((e) => e.accuracy), stepLosses, seconds: oursSeconds };
  if (values["record-only"]) {
    console.log(`recorded ${method}, seed ${seed}, in ${folder}: ours ${ours.knnPerEpoch.map((a) => a.toFixed(4)).join(" → ")} (untrained ${untrained.toFixed(4)}); replay it with ${PYTHON} ${replayArgs.join(" ")} [--dtype float64] [--replay-parts weights,queue,views]`);
    console.log(JSON.stringify({ method, seed, epochs, backend, folder, ours, replay: [PYTHON, ...replayArgs] }));
    process.exit(0);
  }

  // PyTorch on the same weights and views: float32 (what it trains in) and float64 (the run without float32 rounding)
  type Replay = { untrainedKnnAccuracy: number; knnPerEpoch: number[]; stepLosses: number[]; seconds: number };
  const replay = (dtype: "float32" | "float64"): Replay => {
    process.stderr.write(`PyTorch (${dtype}): the same weights and views …\n`);
    const started = Date.now();
    const done = spawnSync(PYTHON, [...replayArgs, "--dtype", dtype], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "inherit"] });
    if (done.status !== 0) {
      console.error(`bench:lockstep: the PyTorch replay (${dtype}) failed (exit ${done.status}); its messages are above`);
      if (values.keep === undefined) rmSync(folder, { recursive: true, force: true }); // exit skips the finally below
      process.exit(1);
    }
    const parsed = JSON.parse(done.stdout.trim().split("\n").at(-1) as string) as Omit<Replay, "seconds">;
    return { untrainedKnnAccuracy: parsed.untrainedKnnAccuracy, knnPerEpoch: parsed.knnPerEpoch, stepLosses: parsed.stepLosses, seconds: (Date.now() - started) / 1000 };
  };
  const torch32 = replay("float32");
  const torch64 = replay("float64");

  // side by side, each float32 run against the float64 one
  const relativeTo64 = (losses: number[]) => losses.map((loss, i) => Math.abs(loss - (torch64.stepLosses[i] as number)) / Math.max(Math.abs(torch64.stepLosses[i] as number), 1e-12));
  const [oursDrift, torchDrift] = [relativeTo64(ours.stepLosses), relativeTo64(torch32.stepLosses)];
  const shown = [...new Set([1, 2, 3, 5, 10, 20, ...Array.from({ length: epochs }, (_, e) => (e + 1) * sampler.batchesPerEpoch())])].filter((s) => s <= totalSteps).sort((x, y) => x - y);
  const loss = (v: number | undefined) => (v as number).toFixed(5).padStart(9);
  const relative = (v: number | undefined) => (v as number).toExponential(1).padStart(7);
  console.log(`\n${method} in lockstep (seed ${seed}, ${epochs} epoch${epochs === 1 ? "" : "s"}, ${totalSteps} steps of ${BATCH}): ${perClass ? `${train.size} train digits, ` : ""}one set of initial weights, views and labels, trained by ours (${backend}, float32) and by PyTorch ${probe.stdout.trim()} (CPU) in float32 and in float64`);
  console.log("                                             relative difference from the float64 run");
  console.log("  step   loss: ours    PyTorch32   PyTorch64        ours        PyTorch32");
  for (const s of shown) console.log(`  ${String(s).padStart(4)}   ${loss(ours.stepLosses[s - 1])}   ${loss(torch32.stepLosses[s - 1])}   ${loss(torch64.stepLosses[s - 1])}        ${relative(oursDrift[s - 1])}       ${relative(torchDrift[s - 1])}`);
  console.log("  float32 rounding alone makes two runs drift apart step by step (Adam amplifies it): compare the last two columns with each other, not with zero.");
  console.log(`  weighted-kNN accuracy (k 20, τ 0.1) of the encoder on the 1,996 test digits against ${train.size} train digits:`);
  console.log(`    untrained   ours ${untrained.toFixed(4)}   PyTorch32 ${torch32.untrainedKnnAccuracy.toFixed(4)}   PyTorch64 ${torch64.untrainedKnnAccuracy.toFixed(4)}   (the same weights)`);
  const points = (a: number, b: number | undefined) => `${(100 * (a - (b as number))).toFixed(1).padStart(5)}`;
  ours.knnPerEpoch.forEach((accuracy, e) =>
    console.log(`    epoch ${e + 1}     ours ${accuracy.toFixed(4)}   PyTorch32 ${(torch32.knnPerEpoch[e] as number).toFixed(4)}   PyTorch64 ${(torch64.knnPerEpoch[e] as number).toFixed(4)}   points: ours − 64 ${points(accuracy, torch64.knnPerEpoch[e])}, PyTorch32 − 64 ${points(torch32.knnPerEpoch[e] as number, torch64.knnPerEpoch[e])}`),
  );
  console.log(`  time: ours ${oursSeconds.toFixed(0)} s (training, recording and kNN), PyTorch ${torch32.seconds.toFixed(0)} s (float32) and ${torch64.seconds.toFixed(0)} s (float64)`);
  console.log(JSON.stringify({ method, seed, epochs, backend, torch: probe.stdout.trim(), ours, pytorch32: torch32, pytorch64: torch64, maxRelativeLossDrift: { ours: Math.max(...oursDrift), pytorch32: Math.max(...torchDrift) } }));
} finally {
  recipe.owned.forEach((x) => x.dispose());
  if (values.keep === undefined) rmSync(folder, { recursive: true, force: true });
}
