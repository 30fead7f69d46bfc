/**
 * SimCLR on a folder of JPEG files with the sharp pipeline, end to end: encoder, head and embeddings
 * saved, weighted-kNN accuracy printed, and how long the trainer waited for data.
 *
 *   pnpm --filter @contrastive/example-image-folder start -- [--data DIR] [--size 64] [--epochs 2] [--smoke] [--json]
 */
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type BackendPreference, selectBackend } from "@contrastive/core";
import { progressLogger } from "@contrastive/trainer";
import { parseExampleArgs } from "./args.js";
import { writeDigitFolder } from "./digit-folder.js";
import { trainOnFolder } from "./train-folder.js";

const args = parseExampleArgs(
  "pnpm --filter @contrastive/example-image-folder start -- [flags]",
  "SimCLR on a folder of images (one sub-folder per class, or flat and unlabelled): views made by libvips\n" +
    "off the training thread, a ConvNet encoder; saves the encoder, the head and embeddings.jsonl, prints kNN accuracy.\n" +
    "Without --data it writes MNIST digits as coloured JPEG files in class sub-folders and trains on those.",
  {
    data: { type: "string", help: "folder of images (default: MNIST digits written as JPEG files under output/)" },
    images: { type: "integer", min: 10, default: "500", help: "digits to write when --data is not given" },
    size: { type: "integer", min: 8, default: "64", help: "side of the square views" },
    epochs: { type: "integer", min: 1, default: "2", help: "passes over the training images" },
    "batch-size": { type: "integer", min: 2, default: "64", help: "images per batch (two views each)" },
    "learning-rate": { type: "number", min: 0, default: "0.001", help: "Adam's learning rate" },
    temperature: { type: "number", min: 0, default: "0.5", help: "NT-Xent temperature τ" },
    prefetch: { type: "integer", min: 1, default: "3", help: "batches prepared ahead of the step being trained" },
    backend: { type: "string", default: "auto", help: "auto, tensorflow, wasm or cpu" },
    seed: { type: "integer", min: 0, default: "0", help: "seed of the weights, batches and views" },
    out: { type: "string", help: "folder for encoder/, head/ and embeddings.jsonl (default: this example's output/run)" },
  },
);
const log = (line: string) => process.stderr.write(`${line}\n`);
const smoke = args.flag("smoke");
const here = fileURLToPath(new URL("..", import.meta.url));

const selection = await selectBackend(args.string("backend") as BackendPreference);
log(`backend: ${selection.backend} (${selection.packageName})`);

let data = args.string("data");
if (data === undefined) {
  const count = smoke ? 60 : args.number("images");
  data = join(here, "output", `digits-jpeg-${count}`);
  if (!existsSync(data) || readdirSync(data).length === 0) {
    log(`no --data given: writing ${count} MNIST digits as coloured 72×72 JPEG files, one sub-folder per class, to ${data}`);
    await writeDigitFolder(data, { count, seed: args.number("seed") });
  } else log(`no --data given: using the MNIST digits already written as JPEG files in ${data}`);
} else if (!existsSync(data)) {
  process.stderr.write(`image-folder: --data ${data} does not exist (a folder of images, or of class sub-folders of images)\n`);
  process.exit(2);
}
const outputDir = resolve(args.string("out") ?? join(here, "output", "run"));
mkdirSync(outputDir, { recursive: true });

const result = await trainOnFolder({
  data: resolve(data),
  outputDir,
  size: smoke ? 32 : args.number("size"),
  epochs: args.number("epochs"),
  batchSize: smoke ? 16 : args.number("batch-size"),
  learningRate: args.number("learning-rate"),
  temperature: args.number("temperature"),
  prefetch: args.number("prefetch"),
  seed: args.number("seed"),
  callbacks: [progressLogger({ every: 5, write: log })],
  log,
});
const json = { backend: selection.backend, ...result };
if (args.flag("json")) {
  console.log(JSON.stringify(json));
} else {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  console.log(`
SimCLR on ${result.images} images of ${data} (${result.size}×${result.size}, ${result.epochs} epoch(s), batch ${result.batchSize}, ${selection.backend}):
  ${result.imagesPerSecond.toFixed(1)} images/s; waiting for data: ${pct(result.dataWaitFraction)} of training time (${pct(result.dataWaitFractionAfterFirstStep)} after each epoch's first step)
  weighted kNN accuracy (k 20, cosine, τ 0.1): raw pixels ${result.rawPixelKnnAccuracy.toFixed(4)}, untrained encoder ${result.untrainedKnnAccuracy.toFixed(4)}, trained ${result.knnAccuracy.toFixed(4)}
  saved: ${join(outputDir, "encoder")} (loadBackbone), ${join(outputDir, "head")} (loadHead), ${result.embeddings}`);
}
