import type * as tf from "@tensorflow/tfjs-core";
import type { MinedTriplets, Miner } from "@contrastive/core";
import { indexTensor, readMinerInput } from "./miner-input.js";

/**
 * Every triplet (a, p, n) with p ≠ a, label p = label a and label n ≠ label a, in row-major order
 * (a, then p, then n, as `torch.where` over pytorch-metric-learning's triplet mask), kept where `keep`
 * returns true (default: all).
 */
export function enumerateTriplets(labels: ArrayLike<number>, rows: number, keep?: (a: number, p: number, n: number) => boolean): [number[], number[], number[]] {
  const anchors: number[] = [];
  const positives: number[] = [];
  const negatives: number[] = [];
  for (let a = 0; a < rows; a++) {
    for (let p = 0; p < rows; p++) {
      if (p === a || labels[p] !== labels[a]) continue;
      for (let n = 0; n < rows; n++) {
        if (labels[n] === labels[a] || (keep !== undefined && !keep(a, p, n))) continue;
        anchors.push(a);
        positives.push(p);
        negatives.push(n);
      }
    }
  }
  return [anchors, positives, negatives];
}

/**
 * The miner that keeps every valid triplet: pytorch-metric-learning's `get_all_triplets_indices`.
 * A triplet (a, p, n) has p ≠ a with the label of a, and n with another label; anchors with no
 * positive or no negative give none. Order: row-major in (a, p, n). Embeddings are only checked
 * for shape; the labels are read back (`dataSync`) and the triplets enumerated in JS.
 *
 * `mine(embeddings [N, d], labels [N])` returns int32 tensors `[T]` that the caller disposes;
 * T ≤ N³ grows fast, so keep N small (a loss without a miner uses a mask instead).
 *
 * @throws {ContrastiveError} from `mine` when `embeddings` is not `[N, d]` or `labels` not `[N]`.
 * @example
 * const { anchors, positives, negatives } = allTriplets().mine(embeddings, tf.tensor1d([0, 0, 1], "int32"));
 * // anchors [0, 1], positives [1, 0], negatives [2, 2]
 */
export function allTriplets(): Miner {
  return {
    name: "allTriplets",
    mine(embeddings: tf.Tensor2D, labels: tf.Tensor1D): MinedTriplets {
      const { rows, labels: values } = readMinerInput("allTriplets", embeddings, labels, { withDistances: false, normalize: true });
      const [anchors, positives, negatives] = enumerateTriplets(values, rows);
      return { anchors: indexTensor(anchors), positives: indexTensor(positives), negatives: indexTensor(negatives) };
    },
  };
}
