/**
 * Your own loss, trained like a built-in one: a hard-negative-weighted InfoNCE (Robinson et al. 2021)
 * written as a plain `Loss` object, trained on MNIST digits through `createTrainer`, with the
 * weighted-kNN accuracy of the encoder before and after.
 *
 *   pnpm --filter @contrastive/example-custom-loss start -- [--epochs 1] [--train-size 4000] [--beta 1]
 *     [--temperature 0.5] [--batch-size 128] [--backend auto|wasm|cpu|tensorflow] [--seed 0]
 */
import { parseArgs } from "node:util";
import { type BackendPreference, selectBackend } from "@contrastive/core";
import { subset } from "@contrastive/data";
import { mnistDigits } from "@contrastive/data/mnist";
import { progressLogger } from "@contrastive/trainer";
import { hardNegativeInfoNce } from "./hard-negative-info-nce.js";
import { trainWithLoss } from "./pipeline.js";

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: {
    epochs: { type: "string", default: "1" },
    "train-size": { type: "string", default: "4000" },
    "batch-size": { type: "string", default: "128" },
    beta: { type: "string", default: "1" },
    temperature: { type: "string", default: "0.5" },
    backend: { type: "string", default: "auto" },
    seed: { type: "string", default: "0" },
  },
});
const log = (line: string) => process.stderr.write(`${line}\n`);

const selection = await selectBackend(args.backend as BackendPreference);
log(`backend: ${selection.backend} (${selection.packageName})`);

// Every k-th digit: the files are ordered by class, so a prefix would hold few classes.
const spread = (source: ReturnType<typeof mnistDigits>, count: number) => {
  const step = Math.max(1, Math.floor(source.size / count));
  return subset(source, Array.from({ length: Math.min(count, source.size) }, (_, i) => i * step));
};
const train = spread(mnistDigits({ subset: "train" }), Number(args["train-size"]));
const test = mnistDigits({ subset: "test" });
log(`data: ${train.size} training digits, ${test.size} test digits`);

const loss = hardNegativeInfoNce({ temperature: Number(args.temperature), beta: Number(args.beta) });
const { knnBefore, knnAfter, history } = await trainWithLoss({
  loss, train, test,
  epochs: Number(args.epochs),
  batchSize: Number(args["batch-size"]),
  seed: Number(args.seed),
  callbacks: [progressLogger({ every: 5, write: log })],
});
const seconds = history.epochs.reduce((total, epoch) => total + epoch.seconds, 0);
console.log(`
${loss.name} (β ${args.beta}, τ ${args.temperature}) on ${train.size} MNIST digits, ${history.epochs.length} epoch(s), ${selection.backend}: ${seconds.toFixed(1)} s
final mean loss ${history.epochs.at(-1)?.meanLoss.toFixed(4)}
weighted kNN accuracy (k 20, τ 0.1) on ${test.size} test digits:
  untrained encoder  ${knnBefore.toFixed(4)}
  trained encoder    ${knnAfter.toFixed(4)}`);
