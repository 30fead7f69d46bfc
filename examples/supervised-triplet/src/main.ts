/**
 * Supervised metric learning on the MNIST digits: m-per-class batches → a lightly augmented view →
 * small ConvNet → projection head → triplet margin loss over semi-hard triplets (FaceNet), then
 * weighted-kNN accuracy of the encoder's features before and after training.
 *
 *   pnpm start [--epochs 2] [--m 8] [--batch-size 64] [--margin 0.2] [--views 1]
 *              [--batches-per-epoch 60] [--eval-size 0] [--backend auto|wasm|cpu] [--seed 0] [--smoke] [--json]
 */
import * as tf from "@tensorflow/tfjs-core";
import { multiView, randomResizedCrop } from "@contrastive/augment";
import { convNet } from "@contrastive/backbones";
import { type BackendPreference, type Backbone, type DataSource, selectBackend } from "@contrastive/core";
import { subset } from "@contrastive/data";
import { mnistDigits } from "@contrastive/data/mnist";
import { extractFeatures, knnAccuracy, knnMonitor } from "@contrastive/eval";
import { projectionHead } from "@contrastive/heads";
import { tripletMargin } from "@contrastive/losses";
import { mPerClassSampler, semiHardMiner } from "@contrastive/samplers";
import { createTrainer, progressLogger } from "@contrastive/trainer";
import { parseExampleArgs } from "./args.js";

const args = parseExampleArgs(
  "pnpm --filter @contrastive/example-supervised-triplet start -- [flags]",
  "Supervised metric learning on the MNIST digits: m-per-class batches, triplet margin loss over semi-hard\ntriplets; prints the weighted-kNN accuracy of the encoder before and after training.",
  {
    epochs: { type: "integer", min: 1, default: "2", help: "epochs of --batches-per-epoch batches" },
    m: { type: "integer", min: 2, default: "8", help: "digits per class in a batch" },
    "batch-size": { type: "integer", min: 2, default: "64", help: "digits per batch (a multiple of m)" },
    "batches-per-epoch": { type: "integer", min: 1, default: "60", help: "batches in an epoch" },
    margin: { type: "number", min: 0, default: "0.2", help: "triplet margin" },
    views: { type: "integer", min: 1, default: "1", help: "augmented views per digit" },
    "learning-rate": { type: "number", min: 0, default: "0.001", help: "Adam's learning rate" },
    "eval-size": { type: "integer", min: 0, default: "0", help: "kNN on n train and n test digits only, every k-th (0: all)" },
    backend: { type: "string", default: "auto", help: "auto, tensorflow, wasm or cpu" },
    seed: { type: "integer", min: 0, default: "0", help: "seed of the weights, batches and views" },
  },
);
const smoke = args.flag("smoke");
const [epochs, m, batchSize, margin, seed] = ["epochs", "m", "batch-size", "margin", "seed"].map(args.number) as number[];
const log = (line: string) => process.stderr.write(`${line}\n`);

const selection = await selectBackend(args.string("backend") as BackendPreference);
log(`backend: ${selection.backend} (${selection.packageName})`);

const train = mnistDigits({ subset: "train" });
const test = mnistDigits({ subset: "test" });
// --eval-size n: measure kNN on n train and n test digits only, every k-th (the files are ordered by class).
const evalSize = smoke ? 200 : args.number("eval-size");
const first = (source: DataSource) =>
  evalSize > 0 ? subset(source, Array.from({ length: Math.min(evalSize, source.size) }, (_, i) => i * Math.max(1, Math.floor(source.size / evalSize)))) : source;
const [knnTrain, knnTest] = [first(train), first(test)];
log(`data: MNIST digits, ${train.size} train / ${test.size} test; kNN on ${knnTrain.size} / ${knnTest.size}`);

async function knn(backbone: Backbone): Promise<number> {
  const encode = (x: tf.Tensor) => backbone.apply(x, { training: false });
  const trainFeatures = await extractFeatures({ source: knnTrain, encode });
  const testFeatures = await extractFeatures({ source: knnTest, encode });
  try {
    const { accuracy } = await knnAccuracy({
      trainFeatures, trainLabels: knnTrain.labels as Int32Array,
      testFeatures, testLabels: knnTest.labels as Int32Array,
      k: 20, temperature: 0.1,
    });
    return accuracy;
  } finally {
    tf.dispose([trainFeatures, testFeatures]);
  }
}

const backbone = convNet({ inputShape: [28, 28, 1], filters: [32, 64, 128], seed });
const head = projectionHead({ inputDim: backbone.outputDim, hiddenDims: [128], outputDim: 64, seed: seed + 1 });
const untrainedKnnAccuracy = await knn(backbone);
const encode = (x: tf.Tensor) => backbone.apply(x, { training: false });
const perEpoch = knnMonitor({ encode, train: knnTrain, test: knnTest, log: false }); // weighted kNN after every epoch
log(`kNN accuracy, untrained encoder: ${untrainedKnnAccuracy.toFixed(4)}`);

const trainer = createTrainer({
  backbone,
  head,
  // Semi-hard triplets: d(a, p) < d(a, n) ≤ d(a, p) + margin, every one of them, as pml's TripletMarginMiner.
  loss: tripletMargin({ margin, miner: semiHardMiner({ margin }) }),
  optimizer: tf.train.adam(args.number("learning-rate")),
  // Light augmentation: crops of 70–100 % of the digit, resized back to 28 × 28.
  augment: multiView(args.number("views"), randomResizedCrop({ size: [28, 28], scale: [0.7, 1], ratio: [0.9, 1.1] })),
  seed,
  callbacks: [progressLogger({ every: Number(process.env.LOG_EVERY ?? 10), write: log }), perEpoch],
});
const sampler = mPerClassSampler({ labels: train.labels, m, batchSize, seed, batchesPerEpoch: smoke ? 2 : args.number("batches-per-epoch") });
const history = await trainer.fit({ data: train, sampler, epochs, useLabels: true });
const trainSeconds = history.epochs.reduce((s, e) => s + e.seconds, 0);
const knnPerEpoch = perEpoch.history.map((entry) => entry.accuracy);
const knnAccuracyValue = knnPerEpoch.length === history.epochs.length ? (knnPerEpoch.at(-1) as number) : await knn(backbone); // stopped within an epoch: measure now

const result = {
  backend: selection.backend,
  epochs: history.epochs.length,
  steps: history.epochs.reduce((s, e) => s + e.steps, 0),
  batchSize,
  trainSeconds: Number(trainSeconds.toFixed(1)),
  firstLoss: Number((history.epochs[0]?.meanLoss ?? Number.NaN).toFixed(4)),
  finalLoss: Number((history.epochs.at(-1)?.meanLoss ?? Number.NaN).toFixed(4)),
  untrainedKnnAccuracy: Number(untrainedKnnAccuracy.toFixed(4)),
  knnAccuracy: Number(knnAccuracyValue.toFixed(4)),
  knnPerEpoch: knnPerEpoch.map((a) => Number(a.toFixed(4))),
  seed,
};
backbone.dispose();
head.dispose();

if (args.flag("json")) {
  console.log(JSON.stringify(result));
} else {
  console.log(`
Triplet loss + semi-hard mining on MNIST (${result.epochs} epochs × ${sampler.batchesPerEpoch()} batches of ${m} per class × ${batchSize / m} classes, ${result.backend}, ${result.trainSeconds} s)
mean loss: epoch 1 ${result.firstLoss} → last ${result.finalLoss}
weighted kNN accuracy (k 20, cosine, τ 0.1) on ${knnTest.size} test digits:
  untrained encoder   ${result.untrainedKnnAccuracy.toFixed(4)}
  trained encoder     ${result.knnAccuracy.toFixed(4)}`);
}
