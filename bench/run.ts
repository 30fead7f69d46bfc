/*
 * `pnpm bench` — the whole benchmark suite beside PyTorch, in one command (see bench/README.md).
 *
 *   pnpm bench [--quick] [--backends cpu,wasm,tensorflow] [--no-torch] [--cpu-steps]
 *
 * It runs the packages' own benches as child processes, one after the other (each prints readable lines
 * and, last, one JSON line of its figures), passes their lines through, and ends with a summary and one
 * JSON line of the ratios ours ÷ PyTorch's throughput (higher is better):
 *   {"convnetStep","resnet18Step","ntXent","augmentLight","augmentSimclr","workerEfficiency"}
 * "ours" is the best tfjs backend present, in selectBackend('auto')'s order (tensorflow, wasm, cpu);
 * the augmentation ratios are at 2 pipelines against 2 torchvision processes; workerEfficiency is
 * images/s with N workers ÷ (N × images/s with 1), N the cores available, from the trainer's workers
 * bench. A ratio that could not be measured is null, with a line saying why. Nothing fails on speed.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism, cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"), // `pnpm bench -- --quick` passes the "--" on
  options: {
    quick: { type: "boolean", default: false },
    backends: { type: "string", default: "cpu,wasm,tensorflow" },
    "no-torch": { type: "boolean", default: false },
    "cpu-steps": { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (args.help) {
  console.log("pnpm bench [--quick] [--backends cpu,wasm,tensorflow] [--no-torch] [--cpu-steps]\n  the benchmark suite beside PyTorch; see bench/README.md");
  process.exit(0);
}

const root = fileURLToPath(new URL("..", import.meta.url));
const tsx = fileURLToPath(import.meta.resolve("tsx/cli"));
const quick = args.quick;
const backends = args.backends.split(",");
const noTorch = args["no-torch"] ? ["--no-torch"] : [];
const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Runs one bench file with tsx, passes its lines through (indented), and returns its last line parsed as JSON. */
function runBench(title: string, file: string, benchArgs: string[]): Promise<Json | string> {
  console.log(`\n== ${title}\n   (${file} ${benchArgs.join(" ")})`);
  if (!existsSync(`${root}/${file}`)) {
    console.log("   not available in this build");
    return Promise.resolve(`${file} is not in this build`);
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tsx, file, ...benchArgs], { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, BENCH_QUICK: quick ? "1" : "" } });
    let last = "";
    let pending = "";
    let errors = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      const lines = (pending + chunk).split("\n");
      pending = lines.pop()!;
      for (const line of lines) {
        if (line.trim() === "") continue;
        last = line;
        if (!line.startsWith("{")) console.log(`   ${line}`); // the JSON lines are for this script
      }
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => { errors += chunk; });
    child.on("close", (code) => {
      if (pending.trim() !== "") last = pending;
      try {
        if (code !== 0) throw new Error(`exit code ${code}: ${errors.trim().split("\n").slice(-3).join(" | ")}`);
        resolve(JSON.parse(last) as Json);
      } catch (error) {
        resolve(`${file} gave no figures (${(error as Error).message})`);
      }
    });
  });
}

const cores = availableParallelism();
console.log(`pnpm bench${quick ? " --quick" : ""}: ${cores} cores (${cpus()[0]?.model.trim()}), Node ${process.version}, load average ${load()}`);
console.log("Throughputs are per second (higher is better); times are milliseconds (lower is better); ratios are ours ÷ PyTorch's throughput (above 1: we are faster).");

/** Whether @tensorflow/tfjs-node resolves from the packages (it needs a libtensorflow download that may have failed). */
function hasTfjsNode(): boolean {
  try {
    createRequire(`${root}/packages/core/package.json`).resolve("@tensorflow/tfjs-node");
    return true;
  } catch {
    return false;
  }
}
const order = ["tensorflow", "wasm", "cpu"].filter((b) => backends.includes(b) && (b !== "tensorflow" || hasTfjsNode()));
if (backends.includes("tensorflow") && !order.includes("tensorflow")) console.log("tensorflow (tfjs-node): not installed, so not measured (npm install @tensorflow/tfjs-node where its libtensorflow download works)");
const losses = await runBench("NT-Xent forward + backward (N 256 pairs, d 128), per backend, and PyTorch's time on the same work", "packages/losses/bench/nt-xent.bench.ts", ["--backends", order.join(","), "--no-info-nce", "--profile", "--iterations", quick ? "10" : "25", ...noTorch]);

/** SimCLR steps: one child per workload and backend, so that each peak RSS is its own; PyTorch runs once per workload. */
const steps: Record<string, Json | string> = {};
for (const [workload, title] of [["small", "ConvNet SimCLR step (batch 128, 32×32×3)"], ["resnet", "ResNet-18 (CIFAR stem) SimCLR step (batch 32)"]] as const) {
  // tfjs-backend-cpu takes minutes per ConvNet step (more per ResNet-18 step): only --cpu-steps runs the ConvNet on it.
  const stepBackends = order.filter((b) => b !== "cpu" || (workload === "small" && args["cpu-steps"]));
  const iters = quick ? "1" : workload === "small" ? "4" : "3";
  for (const [i, backend] of stepBackends.entries()) {
    const withTorch = i === stepBackends.length - 1 ? noTorch : ["--no-torch"];
    steps[`${workload}/${backend}`] = await runBench(`${title} on ${backend}${withTorch.length === 0 ? ", then PyTorch" : ""}`, "packages/backbones/bench/simclr-step.bench.ts", ["--only", workload, "--backends", backend, "--iters", backend === "cpu" ? "1" : iters, "--warmup", quick ? "1" : "2", "--profile", ...withTorch]);
  }
  if (order.includes("cpu") && !stepBackends.includes("cpu")) console.log(`   cpu: not run (tfjs-backend-cpu has no fast convolution gradients: minutes per step${workload === "small" ? "; --cpu-steps runs it" : ""})`);
}

const augment = await runBench("Image views with sharp (256² JPEG → 224² float32), 1 and 2 pipelines, and torchvision + PIL on the same files", "packages/augment/bench/simclr-pipeline.bench.ts", ["--seconds", quick ? "1" : "3", ...(quick ? ["--no-parts"] : []), ...noTorch]);
const workers = await runBench(`Training images/s against the number of workers (1 … ${cores})`, "packages/trainer/bench/workers.bench.ts", []);

// ---- summary --------------------------------------------------------------------------------------
const ratios: Record<string, number | null> = { convnetStep: null, resnet18Step: null, ntXent: null, augmentLight: null, augmentSimclr: null, workerEfficiency: null };
const why: Record<string, string> = {};
const memory: string[] = [];

function stepRatio(key: string, workload: string) {
  const runs = Object.entries(steps).filter(([k]) => k.startsWith(`${workload}/`));
  const torchRun = runs.map(([, r]) => r).find((r): r is Json => typeof r !== "string" && r.torch?.[workload] !== undefined);
  const figures = runs.flatMap(([, r]) => (typeof r === "string" ? [] : (r.figures as Json[])));
  for (const [k, r] of runs) if (typeof r === "string") console.log(`${workload === "small" ? "ConvNet" : "ResNet-18"} step on ${k.split("/")[1]}: not measured — ${r}`);
  for (const f of figures) memory.push(`${workload === "small" ? "ConvNet" : "ResNet-18"} step on ${f.backend}: peak tfjs tensors ${f.peakTfjsMiB.toFixed(0)} MiB`);
  for (const [k, r] of runs) if (typeof r !== "string") memory.push(`${workload === "small" ? "ConvNet" : "ResNet-18"} bench process on ${k.split("/")[1]}: peak RSS ${r.peakRssMiB.toFixed(0)} MiB`);
  const best = order.map((b) => figures.find((f) => f.backend === b)).find((f) => f !== undefined);
  if (best === undefined) return void (why[key] ??= "no tfjs backend ran it");
  const inside = (name: string) => ((best.inside?.[name] ?? []) as [string, number][]).filter(([, s]) => s >= 0.1).map(([n, s]) => `${n} ${(100 * s).toFixed(0)} %`).join(", ");
  const top = (best.topKernels as [string, number][]).slice(0, 4).map(([n, s]) => `${n} ${(100 * s).toFixed(0)} %${inside(n) === "" ? "" : ` (inside: ${inside(n)})`}`).join(", ");
  const name = workload === "small" ? "ConvNet step" : "ResNet-18 step";
  if (torchRun === undefined) {
    why[key] = `PyTorch not measured (${runs.map(([, r]) => (typeof r === "string" ? r : r.torchSkipped)).find(Boolean) ?? "no result"})`;
    return void console.log(`${name}: ours (${best.backend}) ${best.imagesPerSecond.toFixed(2)} img/s (higher is better); top kernels: ${top}`);
  }
  ratios[key] = best.imagesPerSecond / torchRun.torch[workload];
  console.log(`${name}: ours (${best.backend}) ${best.imagesPerSecond.toFixed(2)} img/s, PyTorch ${torchRun.torch[workload].toFixed(2)} img/s → ${ratios[key]!.toFixed(2)}× (higher is better); top kernels: ${top}`);
}

console.log("\n== Summary (ours ÷ PyTorch's throughput; higher is better)");
if (typeof losses === "string") why.ntXent = losses;
else {
  const best = order.find((b) => losses.msPerIteration[b] !== undefined);
  if (best === undefined) why.ntXent = "no tfjs backend ran it";
  else if (losses.torchMs === null) {
    why.ntXent = `PyTorch not measured (${losses.torchSkipped})`;
    console.log(`NT-Xent: ours (${best}) ${losses.msPerIteration[best].toFixed(2)} ms (lower is better)`);
  }
  else {
    ratios.ntXent = losses.torchMs / losses.msPerIteration[best];
    console.log(`NT-Xent: ours (${best}) ${losses.msPerIteration[best].toFixed(2)} ms, PyTorch ${losses.torchMs.toFixed(2)} ms → throughput ratio ${ratios.ntXent!.toFixed(2)}× (our time is ${(1 / ratios.ntXent!).toFixed(2)}× PyTorch's)`);
  }
  if (typeof losses !== "string") memory.push(`NT-Xent bench process: peak RSS ${losses.peakRssMiB.toFixed(0)} MiB`);
}
stepRatio("convnetStep", "small");
stepRatio("resnet18Step", "resnet");
if (typeof augment === "string") why.augmentLight = why.augmentSimclr = augment;
else {
  memory.push(`augmentation bench process: peak RSS ${augment.peakRssMiB.toFixed(0)} MiB`);
  if (augment.ratios === null) {
    why.augmentLight = why.augmentSimclr = `torchvision not measured (${augment.torchSkipped})`;
    console.log(`augmentation (sharp, 1 / 2 pipelines): light ${augment.sharp.light.map((r: number) => r.toFixed(0)).join(" / ")} img/s, SimCLR view ${augment.sharp.simclr.map((r: number) => r.toFixed(0)).join(" / ")} img/s (higher is better)`);
  }
  else {
    ratios.augmentLight = augment.ratios.light[1];
    ratios.augmentSimclr = augment.ratios.simclr[1];
    for (const [key, config, name] of [["augmentLight", "light", "light augmentation (crop + flip + brightness/saturation)"], ["augmentSimclr", "simclr", "SimCLR view"]] as const) {
      console.log(`${name}: sharp ${augment.sharp[config].map((r: number) => r.toFixed(0)).join(" / ")} img/s, torchvision ${augment.torchvision[config].map((r: number) => r.toFixed(0)).join(" / ")} img/s at 1 / 2 pipelines → ${augment.ratios[config].map((r: number) => `${r.toFixed(2)}×`).join(" / ")}; the JSON takes 2 pipelines: ${ratios[key]!.toFixed(2)}×`);
    }
  }
}
if (typeof workers === "string") {
  why.workerEfficiency = workers.includes("not in this build") ? "workers: not available in this build (packages/trainer/bench/workers.bench.ts)" : workers;
} else {
  const counts = workers.workers as number[];
  const at = counts.includes(cores) ? counts.indexOf(cores) : counts.length - 1;
  ratios.workerEfficiency = (workers.efficiency as number[])[at] ?? null;
  console.log(`workers: ${counts.map((n, i) => `${n}: ${(workers.imagesPerSecond[i] as number).toFixed(1)} img/s (${(100 * workers.efficiency[i]).toFixed(0)} %)`).join(", ")}; efficiency = images/s with N ÷ (N × images/s with 1); the JSON takes N = ${counts[at]}`);
}
console.log(`peak memory: ${memory.join("; ")}`);
for (const [key, reason] of Object.entries(why)) console.log(`${key}: null — ${reason}`);
console.log(`load average after: ${load()}`);
console.log(JSON.stringify(ratios));
