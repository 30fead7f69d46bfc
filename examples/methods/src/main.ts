/** Other methods on the MNIST digits:  pnpm --filter @contrastive/example-methods start -- --method byol [--epochs 2] [--smoke] [--json] (--help for all) */
import { type BackendPreference, selectBackend } from "@contrastive/core";
import { subset } from "@contrastive/data";
import { mnistDigits } from "@contrastive/data/mnist";
import { progressLogger } from "@contrastive/trainer";
import { parseExampleArgs } from "./args.js";
import { runMethod } from "./pipeline.js";
import { type MethodName, recipes } from "./recipes.js";

const names = Object.keys(recipes) as MethodName[];
const args = parseExampleArgs(
  "pnpm --filter @contrastive/example-methods start -- --method NAME [flags]",
  `SimSiam, BYOL, Barlow Twins, VICReg or SupCon on the MNIST digits, each a few lines of components in
src/recipes.ts; prints the weighted-kNN accuracy of the encoder before and after training.`,
  {
    method: { type: "string", default: "simsiam", help: names.join(", ") },
    epochs: { type: "integer", min: 1, default: "2", help: "passes over the training digits" },
    "batch-size": { type: "integer", min: 2, default: "256", help: "digits per batch" },
    backend: { type: "string", default: "auto", help: "auto, tensorflow, wasm or cpu" },
    seed: { type: "integer", min: 0, default: "0", help: "seed of the weights, batches and views" },
  },
);
const method = args.string("method") as MethodName;
if (!names.includes(method)) {
  process.stderr.write(`methods: --method must be one of ${names.join(", ")}; got ${JSON.stringify(method)}\n`);
  process.exit(2);
}
const smoke = args.flag("smoke");
const { backend } = await selectBackend(args.string("backend") as BackendPreference);
const log = (line: string) => process.stderr.write(`${line}\n`);
log(`backend ${backend}, method ${method}`);
// --smoke: every k-th digit (the files are ordered by class), a few steps.
const spread = (source: ReturnType<typeof mnistDigits>, count: number) =>
  smoke ? subset(source, Array.from({ length: Math.min(count, source.size) }, (_, i) => i * Math.floor(source.size / count))) : source;
const epochs = args.number("epochs");
const result = await runMethod({
  method,
  train: spread(mnistDigits({ subset: "train" }), 128),
  test: spread(mnistDigits({ subset: "test" }), 128),
  epochs,
  batchSize: smoke ? 32 : args.number("batch-size"),
  seed: args.number("seed"),
  callbacks: [progressLogger({ every: 10, write: log })],
});
if (args.flag("json")) {
  console.log(JSON.stringify({ backend, method, epochs, finalLoss: result.history.epochs.at(-1)?.meanLoss, knnAccuracy: result.knnAfter, knnPerEpoch: result.knnPerEpoch, untrainedKnnAccuracy: result.knnBefore, seed: args.number("seed") }));
} else {
  console.log(`${method}: weighted-kNN accuracy ${result.knnBefore.toFixed(4)} untrained → ${result.knnAfter.toFixed(4)}`);
}
