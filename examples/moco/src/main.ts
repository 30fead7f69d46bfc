/** MoCo on the MNIST digits:  pnpm --filter @contrastive/example-moco start [--epochs 2] */
import { parseArgs } from "node:util";
import { selectBackend } from "@contrastive/core";
import { mnistDigits } from "@contrastive/data/mnist";
import { progressLogger } from "@contrastive/trainer";
import { runMoco } from "./pipeline.js";

const { values } = parseArgs({ options: { epochs: { type: "string", default: "2" }, backend: { type: "string", default: "auto" } } });
const { backend } = await selectBackend(values.backend as "auto");
const log = (line: string) => process.stderr.write(`${line}\n`);
log(`backend ${backend}`);
const result = await runMoco({
  train: mnistDigits({ subset: "train" }),
  test: mnistDigits({ subset: "test" }),
  epochs: Number(values.epochs),
  callbacks: [progressLogger({ every: 10, write: log })],
});
console.log(`MoCo (queue of 4,096 keys, m 0.99, τ 0.2): weighted-kNN accuracy ${result.knnBefore.toFixed(4)} untrained → ${result.knnAfter.toFixed(4)}`);
