import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import type { DataSource } from "@contrastive/core";
import { ContrastiveError, describeValue } from "@contrastive/core";
import { checkIndices } from "./check-indices.js";
import type { RawImage } from "./raw-image.js";

/** Options of {@link cifar10}. */
export interface Cifar10Options {
  /** `'train'` reads every `data_batch_<n>.bin` (in n order), `'test'` reads `test_batch.bin`. Default `'train'`. */
  subset?: "train" | "test";
}

/** CIFAR-10 in memory: 32×32 RGB bytes, read as tensors or as raw images for the image pipelines. */
export interface Cifar10 extends DataSource {
  readonly labels: Int32Array;
  /** airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck. */
  readonly classNames: readonly string[];
  /** float32 `[n, 32, 32, 3]`, values x / 255. */
  read(indices: Int32Array | number[]): tf.Tensor4D;
  /** The images at `indices` as HWC bytes (views, not copies), for `@contrastive/augment`'s image side. */
  readImages(indices: Int32Array | number[]): Promise<{ images: RawImage[]; indices: Int32Array }>;
}

const RECORD = 1 + 3 * 32 * 32;
const PIXELS = 32 * 32;

/**
 * The CIFAR-10 binary version (Krizhevsky, 2009) from a local folder, e.g. the extracted
 * `cifar-10-batches-bin`: each record is 1 label byte then 3072 bytes, the red, green and blue planes
 * of a 32×32 image, rows top to bottom. The files are read synchronously, once, and the images kept
 * as HWC bytes (3 KB each: 150 MB for the 50,000 training images).
 *
 * @throws {ContrastiveError} when the folder has no matching file, a file's length is not a multiple of
 * 3073 bytes, or a label byte is above 9; `read` throws for indices out of range.
 * @example
 * const train = cifar10("data/cifar-10-batches-bin"); // 50,000 images
 * const batch = train.read([0, 1]); // float32 [2, 32, 32, 3]
 */
export function cifar10(folder: string, options: Cifar10Options = {}): Cifar10 {
  const { subset = "train" } = options ?? {};
  const component = `cifar10(${folder})`;
  if (subset !== "train" && subset !== "test") throw new ContrastiveError({ component, argument: "subset", received: describeValue(subset), expected: "'train' or 'test'" });
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch (cause) {
    throw new ContrastiveError({ component, argument: "folder", received: `${folder} (${(cause as Error).message})`, expected: "a readable folder holding data_batch_<n>.bin / test_batch.bin", cause });
  }
  const files = subset === "test"
    ? names.filter((n) => n === "test_batch.bin")
    : names.filter((n) => /^data_batch_\d+\.bin$/.test(n)).sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]));
  if (files.length === 0) {
    throw new ContrastiveError({ component, argument: "folder", received: `a folder without ${subset === "test" ? "test_batch.bin" : "data_batch_<n>.bin"}`, expected: "the extracted cifar-10-batches-bin folder" });
  }
  const buffers = files.map((name) => {
    const bytes = readBytes(component, join(folder, name));
    if (bytes.length === 0 || bytes.length % RECORD !== 0) {
      throw new ContrastiveError({ component, argument: name, received: `${bytes.length} bytes`, expected: `a multiple of ${RECORD} bytes (1 label + 3072 pixel bytes per image)` });
    }
    return { name, bytes };
  });
  const count = buffers.reduce((sum, b) => sum + b.bytes.length / RECORD, 0);
  const pixels = new Uint8Array(count * 3 * PIXELS);
  const labels = new Int32Array(count);
  let image = 0;
  for (const { name, bytes } of buffers) {
    for (let offset = 0; offset < bytes.length; offset += RECORD, image++) {
      const label = bytes[offset] as number;
      if (label > 9) throw new ContrastiveError({ component, argument: `${name} record ${offset / RECORD}`, received: `label ${label}`, expected: "a label byte in 0 … 9" });
      labels[image] = label;
      const out = image * 3 * PIXELS;
      for (let p = 0; p < PIXELS; p++) {
        pixels[out + 3 * p] = bytes[offset + 1 + p] as number;
        pixels[out + 3 * p + 1] = bytes[offset + 1 + PIXELS + p] as number;
        pixels[out + 3 * p + 2] = bytes[offset + 1 + 2 * PIXELS + p] as number;
      }
    }
  }
  const at = (i: number): RawImage => ({ data: pixels.subarray(i * 3 * PIXELS, (i + 1) * 3 * PIXELS), height: 32, width: 32, channels: 3 });
  return {
    name: component,
    size: count,
    exampleShape: [32, 32, 3],
    labels,
    classNames: ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
    read(indices) {
      const picked = checkIndices(`${component}.read`, indices, count);
      const out = new Float32Array(picked.length * 3 * PIXELS);
      picked.forEach((index, i) => {
        const source = at(index).data;
        for (let k = 0; k < source.length; k++) out[i * 3 * PIXELS + k] = (source[k] as number) / 255;
      });
      return tf.tensor4d(out, [picked.length, 32, 32, 3], "float32");
    },
    async readImages(indices) {
      const picked = checkIndices(`${component}.readImages`, indices, count);
      return { images: Array.from(picked, at), indices: picked };
    },
  };
}

/** Reads a whole file; a file-system fault (EISDIR, EACCES, ENOENT, …) becomes a ContrastiveError naming the read and the path. */
function readBytes(component: string, path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    const reason = code === "EISDIR" ? "EISDIR: a folder, not a file" : code === "EACCES" ? "EACCES: permission denied" : `${code ?? "error"}: ${(cause as Error).message}`;
    throw new ContrastiveError({ component, argument: path, received: reason, expected: "a readable CIFAR-10 batch file (read)", cause });
  }
}
