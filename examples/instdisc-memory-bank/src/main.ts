/** InstDisc with a memory bank on the MNIST digits:  pnpm --filter @contrastive/example-instdisc-memory-bank start -- [--epochs 2] [--smoke] [--json] (--help for all) */
import { type BackendPreference, selectBackend } from "@contrastive/core";
import { subset } from "@contrastive/data";
import { mnistDigits } from "@contrastive/data/mnist";
import { progressLogger } from "@contrastive/trainer";
import { parseExampleArgs } from "./args.js";
import { runInstDisc } from "./pipeline.js";

const args = parseExampleArgs(
  "pnpm --filter @contrastive/example-instdisc-memory-bank start -- [flags]",
  "InstDisc on the MNIST digits: a memory bank of every training digit, 4,096 negatives per batch; prints the weighted-kNN\naccuracy of the encoder before and after training.",
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
const result = await runInstDisc({
  train: spread(mnistDigits({ subset: "train" }), 128),
  test: spread(mnistDigits({ subset: "test" }), 128),
  epochs,
  batchSize: smoke ? 32 : args.number("batch-size"),
  ...(smoke ? { negatives: 64 } : {}),
  seed: args.number("seed"),
  callbacks: [progressLogger({ every: 10, write: log })],
});
if (args.flag("json")) {
  console.log(JSON.stringify({ backend, epochs, finalLoss: result.history.epochs.at(-1)?.meanLoss, knnAccuracy: result.knnAfter, knnPerEpoch: result.knnPerEpoch, untrainedKnnAccuracy: result.knnBefore, seed: args.number("seed") }));
} else {
  console.log(`InstDisc (memory bank of ${result.history.epochs[0]?.examples ?? 0} entries, ${smoke ? 64 : "4,096"} negatives, τ 0.07): weighted-kNN accuracy ${result.knnBefore.toFixed(4)} untrained → ${result.knnAfter.toFixed(4)}`);
}
