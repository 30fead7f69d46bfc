import * as tf from "@tensorflow/tfjs-core";
import { multiView, simclrMnistAugment } from "@contrastive/augment";
import { convNet } from "@contrastive/backbones";
import type { Callback, DataSource } from "@contrastive/core";
import { evaluateKnn, knnMonitor } from "@contrastive/eval";
import { projectionHead } from "@contrastive/heads";
import { infoNce } from "@contrastive/losses";
import { instanceSampler, queue } from "@contrastive/samplers";
import { type TrainingHistory, createTrainer, momentumEncoder } from "@contrastive/trainer";

/** The recipe of MoCo (He et al. 2020; v2's MLP head) at MNIST scale. */
export interface MocoOptions {
  train: DataSource;
  test: DataSource;
  epochs?: number;
  batchSize?: number;
  /** Keys in the queue. Default 4096. */
  queueSize?: number;
  /** Default 0.2. */
  temperature?: number;
  /** EMA momentum of the key encoder. Default 0.99. */
  momentum?: number;
  learningRate?: number;
  seed?: number;
  callbacks?: Callback[];
}

const encoder = (seed: number) => {
  const backbone = convNet({ inputShape: [28, 28, 1], seed });
  return { backbone, head: projectionHead({ inputDim: backbone.outputDim, hiddenDims: [128], outputDim: 64, seed: seed + 1 }) };
};

/**
 * MoCo: the query encoder embeds view 1; a momentum copy (θ_k ← m·θ_k + (1 − m)·θ_q) embeds view 2
 * as the key; InfoNCE over [q·k⁺, q·queue] / τ; the keys enter a FIFO queue after the loss. Returns
 * the weighted-kNN accuracy of the query encoder before training, after each epoch and at the end.
 */
export async function runMoco(options: MocoOptions): Promise<{ knnBefore: number; knnAfter: number; knnPerEpoch: number[]; history: TrainingHistory }> {
  const { train, test, epochs = 2, batchSize = 256, queueSize = 4096, temperature = 0.2, momentum = 0.99, learningRate = 1e-3, seed = 0, callbacks = [] } = options;
  const online = encoder(seed);
  const target = encoder(seed + 100);
  const keys = queue({ size: queueSize, dim: 64, seed });
  const optimizer = tf.train.adam(learningRate);
  const encode = (x: tf.Tensor) => online.backbone.apply(x, { training: false });
  const perEpoch = knnMonitor({ encode, train, test, log: false }); // weighted kNN after every epoch
  try {
    const knnBefore = (await evaluateKnn({ encode, train, test })).accuracy;
    const trainer = createTrainer({
      ...online, optimizer, seed, callbacks: [...callbacks, perEpoch],
      loss: infoNce({ temperature, inBatchNegatives: false }),
      augment: multiView(2, simclrMnistAugment()),
      negatives: keys,
      momentumEncoder: momentumEncoder({ online, target, momentum }),
    });
    const history = await trainer.fit({ data: train, sampler: instanceSampler({ size: train.size, batchSize, seed }), epochs });
    const knnPerEpoch = perEpoch.history.map((entry) => entry.accuracy);
    const knnAfter = knnPerEpoch.length === history.epochs.length ? (knnPerEpoch.at(-1) as number) : (await evaluateKnn({ encode, train, test })).accuracy; // stopped within an epoch: measure now
    return { knnBefore, knnAfter, knnPerEpoch, history };
  } finally {
    [online.backbone, online.head, target.backbone, target.head, keys, optimizer].forEach((x) => x.dispose());
  }
}
