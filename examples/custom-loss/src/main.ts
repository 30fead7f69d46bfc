/**
 * Your own loss, trained like a built-in one: a hard-negative-weighted InfoNCE (Robinson et al. 2021)
 * written as a plain `Loss` object, trained on MNIST digits through `createTrainer`, with the
 * weighted-kNN accuracy of the encoder before and after.
 *
 *   pnpm --filter @contrastive/example-custom-loss start -- [--epochs 1] [--train-size 4000] [--beta 1]
 *     [--temperature 0.5] [--batch-size 128] [--backend auto|wasm|cpu|tensorflow] [--seed 0] [--smoke] [--json]
 */
import { type BackendPreference, selectBackend } from "@contrastive/core";
import { mnistDigits, subset } from "@contrastive/data";
import { progressLogger } from "@contrastive/trainer";
import { parseExampleArgs } from "./args.js";
import { hardNegativeInfoNce } from "./hard-negative-info-nce.js";
import { trainWithLoss } from "./pipeline.js";

const args = parseExampleArgs(
  "pnpm --filter @contrastive/example-custom-loss start -- [flags]",
  "Your own loss, trained like a built-in one: a hard-negative-weighted InfoNCE on MNIST digits, with the\nweighted-kNN accuracy of the encoder before and after.",
  {
    epochs: { type: "integer", min: 1, default: "1", help: "passes over the training digits" },
    "train-size": { type: "integer", min: 2, default: "4000", help: "training digits (every k-th of the 8,004)" },
    "batch-size": { type: "integer", min: 2, default: "128", help: "digits per batch" },
    beta: { type: "number", min: 0, default: "1", help: "hardness β of the negatives' weights" },
    temperature: { type: "number", min: 0, default: "0.5", help: "temperature τ" },
    backend: { type: "string", default: "auto", help: "auto, tensorflow, wasm or cpu" },
    seed: { type: "integer", min: 0, default: "0", help: "seed of the weights, batches and views" },
  },
);
const smoke = args.flag("smoke");
const log = (line: string) => process.stderr.write(`${line}\n`);

const selection = await selectBackend(args.string("backend") as BackendPreference);
log(`backend: ${selection.backend} (${selection.packageName})`);

// Every k-th digit: the files are ordered by class, so a prefix would hold few classes.
const spread = (source: ReturnType<typeof mnistDigits>, count: number) => {
  const step = Math.max(1, Math.floor(source.size / count));
  return subset(source, Array.from({ length: Math.min(count, source.size) }, (_, i) => i * step));
};
const train = spread(mnistDigits({ subset: "train" }), smoke ? 128 : args.number("train-size"));
const test = smoke ? spread(mnistDigits({ subset: "test" }), 128) : mnistDigits({ subset: "test" });
log(`data: ${train.size} training digits, ${test.size} test digits`);

const loss = hardNegativeInfoNce({ temperature: args.number("temperature"), beta: args.number("beta") });
const { knnBefore, knnAfter, history } = await trainWithLoss({
  loss, train, test,
  epochs: args.number("epochs"),
  batchSize: smoke ? 32 : args.number("batch-size"),
  seed: args.number("seed"),
  callbacks: [progressLogger({ every: 5, write: log })],
});
const seconds = history.epochs.reduce((total, epoch) => total + epoch.seconds, 0);
if (args.flag("json")) {
  const finalLoss = history.epochs.at(-1)?.meanLoss;
  console.log(JSON.stringify({ backend: selection.backend, epochs: history.epochs.length, trainSeconds: seconds, finalLoss, knnAccuracy: knnAfter, untrainedKnnAccuracy: knnBefore }));
} else {
  console.log(`
${loss.name} (β ${args.string("beta")}, τ ${args.string("temperature")}) on ${train.size} MNIST digits, ${history.epochs.length} epoch(s), ${selection.backend}: ${seconds.toFixed(1)} s
final mean loss ${history.epochs.at(-1)?.meanLoss.toFixed(4)}
weighted kNN accuracy (k 20, τ 0.1) on ${test.size} test digits:
  untrained encoder  ${knnBefore.toFixed(4)}
  trained encoder    ${knnAfter.toFixed(4)}`);
}
