import type * as tf from "@tensorflow/tfjs-core";
import type { MinedTriplets, Miner } from "@contrastive/core";
import { indexTensor, readMinerInput } from "./miner-input.js";

/** Options of {@link batchHardMiner}. */
export interface BatchHardMinerOptions {
  /** L2-normalise the embeddings before measuring distances, as pytorch-metric-learning's default `LpDistance`. Default true. */
  normalize?: boolean;
}

/**
 * Batch-hard mining (Hermans, Beyer & Leibe, "In Defense of the Triplet Loss for Person
 * Re-Identification", 2017), as pytorch-metric-learning's `BatchHardMiner`: for each anchor with at
 * least one positive (another row with its label) and one negative, one triplet of its hardest
 * positive (the farthest) and its hardest negative (the closest). Anchors without a positive or
 * without a negative are left out; a row is never its own positive. Distances are Euclidean between
 * L2-normalised embeddings (`normalize: false` for raw embeddings). Ties go to the lowest row index
 * (pytorch-metric-learning's masked max can pick a non-positive row when every positive is at
 * distance 0; this one never does).
 *
 * `mine(embeddings [N, d], labels [N])` reads the `[N, N]` distance matrix back (`dataSync`), picks in
 * JS, and returns int32 tensors `[A]` (A ≤ N, anchors ascending) that the caller disposes.
 *
 * @throws {ContrastiveError} from `mine` when `embeddings` is not `[N, d]` or `labels` not `[N]`.
 * @throws {NonFiniteError} from `mine` when the embeddings hold NaN or ±Infinity.
 * @example
 * const loss = tripletMargin({ margin: 0.2, miner: batchHardMiner() });
 */
export function batchHardMiner(options: BatchHardMinerOptions = {}): Miner {
  const normalize = options.normalize ?? true;
  return {
    name: "batchHardMiner",
    mine(embeddings: tf.Tensor2D, labels: tf.Tensor1D): MinedTriplets {
      const input = readMinerInput("batchHardMiner", embeddings, labels, { withDistances: true, normalize });
      const { rows, labels: values } = input;
      const distances = input.distances!;
      const anchors: number[] = [];
      const positives: number[] = [];
      const negatives: number[] = [];
      for (let a = 0; a < rows; a++) {
        let positive = -1;
        let negative = -1;
        for (let b = 0; b < rows; b++) {
          if (b === a) continue;
          const distance = distances[a * rows + b]!;
          if (values[b] === values[a]) {
            if (positive < 0 || distance > distances[a * rows + positive]!) positive = b;
          } else if (negative < 0 || distance < distances[a * rows + negative]!) {
            negative = b;
          }
        }
        if (positive < 0 || negative < 0) continue;
        anchors.push(a);
        positives.push(positive);
        negatives.push(negative);
      }
      return { anchors: indexTensor(anchors), positives: indexTensor(positives), negatives: indexTensor(negatives) };
    },
  };
}
