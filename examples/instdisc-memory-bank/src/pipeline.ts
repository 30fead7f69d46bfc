import * as tf from "@tensorflow/tfjs-core";
import { multiView, simclrMnistAugment } from "@contrastive/augment";
import { convNet } from "@contrastive/backbones";
import type { Callback, DataSource } from "@contrastive/core";
import { evaluateKnn, knnMonitor } from "@contrastive/eval";
import { projectionHead } from "@contrastive/heads";
import { infoNce } from "@contrastive/losses";
import { instanceSampler, memoryBank } from "@contrastive/samplers";
import { type TrainingHistory, createTrainer } from "@contrastive/trainer";

/** The recipe of InstDisc (Wu et al. 2018) at MNIST scale. */
export interface InstDiscOptions {
  train: DataSource;
  test: DataSource;
  epochs?: number;
  batchSize?: number;
  /** Negatives drawn from the bank per batch. Default 4096. */
  negatives?: number;
  /** Default 0.07. */
  temperature?: number;
  /** Memory-bank momentum. Default 0.5. */
  bankMomentum?: number;
  learningRate?: number;
  seed?: number;
  callbacks?: Callback[];
}

/**
 * InstDisc: one view per image → ConvNet → linear 128-d embedding, L2-normalised in the loss; the
 * positive of each image is its own entry in a memory bank of the whole training set, the negatives
 * K entries drawn from it; InfoNCE (softmax over [z·v_i, z·v_negatives] / τ); the bank follows the
 * embeddings by momentum. Returns the weighted-kNN accuracy of the encoder before training, after each
 * epoch and at the end.
 */
export async function runInstDisc(options: InstDiscOptions): Promise<{ knnBefore: number; knnAfter: number; knnPerEpoch: number[]; history: TrainingHistory }> {
  const { train, test, epochs = 2, batchSize = 256, negatives = 4096, temperature = 0.07, bankMomentum = 0.5, learningRate = 1e-3, seed = 0, callbacks = [] } = options;
  const backbone = convNet({ inputShape: [28, 28, 1], seed });
  const head = projectionHead({ inputDim: backbone.outputDim, hiddenDims: [], outputDim: 128, seed: seed + 1 });
  const encode = (x: tf.Tensor) => backbone.apply(x, { training: false });
  const perEpoch = knnMonitor({ encode, train, test, log: false }); // weighted kNN after every epoch
  const bank = memoryBank({ size: train.size, dim: 128, momentum: bankMomentum, negativesPerBatch: negatives, seed });
  const optimizer = tf.train.adam(learningRate);
  try {
    const knnBefore = (await evaluateKnn({ encode, train, test })).accuracy;
    const trainer = createTrainer({
      backbone, head, optimizer, seed, callbacks: [...callbacks, perEpoch],
      loss: infoNce({ temperature, inBatchNegatives: false }),
      augment: multiView(1, simclrMnistAugment()),
      negatives: bank,
    });
    const history = await trainer.fit({ data: train, sampler: instanceSampler({ size: train.size, batchSize, seed }), epochs });
    const knnPerEpoch = perEpoch.history.map((entry) => entry.accuracy);
    const knnAfter = knnPerEpoch.length === history.epochs.length ? (knnPerEpoch.at(-1) as number) : (await evaluateKnn({ encode, train, test })).accuracy; // stopped within an epoch: measure now
    return { knnBefore, knnAfter, knnPerEpoch, history };
  } finally {
    [backbone, head, bank, optimizer].forEach((x) => x.dispose());
  }
}
