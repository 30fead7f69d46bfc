import { multiView, simclrMnistAugment } from "@contrastive/augment";
import type { Callback, DataSource } from "@contrastive/core";
import { evaluateKnn, knnMonitor } from "@contrastive/eval";
import { instanceSampler } from "@contrastive/samplers";
import { type TrainingHistory, createTrainer } from "@contrastive/trainer";
import { type MethodName, recipes } from "./recipes.js";

/** Options of {@link runMethod}. */
export interface MethodOptions {
  method: MethodName;
  train: DataSource;
  test: DataSource;
  epochs?: number;
  batchSize?: number;
  seed?: number;
  callbacks?: Callback[];
}

/**
 * One loop for every method: the recipe's components, two SimCLR-style views of each digit, the
 * weighted-kNN accuracy of the encoder before training, after each epoch and at the end. Nothing here
 * depends on the method's name.
 */
export async function runMethod(options: MethodOptions): Promise<{ knnBefore: number; knnAfter: number; knnPerEpoch: number[]; history: TrainingHistory }> {
  const { method, train, test, epochs = 2, batchSize = 256, seed = 0, callbacks = [] } = options;
  const sampler = instanceSampler({ size: train.size, batchSize, seed });
  const recipe = recipes[method](seed, epochs * sampler.batchesPerEpoch());
  const encode = (x: Parameters<typeof recipe.backbone.apply>[0]) => recipe.backbone.apply(x, { training: false });
  const perEpoch = knnMonitor({ encode, train, test, log: false }); // weighted kNN after every epoch
  try {
    const knnBefore = (await evaluateKnn({ encode, train, test })).accuracy;
    const { owned: _owned, useLabels = false, ...components } = recipe;
    const trainer = createTrainer({ ...components, seed, callbacks: [...callbacks, perEpoch], augment: multiView(2, simclrMnistAugment()) });
    const history = await trainer.fit({ data: train, sampler, epochs, useLabels });
    const knnPerEpoch = perEpoch.history.map((entry) => entry.accuracy);
    const knnAfter = knnPerEpoch.length === history.epochs.length ? (knnPerEpoch.at(-1) as number) : (await evaluateKnn({ encode, train, test })).accuracy; // stopped within an epoch: measure now
    return { knnBefore, knnAfter, knnPerEpoch, history };
  } finally {
    recipe.owned.forEach((x) => x.dispose());
  }
}
