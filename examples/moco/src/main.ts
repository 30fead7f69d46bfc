/** MoCo on the MNIST digits:  pnpm --filter @contrastive/example-moco start -- [--epochs 2] [--smoke] [--json] (--help for all) */
import { type BackendPreference, selectBackend } from "@contrastive/core";
import { subset } from "@contrastive/data";
import { mnistDigits } from "@contrastive/data/mnist";
import { progressLogger } from "@contrastive/trainer";
import { parseExampleArgs } from "./args.js";
import { runMoco } from "./pipeline.js";

const args = parseExampleArgs(
  "pnpm --filter @contrastive/example-moco start -- [flags]",
  "MoCo on the MNIST digits: a momentum key encoder and a queue of 4,096 keys; prints the weighted-kNN\naccuracy of the encoder before and after training.",
  {
    epochs: { type: "integer", min: 1, default: "2", help: "passes over the training digits" },
    "batch-size": { type: "integer", min: 2, default: "256", help: "digits per batch" },
    backend: { type: "string", default: "auto", help: "auto, tensorflow, wasm or cpu" },
    seed: { type: "integer", min: 0, default: "0", help: "seed of the weights, batches and views" },
  },
);
const smoke = args.flag("smoke");
const { backend } = await selectBackend(args.string("backend") as BackendPreference);
const log = (line: string) => process.stderr.write(`${line}\n`);
log(`backend ${backend}`);
// --smoke: every k-th digit (the files are ordered by class), a few steps.
const spread = (source: ReturnType<typeof mnistDigits>, count: number) =>
  smoke ? subset(source, Array.from({ length: Math.min(count, source.size) }, (_, i) => i * Math.floor(source.size / count))) : source;
const epochs = args.number("epochs");
const result = await runMoco({
  train: spread(mnistDigits({ subset: "train" }), 128),
  test: spread(mnistDigits({ subset: "test" }), 128),
  epochs,
  batchSize: smoke ? 32 : args.number("batch-size"),
  ...(smoke ? { queueSize: 256 } : {}),
  seed: args.number("seed"),
  callbacks: [progressLogger({ every: 10, write: log })],
});
if (args.flag("json")) {
  console.log(JSON.stringify({ backend, epochs, finalLoss: result.history.epochs.at(-1)?.meanLoss, knnAccuracy: result.knnAfter, knnPerEpoch: result.knnPerEpoch, untrainedKnnAccuracy: result.knnBefore, seed: args.number("seed") }));
} else {
  console.log(`MoCo (queue of ${smoke ? 256 : "4,096"} keys, m 0.99, τ 0.2): weighted-kNN accuracy ${result.knnBefore.toFixed(4)} untrained → ${result.knnAfter.toFixed(4)}`);
}
