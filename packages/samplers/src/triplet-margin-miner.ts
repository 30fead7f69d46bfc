import type * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, describeValue } from "@contrastive/core";
import type { MinedTriplets, Miner } from "@contrastive/core";
import { enumerateTriplets } from "./all-triplets.js";
import { assertMargin, indexTensor, readMinerInput } from "./miner-input.js";

/** Which margin-violating triplets {@link tripletMarginMiner} keeps, in terms of m = d(a, n) − d(a, p). */
export type TripletType = "all" | "hard" | "semihard" | "easy";

/** Options of {@link tripletMarginMiner}. */
export interface TripletMarginMinerOptions {
  /** The margin in distance units, a finite number ≥ 0. Default 0.2 (pytorch-metric-learning's). */
  margin?: number;
  /** `'all'`: m ≤ margin; `'hard'`: m ≤ margin and m ≤ 0; `'semihard'`: 0 < m ≤ margin; `'easy'`: m > margin. Default `'all'`. */
  type?: TripletType;
  /** L2-normalise the embeddings before measuring distances (pytorch-metric-learning's default). Default true. */
  normalize?: boolean;
}

const TYPES: readonly TripletType[] = ["all", "hard", "semihard", "easy"];

const KEEP: Record<TripletType, (m: number, margin: number) => boolean> = {
  all: (m, margin) => m <= margin,
  hard: (m, margin) => m <= margin && m <= 0,
  semihard: (m, margin) => m <= margin && m > 0,
  easy: (m, margin) => m > margin,
};

/**
 * Triplet-margin mining, as pytorch-metric-learning's `TripletMarginMiner`: of every valid triplet
 * (a, p, n) — p ≠ a with the label of a, n with another label — it keeps all those whose margin
 * m = d(a, n) − d(a, p) passes the test of `type` (see {@link TripletMarginMinerOptions.type}). It returns
 * every such triplet, not one per anchor, in row-major (a, p, n) order. Distances are Euclidean between
 * L2-normalised embeddings. Semi-hard negatives follow Schroff, Kalenichenko & Philbin, "FaceNet", CVPR 2015.
 *
 * `mine(embeddings [N, d], labels [N])` reads the `[N, N]` distance matrix back (`dataSync`), selects in
 * JS and returns int32 tensors `[T]` that the caller disposes.
 *
 * @throws {ContrastiveError} when `margin` is not a finite number ≥ 0 or `type` is unknown; from `mine`
 *   when `embeddings` is not `[N, d]` or `labels` not `[N]`.
 * @throws {NonFiniteError} from `mine` when the embeddings hold NaN or ±Infinity.
 * @example
 * const miner = tripletMarginMiner({ margin: 0.2, type: "hard" });
 * const { anchors, positives, negatives } = miner.mine(embeddings, labels);
 */
export function tripletMarginMiner(options: TripletMarginMinerOptions = {}): Miner {
  return createTripletMarginMiner("tripletMarginMiner", options);
}

function createTripletMarginMiner(component: string, options: TripletMarginMinerOptions): Miner {
  const margin = assertMargin(component, "margin", options.margin ?? 0.2, "0.2");
  const type = options.type ?? "all";
  if (!TYPES.includes(type)) {
    throw new ContrastiveError({ component, argument: "type", received: describeValue(type), expected: `one of ${TYPES.map((t) => `"${t}"`).join(", ")}` });
  }
  const normalize = options.normalize ?? true;
  const keep = KEEP[type];
  return {
    name: component,
    mine(embeddings: tf.Tensor2D, labels: tf.Tensor1D): MinedTriplets {
      const input = readMinerInput(component, embeddings, labels, { withDistances: true, normalize });
      const { rows } = input;
      const distances = input.distances!;
      const [anchors, positives, negatives] = enumerateTriplets(input.labels, rows, (a, p, n) =>
        keep(distances[a * rows + n]! - distances[a * rows + p]!, margin),
      );
      return { anchors: indexTensor(anchors), positives: indexTensor(positives), negatives: indexTensor(negatives) };
    },
  };
}

/**
 * Semi-hard mining (FaceNet): every valid triplet with d(a, p) < d(a, n) ≤ d(a, p) + margin, i.e.
 * `tripletMarginMiner({ margin, type: "semihard" })` — pytorch-metric-learning's
 * `TripletMarginMiner(margin, type_of_triplets="semihard")`. Returns all such triplets.
 *
 * @throws {ContrastiveError} when `margin` is not a finite number ≥ 0; see {@link tripletMarginMiner}.
 * @example
 * const loss = tripletMargin({ margin: 0.2, miner: semiHardMiner({ margin: 0.2 }) });
 */
export function semiHardMiner(options: { margin?: number; normalize?: boolean } = {}): Miner {
  return createTripletMarginMiner("semiHardMiner", { ...options, type: "semihard" });
}

/**
 * Hard-triplet mining: every valid triplet whose negative is no farther than its positive,
 * d(a, n) ≤ d(a, p) (and d(a, n) − d(a, p) ≤ margin, implied for margin ≥ 0) — pytorch-metric-learning's
 * `TripletMarginMiner(margin, type_of_triplets="hard")`.
 *
 * @throws {ContrastiveError} when `margin` is not a finite number ≥ 0; see {@link tripletMarginMiner}.
 * @example
 * const miner = hardTripletMiner();
 */
export function hardTripletMiner(options: { margin?: number; normalize?: boolean } = {}): Miner {
  return createTripletMarginMiner("hardTripletMiner", { ...options, type: "hard" });
}
