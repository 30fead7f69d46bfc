import * as tf from "@tensorflow/tfjs-core";
import type { DataSource } from "@contrastive/core";
import { ContrastiveError, describeValue } from "@contrastive/core";
import { checkIndices } from "./check-indices.js";

/** Options of {@link arrayDataset}. */
export interface ArrayDatasetOptions {
  /** All examples, flat, one after another: size × prod(exampleShape) float32 values. Kept by reference, not copied. */
  images: Float32Array;
  /** Shape of one example, e.g. [28, 28, 1]; integers ≥ 1. */
  exampleShape: readonly number[];
  /** One class id per example, when known. */
  labels?: Int32Array;
  /** A name for messages and logs. Default `"arrayDataset"`. */
  name?: string;
}

/** An in-memory {@link DataSource} whose `read` is synchronous. */
export interface ArrayDataset extends DataSource {
  read(indices: Int32Array | number[]): tf.Tensor;
}

/**
 * A data source over examples held in one Float32Array. `read(indices)` gathers the examples into a
 * new Float32Array and returns it as one float32 tensor `[indices.length, ...exampleShape]`; the source
 * keeps no tensors between calls (the caller disposes what `read` returns).
 *
 * @throws {ContrastiveError} when `exampleShape` is not a list of integers ≥ 1, `images.length` is not a
 * multiple of its size, or `labels` does not have one entry per example; `read` throws for indices that
 * are not integers in [0, size).
 * @example
 * const source = arrayDataset({ images: new Float32Array(6 * 4), exampleShape: [2, 2, 1], labels: Int32Array.of(0, 1, 0, 1, 0, 1) });
 * const batch = source.read([0, 5]); // float32 [2, 2, 2, 1]
 * batch.dispose();
 */
export function arrayDataset(options: ArrayDatasetOptions): ArrayDataset {
  const component = "arrayDataset";
  const { images, exampleShape, labels, name = component } = options ?? ({} as ArrayDatasetOptions);
  if (!Array.isArray(exampleShape) || exampleShape.length === 0 || !exampleShape.every((s) => Number.isInteger(s) && s >= 1)) {
    throw new ContrastiveError({ component, argument: "exampleShape", received: describeValue(exampleShape), expected: "a non-empty list of integers ≥ 1, e.g. [28, 28, 1]" });
  }
  const exampleSize = exampleShape.reduce((a, b) => a * b, 1);
  if (!(images instanceof Float32Array) || images.length % exampleSize !== 0) {
    const received = images instanceof Float32Array ? `a Float32Array of length ${images.length}` : describeValue(images);
    throw new ContrastiveError({ component, argument: "images", received, expected: `a Float32Array whose length is a multiple of ${exampleSize} (the size of one example of shape [${exampleShape.join(", ")}])` });
  }
  const size = images.length / exampleSize;
  if (labels !== undefined && (!(labels instanceof Int32Array) || labels.length !== size)) {
    const received = labels instanceof Int32Array ? `an Int32Array of length ${labels.length}` : describeValue(labels);
    throw new ContrastiveError({ component, argument: "labels", received, expected: `an Int32Array with one class id per example (${size})` });
  }
  const shape = [...exampleShape];
  return {
    name,
    size,
    exampleShape: shape,
    ...(labels === undefined ? {} : { labels }),
    read(indices: Int32Array | number[]): tf.Tensor {
      const picked = checkIndices(`${name}.read`, indices, size);
      const buffer = new Float32Array(picked.length * exampleSize);
      for (let i = 0; i < picked.length; i++) {
        const start = (picked[i] as number) * exampleSize;
        buffer.set(images.subarray(start, start + exampleSize), i * exampleSize);
      }
      return tf.tensor(buffer, [picked.length, ...shape], "float32");
    },
  };
}
