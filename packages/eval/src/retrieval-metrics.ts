import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, assertInteger, assertShape, describeValue, l2Normalize } from "@contrastive/core";

/** Options of {@link retrievalMetrics}. */
export interface RetrievalMetricsOptions {
  /** How neighbours are ranked: cosine similarity (default) or Euclidean distance. */
  distance?: "cosine" | "euclidean";
  /**
   * Every embedding is a query against all the others (default true), as pytorch-metric-learning's
   * `get_accuracy(query, labels)` with the reference left out. `false` keeps the query among its own
   * references, as `get_accuracy(x, labels, x, labels, ref_includes_query=False)`.
   */
  excludeSelf?: boolean;
  /**
   * A separate reference set `[M, d]` with its labels: the rows of `embeddings` are then only queries (e.g.
   * test against train), as `get_accuracy(query, labels, reference, referenceLabels)`; `excludeSelf` does not apply.
   */
  reference?: { embeddings: tf.Tensor2D; labels: Int32Array };
  /** Query rows per distance block `[batchSize, N]`; default 1000. */
  batchSize?: number;
}

/** What {@link retrievalMetrics} found, each a mean over the queries that have at least one relevant reference. */
export interface RetrievalMetricsResult {
  /** Fraction of queries whose nearest reference has their label. */
  precisionAt1: number;
  /** Mean over queries of (same-label references among the R nearest) / R. */
  rPrecision: number;
  /** Mean over queries of (1/R) Σ_{i ≤ R, neighbour i relevant} precision@i. */
  mapAtR: number;
  /** Queries counted: those whose label has another reference (R ≥ 1). Lone queries are left out. */
  queries: number;
}

const component = "retrievalMetrics";

function checkLabels(argument: string, labels: unknown, rows: number): void {
  if (!(labels instanceof Int32Array) || labels.length !== rows) {
    throw new ContrastiveError({ component, argument, received: describeValue(labels), expected: `an Int32Array of ${rows} class ids, one per embedding` });
  }
}

/**
 * Retrieval metrics of embeddings with class labels, exactly as pytorch-metric-learning's
 * `AccuracyCalculator` computes `precision_at_1`, `r_precision` and `mean_average_precision_at_r`
 * (Musgrave, Belongie & Lim, "A Metric Learning Reality Check", ECCV 2020).
 *
 * Each row is a query; the references are all rows, without the query itself (`excludeSelf`, the
 * default). For a query of label y, R = the number of references labelled y. The references are
 * ranked by distance (ties: the lower row index first) and, over the first R:
 * R-precision = relevant / R, and MAP@R = (1/R) Σ_i rel_i · precision@i. Precision@1 looks at the
 * first. Queries with R = 0 (a label seen once) are left out of all three, as `AccuracyCalculator`
 * does; with no query left, every figure is NaN. Results are plain means over queries (not
 * `avg_of_avgs`).
 *
 * With `reference`, the queries are the rows of `embeddings` and the references the rows of
 * `reference.embeddings`; R counts the references labelled y.
 *
 * Shapes: `embeddings [N, d]`, `labels` of length N (`reference`: `[M, d]` and M labels). Leaves no
 * tensors; memory `[batchSize, N or M]`.
 *
 * @throws {ContrastiveError} when embeddings are not `[N, d]` with N ≥ 2, labels are not an Int32Array
 *   of N ids, `distance` is unknown, `batchSize` is not an integer ≥ 1, or a distance is not finite.
 * @example
 * const { precisionAt1, rPrecision, mapAtR } = await retrievalMetrics(embeddings, labels, { distance: "cosine" });
 */
export async function retrievalMetrics(embeddings: tf.Tensor2D, labels: Int32Array, options: RetrievalMetricsOptions = {}): Promise<RetrievalMetricsResult> {
  const { distance = "cosine", batchSize = 1000, reference } = options;
  const separate = reference !== undefined;
  assertShape(component, "embeddings", embeddings, [-1, -1]);
  const [rows, dimension] = embeddings.shape;
  if (rows < (separate ? 1 : 2)) throw new ContrastiveError({ component, argument: "embeddings", received: describeValue(embeddings), expected: `at least ${separate ? 1 : 2} rows` });
  checkLabels("labels", labels, rows);
  if (separate) {
    assertShape(component, "reference.embeddings", reference?.embeddings, [-1, dimension], " (the embedding size of the queries)");
    checkLabels("reference.labels", reference.labels, reference.embeddings.shape[0]);
  }
  if (distance !== "cosine" && distance !== "euclidean") {
    throw new ContrastiveError({ component, argument: "distance", received: describeValue(distance), expected: `"cosine" or "euclidean"` });
  }
  assertInteger(component, "batchSize", batchSize);
  const excludeSelf = !separate && options.excludeSelf !== false;
  const [references, referenceLabels] = separate ? [reference.embeddings, reference.labels] : [embeddings, labels];
  const referenceRows = references.shape[0];

  const counts = new Map<number, number>();
  for (const label of referenceLabels) counts.set(label, (counts.get(label) ?? 0) + 1);
  const self = excludeSelf ? 1 : 0;
  const maxR = Math.max(0, ...counts.values()) - self;
  const nan = { precisionAt1: NaN, rPrecision: NaN, mapAtR: NaN, queries: 0 };
  if (maxR <= 0) return nan;
  const k = Math.min(referenceRows, maxR + self);

  // Scores where larger is nearer: cosine similarity, or −‖q − r‖² = 2 q·r − ‖r‖² (− ‖q‖², constant per query).
  const referenceT = tf.tidy(() => {
    const x = tf.cast(references, "float32") as tf.Tensor2D;
    return tf.transpose(distance === "cosine" ? l2Normalize(x) : x);
  });
  const referenceNorms = distance === "cosine" ? null : tf.tidy(() => tf.reshape(tf.sum(tf.square(tf.cast(references, "float32")), 1), [1, referenceRows]));
  let precisionSum = 0, rPrecisionSum = 0, mapSum = 0, queries = 0;
  try {
    for (let start = 0; start < rows; start += batchSize) {
      const count = Math.min(batchSize, rows - start);
      const { values, indices } = tf.tidy(() => {
        let block = tf.cast(tf.slice(embeddings, [start, 0], [count, dimension]), "float32") as tf.Tensor2D;
        if (distance === "cosine") return tf.topk(tf.matMul(l2Normalize(block), referenceT), k, true);
        return tf.topk(tf.sub(tf.mul(2, tf.matMul(block, referenceT)), referenceNorms!), k, true);
      });
      const [scores, neighbours] = await Promise.all([values.data(), indices.data()]).finally(() => tf.dispose([values, indices]));
      for (let row = 0; row < count; row++) {
        const query = start + row;
        const label = labels[query] as number;
        const r = (counts.get(label) ?? 0) - self;
        const first = row * k;
        for (let j = first; j < first + k; j++) {
          if (!Number.isFinite(scores[j])) {
            throw new ContrastiveError({ component, argument: "embeddings", received: `a ${distance} score of ${scores[j]} for query ${query}`, expected: "finite values (no NaN or Infinity)" });
          }
        }
        if (r === 0) continue;
        // The ranked references without the query itself; if it is not among them, drop the last (as pytorch-metric-learning).
        let ranked = Array.from(neighbours.subarray(first, first + k));
        if (excludeSelf) {
          const at = ranked.indexOf(query);
          ranked.splice(at >= 0 ? at : ranked.length - 1, 1);
        }
        let relevant = 0, averagePrecision = 0;
        for (let i = 0; i < r; i++) {
          if (referenceLabels[ranked[i] as number] === label) {
            relevant++;
            averagePrecision += relevant / (i + 1);
          }
        }
        precisionSum += referenceLabels[ranked[0] as number] === label ? 1 : 0;
        rPrecisionSum += relevant / r;
        mapSum += averagePrecision / r;
        queries++;
      }
    }
  } finally {
    tf.dispose([referenceT, ...(referenceNorms ? [referenceNorms] : [])]);
  }
  if (queries === 0) return nan;
  return { precisionAt1: precisionSum / queries, rPrecision: rPrecisionSum / queries, mapAtR: mapSum / queries, queries };
}
