import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, assertInteger, describeValue } from "@contrastive/core";
import type { DataSource } from "@contrastive/core";

/** Options of {@link extractFeatures}. */
export interface ExtractFeaturesOptions {
  /** The examples to encode, read in index order 0..size−1. */
  source: DataSource;
  /**
   * Maps a batch `[b, ...exampleShape]` to features `[b, d]`, e.g.
   * `(x) => backbone.apply(x, { training: false })`. Runs inside `tf.tidy`.
   */
  encode: (inputs: tf.Tensor) => tf.Tensor2D;
  /** Examples per call of `encode`; default 500. */
  batchSize?: number;
}

const component = "extractFeatures";

/**
 * Encodes every example of a data source, batch by batch, into one feature matrix: the
 * representations that {@link knnAccuracy} and linear probes evaluate.
 *
 * Each batch is read with `source.read(indices)` (a tensor or a promise of one), encoded inside
 * `tf.tidy`, and the tensor that `read` returned is disposed. The result is the only tensor left
 * alive; the caller disposes it.
 *
 * Shapes: `source` of `size` examples → `[size, d]`.
 *
 * @throws {ContrastiveError} when `batchSize` is not an integer ≥ 1, `source.size` is not an
 *   integer ≥ 1, `read` returns something other than a tensor of `indices.length` rows, or
 *   `encode` returns something other than `[b, d]` with the same `d` for every batch.
 * @example
 * const features = await extractFeatures({ source: testSet, encode: (x) => backbone.apply(x, { training: false }) });
 * console.log(features.shape); // [testSet.size, backbone.outputDim]
 * features.dispose();
 */
export async function extractFeatures(options: ExtractFeaturesOptions): Promise<tf.Tensor2D> {
  const { source, encode, batchSize = 500 } = options;
  assertInteger(component, "batchSize", batchSize);
  if (source === null || typeof source !== "object" || typeof source.read !== "function") {
    throw new ContrastiveError({ component, argument: "source", received: describeValue(source), expected: "a DataSource (an object with size and read(indices))" });
  }
  assertInteger(component, "source.size", source.size);
  if (typeof encode !== "function") {
    throw new ContrastiveError({ component, argument: "encode", received: describeValue(encode), expected: "a function from a batch tensor to features [b, d]" });
  }

  const parts: tf.Tensor2D[] = [];
  try {
    for (let start = 0; start < source.size; start += batchSize) {
      const count = Math.min(batchSize, source.size - start);
      const indices = Int32Array.from({ length: count }, (_, i) => start + i);
      const inputs = await source.read(indices);
      let features: tf.Tensor2D | undefined;
      try {
        if (!(inputs instanceof tf.Tensor) || inputs.shape[0] !== count) {
          throw new ContrastiveError({
            component,
            argument: `source.read(indices ${start}..${start + count - 1})`,
            received: describeValue(inputs),
            expected: `a tensor of ${count} examples [${count}, ${(source.exampleShape ?? []).join(", ")}]`,
          });
        }
        features = tf.tidy(() => encode(inputs));
        const d = parts[0]?.shape[1];
        const ok = features instanceof tf.Tensor && features.rank === 2 && features.shape[0] === count && (d === undefined || features.shape[1] === d);
        if (features instanceof tf.Tensor) parts.push(features);
        if (!ok) {
          throw new ContrastiveError({
            component,
            argument: `encode(batch of ${count})`,
            received: describeValue(features),
            expected: d === undefined ? `features of shape [${count}, d]` : `features of shape [${count}, ${d}] like the first batch`,
          });
        }
      } finally {
        // An identity encoder returns its input: that tensor is now the features.
        if (inputs instanceof tf.Tensor && (inputs as tf.Tensor) !== features) inputs.dispose();
      }
    }
    return parts.length === 1 ? (parts.pop() as tf.Tensor2D) : tf.concat(parts, 0);
  } finally {
    for (const part of parts) if (part instanceof tf.Tensor) part.dispose();
  }
}
