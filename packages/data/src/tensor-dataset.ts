import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, describeValue } from "@contrastive/core";
import { arrayDataset, type ArrayDataset } from "./array-dataset.js";

/**
 * A data source over examples already in memory, given as one tensor `[N, ...exampleShape]` (e.g.
 * `[N, 32, 32, 3]` in [0, 1]) and optional labels: {@link arrayDataset} over a copy of the tensor's
 * values (the tensor is not disposed or kept). `read(indices)` returns float32 `[n, ...exampleShape]`.
 *
 * @throws {ContrastiveError} when `images` is not a tensor with a batch axis and at least one example,
 * or `labels` does not have one integer per example.
 * @example
 * const source = tensorDataset(tf.randomUniform([100, 32, 32, 3]), Int32Array.from({ length: 100 }, (_, i) => i % 10));
 * const batch = source.read([0, 1]); // [2, 32, 32, 3]
 */
export function tensorDataset(images: tf.Tensor, labels?: Int32Array | readonly number[] | tf.Tensor1D, name = "tensorDataset"): ArrayDataset {
  const component = "tensorDataset";
  if (!(images instanceof tf.Tensor) || images.rank < 2 || images.shape[0] === 0) {
    throw new ContrastiveError({ component, argument: "images", received: describeValue(images), expected: "a tensor [N, ...exampleShape] with N ≥ 1, e.g. [N, 32, 32, 3]" });
  }
  let labelArray: Int32Array | undefined;
  if (labels !== undefined) {
    const values = labels instanceof tf.Tensor ? Array.from(labels.dataSync()) : Array.from(labels);
    if (values.length !== images.shape[0] || !values.every((v) => Number.isInteger(v))) {
      throw new ContrastiveError({ component, argument: "labels", received: describeValue(labels), expected: `one integer class id per example (${images.shape[0]})` });
    }
    labelArray = Int32Array.from(values);
  }
  const data = Float32Array.from(images.dataSync());
  return arrayDataset({ images: data, exampleShape: images.shape.slice(1), ...(labelArray === undefined ? {} : { labels: labelArray }), name });
}
