/**
 * Bring your own encoder: a tfjs-layers model with a user-defined layer class (ChannelScale), cut at
 * its "features" layer by `fromModel`, trained with the SimCLR recipe (two augmented views, MLP head,
 * NT-Xent) on MNIST digits through `createTrainer`, then saved and loaded back.
 *
 *   pnpm --filter @contrastive/example-custom-backbone start [--examples 2048] [--epochs 1] [--backend auto] [--out ./custom-backbone-out]
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { multiView, simclrMnistAugment } from "@contrastive/augment";
import { fromModel } from "@contrastive/backbones";
import { loadBackbone, saveBackbone } from "@contrastive/backbones/node";
import { type BackendPreference, selectBackend } from "@contrastive/core";
import { subset } from "@contrastive/data";
import { mnistDigits } from "@contrastive/data/mnist";
import { simclrHead } from "@contrastive/heads";
import { ntXent } from "@contrastive/losses";
import { instanceSampler } from "@contrastive/samplers";
import { createTrainer } from "@contrastive/trainer";
import { buildUserModel } from "./channel-scale.js";

/** Options of {@link runCustomBackbone}. */
export interface CustomBackboneRun {
  examples?: number;
  epochs?: number;
  batchSize?: number;
  backend?: BackendPreference;
  outputDir?: string;
  seed?: number;
  log?: (line: string) => void;
}

/** Trains the user model as a SimCLR encoder, saves it, loads it back and checks the outputs agree. */
export async function runCustomBackbone(options: CustomBackboneRun = {}) {
  const { examples = 2048, epochs = 1, batchSize = 128, backend = "auto", seed = 0, log = () => {} } = options;
  const selection = await selectBackend(backend);
  log(`backend: ${selection.backend}`);
  const digits = mnistDigits({ subset: "train" });
  const data = subset(digits, Array.from({ length: Math.min(examples, digits.size) }, (_, i) => i));

  const backbone = fromModel(buildUserModel(seed), { outputLayer: "features", name: "userDigitsNet" }); // drops "classifier"
  const head = simclrHead({ inputDim: backbone.outputDim, hiddenDim: 64, outputDim: 32, seed: seed + 1 });
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
  return { backend: selection.backend, losses: history.epochs.map((e) => e.meanLoss), outputDir, maxDifference };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values } = parseArgs({ options: { examples: { type: "string", default: "2048" }, epochs: { type: "string", default: "1" }, backend: { type: "string", default: "auto" }, out: { type: "string" } } });
  const result = await runCustomBackbone({
    examples: Number(values.examples),
    epochs: Number(values.epochs),
    backend: values.backend as BackendPreference,
    ...(values.out ? { outputDir: values.out } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  console.log(JSON.stringify(result));
}
