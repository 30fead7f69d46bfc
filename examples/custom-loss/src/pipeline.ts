import * as tf from "@tensorflow/tfjs-core";
import { multiView, simclrMnistAugment } from "@contrastive/augment";
import { convNet } from "@contrastive/backbones";
import type { Callback, DataSource, Loss } from "@contrastive/core";
import { evaluateKnn } from "@contrastive/eval";
import { projectionHead } from "@contrastive/heads";
import { instanceSampler } from "@contrastive/samplers";
import { type TrainingHistory, createTrainer } from "@contrastive/trainer";

/** What {@link trainWithLoss} needs: any `Loss`, built-in or your own, and the data. */
export interface TrainWithLossOptions {
  loss: Loss;
  train: DataSource;
  test: DataSource;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  callbacks?: Callback[];
}

/**
 * SimCLR's pipeline (two augmented views → small ConvNet → MLP head → loss) with the loss passed in,
 * through the same `createTrainer` as the built-in losses. Returns the weighted-kNN accuracy (k 20,
 * τ 0.1) of the encoder's features before and after training.
 */
export async function trainWithLoss(options: TrainWithLossOptions): Promise<{ knnBefore: number; knnAfter: number; history: TrainingHistory }> {
  const { loss, train, test, epochs = 1, batchSize = 128, learningRate = 1e-3, seed = 0, callbacks = [] } = options;
  const backbone = convNet({ inputShape: [28, 28, 1], filters: [32, 64, 128], seed });
  const head = projectionHead({ inputDim: backbone.outputDim, hiddenDims: [128], outputDim: 64, seed: seed + 1 });
  const optimizer = tf.train.adam(learningRate);
  const encode = (x: tf.Tensor) => backbone.apply(x, { training: false });
  try {
    const knnBefore = (await evaluateKnn({ encode, train, test })).accuracy;
    const trainer = createTrainer({ backbone, head, loss, optimizer, seed, callbacks, augment: multiView(2, simclrMnistAugment()) });
    const history = await trainer.fit({ data: train, sampler: instanceSampler({ size: train.size, batchSize, seed }), epochs });
    const knnAfter = (await evaluateKnn({ encode, train, test })).accuracy;
    return { knnBefore, knnAfter, history };
  } finally {
    [backbone, head, optimizer].forEach((x) => x.dispose());
  }
}
