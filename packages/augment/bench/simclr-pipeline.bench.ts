/*
 * pnpm bench:augment — images/s of the SimCLR view pipeline (Chen et al. 2020) on 256×256 JPEG files →
 * one 224×224×3 float32 view per image, with 1 and 2 concurrent pipelines, against torchvision + PIL on
 * the same files in the same run (bench/pytorch/torch_augment.py, when /usr/bin/python3 has torchvision),
 * and where the time goes. The last line printed is one JSON object of the figures (read by `pnpm bench`).
 *
 *   pnpm bench:augment [--seconds 3] [--no-torch] [--no-parts] [--vips-threads N]
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import sharp from "sharp";
import { createRng } from "@contrastive/core";
import * as image from "../src/image/index.js";

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    seconds: { type: "string", default: process.env.BENCH_SECONDS ?? "3" },
    "no-torch": { type: "boolean", default: false },
    "no-parts": { type: "boolean", default: false },
    "vips-threads": { type: "string" },
  },
});
const COUNT = 160;
const SECONDS = Number(args.seconds);
const PYTHON = "/usr/bin/python3";
const TORCH_AUGMENT = fileURLToPath(new URL("../../../bench/pytorch/torch_augment.py", import.meta.url));
// BENCH_SHARP_CACHE=off runs with libvips' operation cache off (sharp.cache(false)), a process-wide setting left to the user.
if (process.env.BENCH_SHARP_CACHE === "off") sharp.cache(false);
// --vips-threads N sets sharp.concurrency(N), libvips' threads per pipeline (sharp's default on glibc Linux is 1).
if (args["vips-threads"] !== undefined) sharp.concurrency(Number(args["vips-threads"]));
const folder = mkdtempSync(join(tmpdir(), "bench-augment-"));
const files: string[] = [];
for (let i = 0; i < COUNT; i++) {
  // Smooth colour noise: JPEG content closer to photos than white noise.
  const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#000", noise: { type: "gaussian", mean: 128, sigma: 60 } } })
    .resize(256, 256, { kernel: "cubic" }).jpeg({ quality: 90 }).toBuffer();
  files.push(join(folder, `${String(i).padStart(4, "0")}.jpg`));
  writeFileSync(files[i]!, jpeg);
}

/** The pipelines compared: SimCLR's full view, a light one (as the issue's first measurement), and SimCLR's pair (2 views per decoded image). */
const configs = {
  simclr: image.simclrAugment({ size: [224, 224] }),
  light: image.compose([image.randomResizedCrop({ size: [224, 224] }), image.horizontalFlip(), image.colorJitter({ brightness: 0.8, saturation: 0.8 })]),
  pair: image.multiView(2, image.simclrAugment({ size: [224, 224] })),
} as const;
type Config = keyof typeof configs;

async function sharpRate(config: Config, pipelines: number): Promise<number> {
  const view = configs[config];
  let done = 0, next = 0, end = 0;
  const worker = async (id: number) => {
    while (performance.now() < end) {
      const k = next++;
      await image.augmentImage(files[k % COUNT]!, view, createRng(k * 7 + id));
      done++;
    }
  };
  for (let k = 0; k < 20; k++) await image.augmentImage(files[k]!, view, createRng(k)); // warm up
  const start = performance.now();
  const loop = performance.eventLoopUtilization();
  end = start + SECONDS * 1000;
  await Promise.all(Array.from({ length: pipelines }, (_, id) => worker(id)));
  mainThreadBusy[config][pipelines - 1] = performance.eventLoopUtilization(loop).utilization;
  return done / ((performance.now() - start) / 1000);
}

/** The share of the run's wall time the main thread (JS: plans, colour, float conversion) was busy, per config and pipeline count. */
const mainThreadBusy = { simclr: [0, 0], light: [0, 0], pair: [0, 0] } as Record<Config, [number, number]>;

async function timeEach(label: string, run: (k: number) => Promise<unknown> | unknown, n = 100): Promise<[string, number]> {
  for (let k = 0; k < 10; k++) await run(k);
  const start = performance.now();
  for (let k = 0; k < n; k++) await run(k);
  return [label, (performance.now() - start) / n];
}


let torchSkipped = "";
function torchvisionRates(): (Record<Config, [number, number]> & { torchvision: string }) | undefined {
  if (args["no-torch"]) torchSkipped = "--no-torch";
  else if (!existsSync(PYTHON)) torchSkipped = `${PYTHON} is absent`;
  if (torchSkipped !== "") return undefined;
  const result = spawnSync(PYTHON, [TORCH_AUGMENT, folder, "--seconds", String(SECONDS), "--processes", "2"], { encoding: "utf8", env: { ...process.env, OMP_NUM_THREADS: "1" } });
  if (result.status !== 0) {
    torchSkipped = `torch_augment.py failed: ${(result.stderr || result.error?.message || "").trim().split("\n").pop()}`;
    return undefined;
  }
  return JSON.parse(result.stdout.trim().split("\n").pop()!);
}

const load = () => loadavg().map((v) => v.toFixed(2)).join(" ");
console.log(`SimCLR view (crop 0.08–1, flip, jitter 0.8/0.8/0.8/0.2 p 0.8, grey p 0.2, blur 23 p 0.5) on ${COUNT} JPEG 256×256 → 224×224×3 float32`);
console.log(`sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips}), libvips threads ${sharp.concurrency()}, UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE ?? 4}, operation cache ${sharp.cache().items.max > 0 ? "on" : "off"}; load average before: ${load()}`);
const names: Record<Config, string> = { simclr: "SimCLR view", light: "crop+flip+brightness/saturation", pair: "SimCLR pair (2 views/image)" };
const ours = {} as Record<Config, [number, number]>;
for (const config of Object.keys(configs) as Config[]) ours[config] = [await sharpRate(config, 1), await sharpRate(config, 2)];
const torch = torchvisionRates();
console.log("images/s            sharp 1 / 2 pipelines    torchvision 1 / 2 processes    ratio 1 / 2");
for (const config of Object.keys(configs) as Config[]) {
  const [one, two] = ours[config];
  const theirs = torch?.[config];
  const columns = theirs === undefined ? "" : `${theirs[0].toFixed(0).padStart(8)} / ${theirs[1].toFixed(0).padEnd(18)} ${(one / theirs[0]).toFixed(2)}× / ${(two / theirs[1]).toFixed(2)}×`;
  console.log(`${names[config].padEnd(34)} ${one.toFixed(0).padStart(5)} / ${two.toFixed(0).padEnd(10)} ${columns}`);
}
console.log(`main thread busy (JS: plans, colour, bytes → float32) at 1 / 2 pipelines: ${(Object.keys(configs) as Config[]).map((c) => `${names[c]} ${(100 * mainThreadBusy[c][0]).toFixed(0)} % / ${(100 * mainThreadBusy[c][1]).toFixed(0)} %`).join(" · ")} (near 100 % at 2 pipelines: the JS thread, not libvips, bounds the scaling)`);
if (torch !== undefined) console.log(`(torchvision ${torch.torchvision} + PIL, torch.set_num_threads(1) per process; ratio = sharp ÷ torchvision images/s, higher is better)`);
else console.log(`torchvision: not run (${torchSkipped})`);

// Where the time goes, per image, one pipeline (ms).
const raw = await image.decodeImage(files[0]!);
const start = image.startPlan(raw);
const crop = image.compose([image.randomResizedCrop({ size: [224, 224] }), image.horizontalFlip()]);
const jitter = image.colorJitter({ brightness: 0.8, contrast: 0.8, saturation: 0.8, hue: 0.2 });
const lightJitter = image.colorJitter({ brightness: 0.8, saturation: 0.8 });
const pixels = new Float32Array(224 * 224 * 3).map((_, k) => (k % 251) / 251);
const bytes = new Uint8Array(224 * 224 * 3).map((_, k) => k % 251);
const parts = args["no-parts"] ? [] : [
  await timeEach("decode JPEG (libvips)", (k) => image.decodeImage(files[k % COUNT]!)),
  await timeEach("crop + resize + flip from raw (libvips)", (k) => image.renderPlan(raw, crop.apply(start, createRng(k)))),
  await timeEach("one view, file → crop + resize + flip → float32 (one libvips pipeline)", (k) => image.augmentImage(files[k % COUNT]!, crop, createRng(k))),
  await timeEach("brightness + saturation from bytes (JS)", (k) => {
    const plan = lightJitter.apply(start, createRng(k));
    image.runColorProgram(pixels, 3, plan.steps.flatMap((s) => (s.kind === "color" ? s.program : [])), bytes);
  }),
  await timeEach("colour jitter, 4 ops (JS)", (k) => {
    const plan = jitter.apply(start, createRng(k));
    image.runColorProgram(pixels, 3, plan.steps.flatMap((s) => (s.kind === "color" ? s.program : [])));
  }),
  await timeEach("blur σ 0.1–2, k 23 (libvips)", (k) => image.renderPlan({ data: bytes, height: 224, width: 224, channels: 3 }, image.gaussianBlur({ kernelSize: 23 }).apply(image.startPlan({ height: 224, width: 224, channels: 3 }), createRng(k)))),
];
if (parts.length > 0) console.log("per image, 1 pipeline: " + parts.map(([label, ms]) => `${label} ${ms.toFixed(2)} ms`).join(" · "));
console.log(`load average after: ${load()}`);
rmSync(folder, { recursive: true, force: true });
const ratios = torch === undefined ? null : Object.fromEntries((Object.keys(configs) as Config[]).map((c) => [c, [ours[c][0] / torch[c][0], ours[c][1] / torch[c][1]]]));
console.log(JSON.stringify({ bench: "augment", pipelines: [1, 2], sharp: ours, torchvision: torch ?? null, ratios, mainThreadBusy, torchSkipped: torch === undefined ? torchSkipped : undefined, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
