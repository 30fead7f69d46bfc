import type * as tf from "@tensorflow/tfjs-core";
import type { MinedPairs, PairMiner } from "@contrastive/core";
import { indexTensor, readMinerInput } from "./miner-input.js";

/**
 * The miner that keeps every pair: pytorch-metric-learning's `get_all_pairs_indices`. Positive pairs
 * are the ordered (a, p) with p ≠ a and equal labels; negative pairs the ordered (a, n) with different
 * labels; both in row-major order. A row is never paired with itself. The labels are read back
 * (`dataSync`) and the pairs enumerated in JS; the embeddings are only checked for shape.
 *
 * `mine(embeddings [N, d], labels [N])` returns int32 tensors `[P]` and `[Q]` that the caller disposes.
 *
 * @throws {ContrastiveError} from `mine` when `embeddings` is not `[N, d]` or `labels` not `[N]`.
 * @example
 * const pairs = allPairs().mine(embeddings, tf.tensor1d([0, 0, 1], "int32"));
 * // positiveAnchors [0, 1], positives [1, 0]; negativeAnchors [0, 1, 2, 2], negatives [2, 2, 0, 1]
 */
export function allPairs(): PairMiner {
  return {
    name: "allPairs",
    mine(embeddings: tf.Tensor2D, labels: tf.Tensor1D): MinedPairs {
      const { rows, labels: values } = readMinerInput("allPairs", embeddings, labels, { withDistances: false, normalize: true });
      const positiveAnchors: number[] = [];
      const positives: number[] = [];
      const negativeAnchors: number[] = [];
      const negatives: number[] = [];
      for (let a = 0; a < rows; a++) {
        for (let b = 0; b < rows; b++) {
          if (b === a) continue;
          if (values[b] === values[a]) {
            positiveAnchors.push(a);
            positives.push(b);
          } else {
            negativeAnchors.push(a);
            negatives.push(b);
          }
        }
      }
      return {
        positiveAnchors: indexTensor(positiveAnchors),
        positives: indexTensor(positives),
        negativeAnchors: indexTensor(negativeAnchors),
        negatives: indexTensor(negatives),
      };
    },
  };
}
