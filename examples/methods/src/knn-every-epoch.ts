/*
 * The weighted-kNN accuracy of the encoder after every epoch (the same file in every example, so each can
 * be copied out alone): `--json` lists it as `knnPerEpoch`, and `pnpm bench:quality` compares it with the
 * PyTorch script of the same recipe at each epoch.
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { Callback, DataSource } from "@contrastive/core";
import { evaluateKnn } from "@contrastive/eval";

/** What {@link knnEveryEpoch} returns. */
export interface KnnEveryEpoch {
  /** Pass it among the trainer's callbacks: it measures after each epoch. */
  callback: Callback;
  /** The accuracies measured so far, one per epoch. */
  readonly accuracies: number[];
  /** The accuracy after training: the last epoch's, or measured now when the run stopped within an epoch. */
  final(history: { epochs: unknown[] }): Promise<number>;
}

/**
 * Measures the weighted-kNN accuracy (k 20, τ 0.1, cosine; `evaluateKnn` of @contrastive/eval) of `encode`
 * on `test` against `train` at the end of every epoch. Inference mode only: the training run (its weights,
 * batch-norm statistics and random streams) is the same with or without it.
 *
 * @example
 * const perEpoch = knnEveryEpoch({ encode, train, test });
 * const history = await createTrainer({ …, callbacks: [perEpoch.callback] }).fit({ … });
 * const knnAfter = await perEpoch.final(history); // perEpoch.accuracies: [epoch 1, epoch 2, …]
 */
export function knnEveryEpoch(options: { encode: (x: tf.Tensor) => tf.Tensor2D; train: DataSource; test: DataSource }): KnnEveryEpoch {
  const { encode, train, test } = options;
  const accuracies: number[] = [];
  const measure = async () => (await evaluateKnn({ encode, train, test })).accuracy;
  return {
    callback: {
      onEpochEnd: async () => {
        accuracies.push(await measure());
      },
    },
    accuracies,
    async final(history) {
      const last = accuracies.at(-1);
      return last !== undefined && accuracies.length === history.epochs.length ? last : measure();
    },
  };
}
