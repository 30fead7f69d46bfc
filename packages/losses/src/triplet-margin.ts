import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, describeValue, euclideanDistanceMatrix, l2Normalize } from "@contrastive/core";
import type { EmbeddingBatch, Loss, Miner } from "@contrastive/core";
import { checkLabels, checkViews, throwNonFiniteInput } from "./validate-batch.js";

const COMPONENT = "tripletMargin";

/** How {@link tripletMargin} reduces its per-triplet losses to a scalar. */
export type TripletReduction = "meanNonZero" | "mean" | "sum";

/** Options of {@link tripletMargin}. */
export interface TripletMarginOptions {
  /** The margin between d(a, p) and d(a, n), in distance units (in [0, 2] for unit vectors); a finite number ≥ 0. Default 0.05. */
  margin?: number;
  /** `'meanNonZero'` (pytorch-metric-learning's `AvgNonZeroReducer`): the mean over triplets with a loss > 0, 0 if none; `'mean'`: over all triplets; `'sum'`. Default `'meanNonZero'`. */
  reduction?: TripletReduction;
  /** Chooses the triplets; it sees the stacked embeddings `[V·N, d]` and their labels `[V·N]`. Default: every valid triplet. */
  miner?: Miner;
}

const REDUCTIONS: readonly TripletReduction[] = ["meanNonZero", "mean", "sum"];

/**
 * The triplet margin loss (Weinberger & Saul, "Distance Metric Learning for Large Margin Nearest
 * Neighbor Classification", JMLR 2009; Schroff et al., "FaceNet", CVPR 2015), equal to
 * pytorch-metric-learning's `TripletMarginLoss` (default distance, power 1, no swap): per triplet
 * (a, p, n), relu(d(a, p) − d(a, n) + margin), d the Euclidean distance of L2-normalised embeddings.
 *
 * The V views `[N, d]` are stacked into `[V·N, d]`; row v·N + r has label `labels[r]` (default r, so the
 * views of one row are its positives). A triplet has p ≠ a with the label of a and n with another label.
 * Without a miner every such triplet counts, through a `[V·N, V·N, V·N]` mask (memory grows as (V·N)³:
 * use a miner beyond a few hundred rows); with a miner, the triplets it returns, whose indices are
 * constants of the gradient: the loss is then linear in the distances of the triplets with a loss > 0,
 * found by reading the `[V·N, V·N]` distance matrix back once. With no triplet the loss is 0 (still
 * connected to the views, with a zero gradient).
 *
 * `compute` returns a scalar. It reads back one number (are the views finite?) before computing.
 *
 * @throws {ContrastiveError} from `tripletMargin` when `margin` is not a finite number ≥ 0 or `reduction`
 *   is unknown; from `compute` when a view is not `[N, d]` like `views[0]`, `labels` is not `[N]`, or
 *   `negatives` is given.
 * @throws {NonFiniteError} from `compute` when a view holds NaN or ±Infinity (it names the view).
 * @example
 * const loss = tripletMargin({ margin: 0.2, miner: semiHardMiner({ margin: 0.2 }) });
 * const value = loss.compute({ views: [head.apply(features)], labels });
 */
export function tripletMargin(options: TripletMarginOptions = {}): Loss {
  const margin = assertMargin(COMPONENT, "margin", options.margin ?? 0.05, "0.05");
  const reduction = options.reduction ?? "meanNonZero";
  if (!REDUCTIONS.includes(reduction)) {
    throw new ContrastiveError({ component: COMPONENT, argument: "reduction", received: describeValue(reduction), expected: `one of ${REDUCTIONS.map((r) => `"${r}"`).join(", ")}` });
  }
  const { miner } = options;
  return {
    name: COMPONENT,
    compute(batch: EmbeddingBatch): tf.Scalar {
      return tf.tidy(() => {
        const { embeddings, rowLabels, distances } = stackBatch(COMPONENT, batch);
        const rows = embeddings.shape[0];
        if (miner === undefined) {
          const sameLabel = sameLabelMask(rowLabels);
          const positive = tf.sub(sameLabel, tf.eye(rows));
          const valid = tf.mul(tf.reshape(positive, [rows, rows, 1]), tf.reshape(tf.sub(1, sameLabel), [rows, 1, rows]));
          const violation = tf.add(tf.sub(tf.reshape(distances, [rows, rows, 1]), tf.reshape(distances, [rows, 1, rows])), margin);
          return reduce(tf.mul(tf.relu(violation), valid), reduction, tf.sum(valid));
        }
        // Indices are constants: the loss is linear in the distances of the active triplets, read back once.
        const mined = miner.mine(embeddings, rowLabels);
        const [a, p, n] = readIndices(COMPONENT, miner.name, [mined.anchors, mined.positives, mined.negatives], rows);
        const d = distances.dataSync();
        const active = a.map((_, t) => (d[a[t]! * rows + p[t]!]! - d[a[t]! * rows + n[t]!]! + margin > 0 ? t : -1)).filter((t) => t >= 0);
        const divisor = Math.max(1, reduction === "sum" ? 1 : reduction === "mean" ? a.length : active.length);
        const weights = new Float64Array(rows * rows);
        for (const t of active) {
          weights[a[t]! * rows + p[t]!] += 1 / divisor;
          weights[a[t]! * rows + n[t]!] -= 1 / divisor;
        }
        return linearInDistances(distances, weights, (active.length * margin) / divisor);
      });
    },
  };
}

/**
 * Reduces per-item losses (≥ 0, masked entries exactly 0): the sum divided by the number of non-zero
 * losses (`meanNonZero`), by `count` (`mean`), or not at all (`sum`); 0 when the divisor is 0. The
 * count of non-zero losses is a sum of sign(loss), whose gradient is 0.
 */
export function reduce(losses: tf.Tensor, reduction: TripletReduction, count: tf.Scalar): tf.Scalar {
  const total = tf.sum(losses) as tf.Scalar;
  if (reduction === "sum") return total;
  const divisor = reduction === "meanNonZero" ? tf.sum(tf.sign(losses)) : count;
  return tf.div(total, tf.maximum(divisor, 1)) as tf.Scalar;
}

/** The checked batch as a margin loss sees it: stacked views `[M, d]`, their labels `[M]`, and distances `[M, M]`. */
export interface StackedBatch {
  embeddings: tf.Tensor2D;
  rowLabels: tf.Tensor1D;
  distances: tf.Tensor2D;
}

/**
 * Checks `batch` (V ≥ 1 views, labels `[N]`, no negatives, finite values — one read-back) and stacks it:
 * row v·N + r of `embeddings` is row r of view v, with label `labels[r]` (default r); `distances` are the
 * Euclidean distances of the L2-normalised rows (0 with gradient 0 on the diagonal).
 */
export function stackBatch(component: string, batch: EmbeddingBatch): StackedBatch {
  const views = checkViews(component, batch, 1);
  const rows = views[0]!.shape[0];
  const labels = checkLabels(component, batch.labels, rows);
  if (batch.negatives !== undefined) {
    throw new ContrastiveError({ component, argument: "negatives", received: describeValue(batch.negatives), expected: `absent: ${component} compares the rows of the batch only` });
  }
  const embeddings = views.length === 1 ? views[0]! : tf.concat(views, 0);
  // NaN or ±Infinity anywhere makes x·0 NaN, so one number says whether every input is finite.
  if (!Number.isFinite(tf.tidy(() => tf.sum(tf.mul(embeddings, 0))).dataSync()[0])) throwNonFiniteInput(component, views);
  const rowLabels = tf.tile(labels ?? tf.range(0, rows, 1, "int32"), [views.length]) as tf.Tensor1D;
  return { embeddings, rowLabels, distances: euclideanDistanceMatrix(l2Normalize(embeddings)) };
}

/**
 * Σ_ij distances_ij · weights_ij + offset: a loss that is linear in the distances once the active pairs
 * or triplets are known (a relu past its kink is). Its gradient reaches the views through `distances`
 * only (no gather, whose gradient the wasm backend lacks).
 */
export function linearInDistances(distances: tf.Tensor2D, weights: Float64Array, offset: number): tf.Scalar {
  return tf.add(tf.sum(tf.mul(distances, tf.tensor2d(Float32Array.from(weights), distances.shape))), offset) as tf.Scalar;
}

/**
 * Reads a miner's index tensors back: equal lengths, integers in [0, rows).
 *
 * @throws {ContrastiveError} naming the loss and the miner when they are not.
 */
export function readIndices(component: string, minerName: string, tensors: tf.Tensor1D[], rows: number): Int32Array[] {
  const values = tensors.map((t) => Array.from(t.dataSync() as ArrayLike<number>));
  const bad = values.findIndex((v) => v.length !== values[0]!.length || v.some((i) => !Number.isInteger(i) || i < 0 || i >= rows));
  if (bad >= 0) {
    throw new ContrastiveError({
      component,
      argument: `miner (${minerName}) output`,
      received: `index tensors of lengths [${values.map((v) => v.length).join(", ")}]${values[bad]!.length === values[0]!.length ? " with an index outside the rows" : ""}`,
      expected: `index tensors of one length, each entry an integer in [0, ${rows}) (rows of the stacked views)`,
    });
  }
  return values.map((v) => Int32Array.from(v));
}

/** `[M, M]` float mask, 1 where the two rows have equal labels (including the diagonal). */
export function sameLabelMask(rowLabels: tf.Tensor1D): tf.Tensor2D {
  const m = rowLabels.shape[0];
  return tf.cast(tf.equal(tf.reshape(rowLabels, [m, 1]), tf.reshape(rowLabels, [1, m])), "float32") as tf.Tensor2D;
}

/** Throws unless `value` is a finite number ≥ 0 (a margin in distance units). */
export function assertMargin(component: string, argument: string, value: unknown, example: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new ContrastiveError({ component, argument, received: describeValue(value), expected: `a finite number ≥ 0 (a distance between unit vectors, in [0, 2]), e.g. ${example}` });
  }
  return value;
}
