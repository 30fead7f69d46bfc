import { readdirSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { image } from "@contrastive/augment";
import { convNet, saveBackbone } from "@contrastive/backbones";
import type { Callback, StepInfo } from "@contrastive/core";
import { imageFolder, subset } from "@contrastive/data";
import { evaluateKnn, extractFeatures } from "@contrastive/eval";
import { projectionHead, saveHead } from "@contrastive/heads";
import { ntXent } from "@contrastive/losses";
import { instanceSampler } from "@contrastive/samplers";
import { createTrainer } from "@contrastive/trainer";
import { writeEmbeddingsJsonl } from "./embeddings-file.js";

/** Options of {@link trainOnFolder}. */
export interface TrainOnFolderOptions {
  /** A folder of images: one sub-folder per class, or images directly in it (unlabelled: no kNN). */
  data: string;
  /** Where the encoder, the head and embeddings.jsonl go. */
  outputDir: string;
  /** Side of the square views. Default 64. */
  size?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  temperature?: number;
  /** Batches prepared ahead of the step being trained. Default 3. */
  prefetch?: number;
  seed?: number;
  callbacks?: Callback[];
  log?: (line: string) => void;
}

/**
 * SimCLR on a folder of image files with the sharp pipeline: each file is decoded once (`cache`), two
 * views per image are made by libvips on the thread pool (random resized crop, flip, colour jitter,
 * grey, blur) while the previous batch trains, a ConvNet encoder and an MLP head learn with NT-Xent.
 * A labelled folder is split (every 5th image of a class is a test image) for weighted-kNN accuracy
 * before and after; the encoder, the head and every image's embedding are saved.
 */
export async function trainOnFolder(options: TrainOnFolderOptions) {
  const { data, outputDir, size = 64, epochs = 2, batchSize = 64, learningRate = 1e-3, temperature = 0.5, prefetch = 3, seed = 0, callbacks = [], log = () => {} } = options;
  const labelled = readdirSync(data, { withFileTypes: true }).some((entry) => entry.isDirectory() && !entry.name.startsWith("."));
  const files = imageFolder(data, { labelled, cache: true }); // for training: decoded once, views by libvips
  const pixels = imageFolder(data, { labelled, size: [size, size] }); // for evaluation: resized tensors
  const all = Array.from({ length: files.size }, (_, i) => i);
  const testRows = labelled ? all.filter((i) => i % 5 === 4) : [];
  const trainRows = labelled ? all.filter((i) => i % 5 !== 4) : all;
  log(`data: ${files.size} images in ${data}${labelled ? `, ${files.classNames.length} classes; ${trainRows.length} train / ${testRows.length} test (every 5th)` : " (unlabelled: no kNN)"}`);

  const backbone = convNet({ inputShape: [size, size, 3], filters: [32, 64, 128], seed });
  const head = projectionHead({ inputDim: backbone.outputDim, hiddenDims: [128], outputDim: 64, seed: seed + 1 });
  const optimizer = tf.train.adam(learningRate);
  const encode = (x: tf.Tensor) => backbone.apply(x, { training: false });
  const knn = async (features: (x: tf.Tensor) => tf.Tensor2D) =>
    labelled ? (await evaluateKnn({ encode: features, train: subset(pixels, trainRows), test: subset(pixels, testRows), k: 20, temperature: 0.1 })).accuracy : Number.NaN;
  const steps: StepInfo[] = [];
  try {
    const rawPixelKnnAccuracy = await knn((x) => tf.reshape(x, [x.shape[0] as number, -1]) as tf.Tensor2D);
    const untrainedKnnAccuracy = await knn(encode);
    if (labelled) log(`kNN accuracy before training: raw pixels ${rawPixelKnnAccuracy.toFixed(4)}, untrained encoder ${untrainedKnnAccuracy.toFixed(4)}`);
    const trainer = createTrainer({
      backbone, head, optimizer, seed,
      loss: ntXent({ temperature }),
      augment: image.imageBatch(image.multiView(2, image.simclrAugment({ size: [size, size] })), { concurrency: batchSize }),
      callbacks: [{ onStepEnd: (info) => void steps.push(info) }, ...callbacks],
    });
    const train = subset(files, trainRows);
    const history = await trainer.fit({ data: train, sampler: instanceSampler({ size: train.size, batchSize, seed }), epochs, prefetch });
    const knnAccuracy = await knn(encode);

    await saveBackbone(backbone, join(outputDir, "encoder"));
    await saveHead(head, join(outputDir, "head"));
    const features = await extractFeatures({ source: pixels, encode });
    const embeddings = join(outputDir, "embeddings.jsonl");
    await writeEmbeddingsJsonl(embeddings, features, pixels.files as string[], pixels.labels, pixels.classNames);
    features.dispose();

    const seconds = history.epochs.reduce((s, e) => s + e.seconds, 0);
    const waited = history.epochs.reduce((s, e) => s + (e.dataWaitSeconds ?? 0), 0);
    const later = steps.filter((s) => s.step > 0); // the first step of an epoch waits for the queue to fill
    const laterWait = later.reduce((s, x) => s + (x.dataWaitMs ?? 0), 0);
    const laterTotal = later.reduce((s, x) => s + (x.dataWaitMs ?? 0) + (x.stepMs ?? 0), 0);
    return {
      epochs: history.epochs.length,
      images: files.size,
      size,
      batchSize,
      steps: steps.length,
      finalLoss: history.epochs.at(-1)?.meanLoss ?? Number.NaN,
      imagesPerSecond: history.epochs.reduce((s, e) => s + e.examples, 0) / seconds,
      trainSeconds: seconds,
      dataWaitFraction: waited / seconds,
      dataWaitFractionAfterFirstStep: laterTotal > 0 ? laterWait / laterTotal : 0,
      meanStepMs: steps.reduce((s, x) => s + (x.stepMs ?? 0), 0) / Math.max(1, steps.length),
      knnAccuracy,
      untrainedKnnAccuracy,
      rawPixelKnnAccuracy,
      outputDir,
      embeddings,
    };
  } finally {
    [backbone, head, optimizer].forEach((x) => x.dispose());
  }
}
