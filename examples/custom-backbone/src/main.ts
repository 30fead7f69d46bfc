/**
 * Bring your own encoder: a tfjs-layers model with a user-defined layer class (ChannelScale), cut at
 * its "features" layer by `fromModel`, trained with the SimCLR recipe (two augmented views, MLP head,
 * NT-Xent) on MNIST digits through `createTrainer`, then saved and loaded back.
 *
 *   pnpm --filter @contrastive/example-custom-backbone start -- [--examples 2048] [--epochs 1] [--backend auto] [--out DIR] [--smoke] [--json]
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { multiView, simclrMnistAugment } from "@contrastive/augment";
import { fromModel, loadBackbone, saveBackbone } from "@contrastive/backbones";
import { type BackendPreference, selectBackend } from "@contrastive/core";
import { mnistDigits, subset } from "@contrastive/data";
import { evaluateKnn } from "@contrastive/eval";
import { simclrHead } from "@contrastive/heads";
import { ntXent } from "@contrastive/losses";
import { instanceSampler } from "@contrastive/samplers";
import { createTrainer } from "@contrastive/trainer";
import { parseExampleArgs } from "./args.js";
import { buildUserModel } from "./channel-scale.js";

/** Options of {@link runCustomBackbone}. */
export interface CustomBackboneRun {
  examples?: number;
  epochs?: number;
  batchSize?: number;
  backend?: BackendPreference;
  outputDir?: string;
  seed?: number;
  /** Test digits of the kNN measurement (every k-th of the 1,996). Default all. */
  testExamples?: number;
  log?: (line: string) => void;
}

/** Trains the user model as a SimCLR encoder, saves it, loads it back and checks the outputs agree. */
export async function runCustomBackbone(options: CustomBackboneRun = {}) {
  const { examples = 2048, epochs = 1, batchSize = 128, backend = "auto", seed = 0, log = () => {} } = options;
  const selection = await selectBackend(backend);
  log(`backend: ${selection.backend}`);
  const digits = mnistDigits({ subset: "train" });
  // Every k-th digit: the files are ordered by class, so a prefix would hold few classes.
  const spread = (source: typeof digits, count: number) =>
    subset(source, Array.from({ length: Math.min(count, source.size) }, (_, i) => i * Math.max(1, Math.floor(source.size / count))));
  const data = spread(digits, examples);
  const test = spread(mnistDigits({ subset: "test" }), options.testExamples ?? 1996);

  const backbone = fromModel(buildUserModel(seed), { outputLayer: "features", name: "userDigitsNet" }); // drops "classifier"
  const head = simclrHead({ inputDim: backbone.outputDim, hiddenDim: 64, outputDim: 32, seed: seed + 1 });
  const knn = async () => (await evaluateKnn({ encode: (x) => backbone.apply(x, { training: false }), train: data, test })).accuracy;
  const untrainedKnnAccuracy = await knn();
  log(`weighted-kNN accuracy of the untrained encoder: ${untrainedKnnAccuracy.toFixed(4)}`);
  const trainer = createTrainer({
    backbone,
    head,
    loss: ntXent({ temperature: 0.5 }),
    optimizer: tf.train.adam(1e-3),
    augment: multiView(2, simclrMnistAugment()),
    seed,
    callbacks: [{ onEpochEnd: (e) => log(`epoch ${e.epoch + 1}: mean loss ${e.meanLoss.toFixed(4)}, ${e.examplesPerSecond.toFixed(0)} img/s`) }],
  });
  const history = await trainer.fit({ data, sampler: instanceSampler({ size: data.size, batchSize, seed }), epochs });
  const knnAccuracy = await knn();
  log(`weighted-kNN accuracy of the trained encoder: ${knnAccuracy.toFixed(4)} (${test.size} test digits)`);

  const outputDir = resolve(options.outputDir ?? (await mkdtemp(join(tmpdir(), "custom-backbone-"))));
  await saveBackbone(backbone, outputDir);
  const loaded = await loadBackbone(outputDir); // ChannelScale is registered, so this works in any process that imports it
  const probe = (await data.read([0, 1, 2, 3])) as tf.Tensor;
  const [before, after] = tf.tidy(() => [backbone.apply(probe).dataSync(), loaded.apply(probe).dataSync()]);
  const maxDifference = Math.max(...Array.from(before as Float32Array, (v, i) => Math.abs(v - (after as Float32Array)[i]!)));
  log(`saved to ${outputDir}; loaded copy differs by at most ${maxDifference}`);
  probe.dispose();
  tf.dispose([before, after] as unknown as tf.Tensor[]);
  [backbone, head, loaded].forEach((m) => m.dispose());
  return { backend: selection.backend, epochs: history.epochs.length, knnAccuracy, untrainedKnnAccuracy, losses: history.epochs.map((e) => e.meanLoss), outputDir, maxDifference };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = parseExampleArgs(
    "pnpm --filter @contrastive/example-custom-backbone start -- [flags]",
    "Bring your own encoder: a tfjs-layers model with a custom layer, trained with SimCLR on MNIST digits,\nsaved, loaded back and compared; prints the weighted-kNN accuracy before and after.",
    {
      examples: { type: "integer", min: 2, default: "2048", help: "training digits (every k-th of the 8,004)" },
      epochs: { type: "integer", min: 1, default: "1", help: "passes over the training digits" },
      backend: { type: "string", default: "auto", help: "auto, tensorflow, wasm or cpu" },
      seed: { type: "integer", min: 0, default: "0", help: "seed of the weights, batches and views" },
      out: { type: "string", help: "folder that receives the saved encoder (default: a temporary folder)" },
    },
  );
  const smoke = args.flag("smoke");
  const out = args.string("out");
  const result = await runCustomBackbone({
    examples: smoke ? 128 : args.number("examples"),
    epochs: args.number("epochs"),
    ...(smoke ? { batchSize: 32, testExamples: 128 } : {}),
    seed: args.number("seed"),
    backend: args.string("backend") as BackendPreference,
    ...(out ? { outputDir: out } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  if (args.flag("json")) console.log(JSON.stringify(result));
  else console.log(`custom backbone (${result.epochs} epoch(s), ${result.backend}): weighted-kNN accuracy ${result.untrainedKnnAccuracy.toFixed(4)} untrained → ${result.knnAccuracy.toFixed(4)}; saved to ${result.outputDir}, reloaded copy differs by ${result.maxDifference}`);
}
