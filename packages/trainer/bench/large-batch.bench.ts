/*
 * pnpm bench:large-batch — one SimCLR step on 2,048 digits (4,096 views) with the ConvNet on the wasm
 * backend (4 GB of memory at most): the plain step, then the gradient cache (chunks of 512 images),
 * each in its own process (an out-of-memory abort leaves the wasm module unusable). Prints the loss,
 * the seconds and the peak resident memory of each, or how the plain step failed.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const mode = process.argv[2];
if (mode === "plain" || mode === "cache") {
  const tf = await import("@tensorflow/tfjs-core");
  const { multiView, simclrMnistAugment } = await import("@contrastive/augment");
  const { convNet } = await import("@contrastive/backbones");
  const { selectBackend } = await import("@contrastive/core");
  const { mnistDigits } = await import("@contrastive/data/mnist");
  const { projectionHead } = await import("@contrastive/heads");
  const { ntXent } = await import("@contrastive/losses");
  const { createTrainer } = await import("../src/index.js");
  await selectBackend("wasm");
  const digits = mnistDigits({ subset: "train" });
  const images = digits.read(Int32Array.from({ length: 2048 }, (_, i) => i * 3)) as import("@tensorflow/tfjs-core").Tensor4D;
  const backbone = convNet({ inputShape: [28, 28, 1] });
  const trainer = createTrainer({
    backbone,
    head: projectionHead({ inputDim: backbone.outputDim, hiddenDims: [128], outputDim: 64 }),
    loss: ntXent({ temperature: 0.5 }),
    augment: multiView(2, simclrMnistAugment()),
    optimizer: tf.train.adam(1e-3),
    checkLeaks: false,
    ...(mode === "cache" ? { gradientCache: { chunkSize: 512 } } : {}),
  });
  const started = performance.now();
  const loss = trainer.step(images);
  console.log(JSON.stringify({ mode, loss, seconds: (performance.now() - started) / 1000, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }));
} else {
  for (const run of ["plain", "cache"]) {
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), run], { encoding: "utf8", timeout: 900_000 });
    const line = child.stdout.trim().split("\n").at(-1);
    const failure = (child.stderr.match(/RangeError[^\n]*|RuntimeError[^\n]*|Aborted\([^\n]*|out of memory[^\n]*/i) ?? [child.signal ? `killed by ${child.signal}` : `exit ${child.status}`])[0];
    console.log(`${run.padEnd(5)} step, 4,096 views: ${child.status === 0 && line ? line : `failed: ${failure}`}`);
  }
}
