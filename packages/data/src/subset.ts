import type * as tf from "@tensorflow/tfjs-core";
import type { DataSource } from "@contrastive/core";
import { ContrastiveError, describeValue } from "@contrastive/core";
import { checkIndices } from "./check-indices.js";

/**
 * The examples of `source` at `indices`, in that order, as a new data source: its example i is the
 * source's example `indices[i]`, and its labels (when the source has labels) follow. Reads are passed
 * through to `source.read` (synchronous or not, as the source's).
 *
 * @throws {ContrastiveError} when `source` is not a DataSource or an index is not an integer in
 * [0, source.size); `read` throws for indices outside [0, indices.length).
 * @example
 * const firstHundred = subset(mnistDigits(), Array.from({ length: 100 }, (_, i) => i));
 * const batch = await firstHundred.read([0, 1, 2]); // [3, 28, 28, 1]
 */
export function subset(source: DataSource, indices: Int32Array | number[]): DataSource {
  const component = "subset";
  if (source === null || typeof source !== "object" || typeof source.read !== "function" || !Number.isInteger(source.size)) {
    throw new ContrastiveError({ component, argument: "source", received: describeValue(source), expected: "a DataSource, e.g. arrayDataset({ images, exampleShape })" });
  }
  const picked = checkIndices(component, indices, source.size);
  const labels = source.labels === undefined ? undefined : picked.map((i) => source.labels![i] as number);
  const name = `${source.name}[subset of ${picked.length}]`;
  return {
    name,
    size: picked.length,
    exampleShape: source.exampleShape,
    ...(labels === undefined ? {} : { labels }),
    read(readIndices: Int32Array | number[]): tf.Tensor | Promise<tf.Tensor> {
      const local = checkIndices(`${name}.read`, readIndices, picked.length);
      return source.read(local.map((i) => picked[i] as number));
    },
  };
}
