/**
 * SimCLR on the MNIST digits, end to end: two augmented views of each digit → small ConvNet →
 * MLP projection head → NT-Xent, then weighted-kNN accuracy of the encoder's features beside the
 * raw-pixel and untrained-encoder baselines.
 *
 *   pnpm demo [--epochs 2] [--batch-size 256] [--backend auto|wasm|cpu|tensorflow] [--seed 0] [--json]
 */
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { multiView, simclrMnistAugment } from "@contrastive/augment";
import { convNet } from "@contrastive/backbones";
import { type BackendPreference, type Backbone, selectBackend } from "@contrastive/core";
import { mnistDigits } from "@contrastive/data/mnist";
import { evaluateKnn } from "@contrastive/eval";
import { projectionHead } from "@contrastive/heads";
import { ntXent } from "@contrastive/losses";
import { instanceSampler } from "@contrastive/samplers";
import { createTrainer, progressLogger } from "@contrastive/trainer";

const { values: args } = parseArgs({
  options: {
    epochs: { type: "string", default: "2" },
    "batch-size": { type: "string", default: "256" },
    "learning-rate": { type: "string", default: "0.001" },
    temperature: { type: "string", default: "0.5" },
    backend: { type: "string", default: "auto" },
    seed: { type: "string", default: "0" },
    json: { type: "boolean", default: false },
  },
});
const epochs = Number(args.epochs);
const batchSize = Number(args["batch-size"]);
const seed = Number(args.seed);
const log = (line: string) => process.stderr.write(`${line}\n`);

const selection = await selectBackend(args.backend as BackendPreference);
log(`backend: ${selection.backend} (${selection.packageName})${selection.skipped.map((s) => `; skipped ${s.packageName}: ${s.reason}`).join("")}`);

const train = mnistDigits({ subset: "train" });
const test = mnistDigits({ subset: "test" });
log(`data: MNIST digits of the mnist package, ${train.size} train / ${test.size} test`);

const knn = async (encode: (x: tf.Tensor) => tf.Tensor2D) => (await evaluateKnn({ encode, train, test, k: 20, temperature: 0.1 })).accuracy;
const encoderFeatures = (backbone: Backbone) => (x: tf.Tensor) => backbone.apply(x, { training: false });

const rawPixelKnnAccuracy = await knn((x) => tf.reshape(x, [x.shape[0] as number, -1]) as tf.Tensor2D);
log(`kNN accuracy, raw pixels: ${rawPixelKnnAccuracy.toFixed(4)}`);

const backbone = convNet({ inputShape: [28, 28, 1], filters: [32, 64, 128], seed });
const head = projectionHead({ inputDim: backbone.outputDim, hiddenDims: [128], outputDim: 64, seed: seed + 1 });
const untrainedKnnAccuracy = await knn(encoderFeatures(backbone));
log(`kNN accuracy, untrained encoder: ${untrainedKnnAccuracy.toFixed(4)}`);

const trainer = createTrainer({
  backbone,
  head,
  loss: ntXent({ temperature: Number(args.temperature) }),
  optimizer: tf.train.adam(Number(args["learning-rate"])),
  augment: multiView(2, simclrMnistAugment()),
  seed,
  callbacks: [progressLogger({ every: 5, write: log })],
});
const history = await trainer.fit({ data: train, sampler: instanceSampler({ size: train.size, batchSize, seed }), epochs });
const trainSeconds = history.epochs.reduce((s, e) => s + e.seconds, 0);
const trainedImages = history.epochs.reduce((s, e) => s + e.examples, 0);
const knnAccuracyValue = await knn(encoderFeatures(backbone));

const result = {
  backend: selection.backend,
  epochs: history.epochs.length,
  batchSize,
  imagesPerSecond: Number((trainedImages / trainSeconds).toFixed(1)),
  trainSeconds: Number(trainSeconds.toFixed(1)),
  finalLoss: Number((history.epochs.at(-1)?.meanLoss ?? Number.NaN).toFixed(4)),
  knnAccuracy: Number(knnAccuracyValue.toFixed(4)),
  untrainedKnnAccuracy: Number(untrainedKnnAccuracy.toFixed(4)),
  rawPixelKnnAccuracy: Number(rawPixelKnnAccuracy.toFixed(4)),
};
backbone.dispose();
head.dispose();

if (args.json) {
  console.log(JSON.stringify(result));
} else {
  console.log(`
SimCLR on MNIST (${result.epochs} epochs, batch ${batchSize}, ${result.backend}): ${result.imagesPerSecond} img/s
weighted kNN accuracy (k 20, cosine, τ 0.1) on ${test.size} test digits:
  raw pixels          ${result.rawPixelKnnAccuracy.toFixed(4)}
  untrained encoder   ${result.untrainedKnnAccuracy.toFixed(4)}
  SimCLR encoder      ${result.knnAccuracy.toFixed(4)}`);
}
