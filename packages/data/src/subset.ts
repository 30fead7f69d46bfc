import type * as tf from "@tensorflow/tfjs-core";
import type { DataSource } from "@contrastive/core";
import { ContrastiveError, describeValue } from "@contrastive/core";
import { checkIndices } from "./check-indices.js";

/**
 * The examples of `source` at `indices`, in that order, as a new data source: its example i is the
 * source's example `indices[i]`, and its labels (when the source has labels) follow. Reads are passed
 * through to `source.read` (synchronous or not, as the source's), and to `source.readImages` when the
 * source is an image source (so a split of an image folder trains through an image augmentation).
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
    ...(typeof source.readImages === "function" ? { readImages: (readIndices: Int32Array) => readImagesOf(source, picked, name, readIndices) } : {}),
  };
}

/** `readImages` of a subset: the source's, with the kept rows mapped back to the subset's indices. */
async function readImagesOf(source: DataSource, picked: Int32Array, name: string, readIndices: Int32Array) {
  const local = checkIndices(`${name}.readImages`, readIndices, picked.length);
  const asked = local.map((i) => picked[i] as number);
  const read = await source.readImages!(asked);
  const kept: number[] = [];
  let j = 0;
  for (const index of read.indices) {
    while (j < asked.length && asked[j] !== index) j++;
    kept.push(local[j++] as number);
  }
  return { images: read.images, indices: Int32Array.from(kept) };
}
