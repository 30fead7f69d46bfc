/**
 * The digits file the page downloads: a few thousand MNIST digits in one small binary, written at
 * build time (in Node, from `@contrastive/data/mnist`) and read in the page (no Node). Lossless: the
 * `mnist` package holds at most 256 distinct pixel values, so each pixel is a uint8 index into a
 * float32 palette of them.
 *
 * Layout (little-endian): six uint32 (magic "MNDG", version 1, train count, test count, height,
 * width), 256 float32 palette entries, train pixels then test pixels (uint8 indices), train labels
 * then test labels (uint8).
 */
import { ContrastiveError } from "@contrastive/core";

/** Labelled images, flat: count × height × width float32 values in [0, 1]. */
export interface DigitSet {
  images: Float32Array;
  labels: Int32Array;
}

/** What the digits file holds. */
export interface DigitsFile {
  train: DigitSet;
  test: DigitSet;
  /** [height, width, 1]. */
  imageShape: [number, number, 1];
}

const magic = 0x47444e4d; // "MNDG" read as a little-endian uint32
const headerBytes = 6 * 4;
const paletteSize = 256;

/** Packs digits into the file's bytes. @throws {ContrastiveError} when there are more than 256 distinct pixel values. */
export function encodeDigits(file: DigitsFile): Uint8Array {
  const [height, width] = file.imageShape;
  const pixels = height * width;
  const counts = [file.train.labels.length, file.test.labels.length];
  const values = [...new Set([...file.train.images, ...file.test.images])].sort((a, b) => a - b);
  if (values.length > paletteSize) {
    throw new ContrastiveError({ component: "encodeDigits", argument: "images", received: `${values.length} distinct pixel values`, expected: `at most ${paletteSize} (uint8 indices into a palette)` });
  }
  const index = new Map(values.map((v, i) => [v, i]));
  const total = counts[0] + counts[1];
  const bytes = new Uint8Array(headerBytes + paletteSize * 4 + total * pixels + total);
  const view = new DataView(bytes.buffer);
  [magic, 1, counts[0], counts[1], height, width].forEach((v, i) => view.setUint32(i * 4, v, true));
  values.forEach((v, i) => view.setFloat32(headerBytes + i * 4, v, true));
  let at = headerBytes + paletteSize * 4;
  for (const set of [file.train, file.test]) {
    for (const v of set.images) bytes[at++] = index.get(v) as number;
  }
  for (const set of [file.train, file.test]) {
    for (const label of set.labels) bytes[at++] = label;
  }
  return bytes;
}

/** Reads the file's bytes. @throws {ContrastiveError} when they are not a digits file of version 1. */
export function decodeDigits(buffer: ArrayBuffer): DigitsFile {
  const view = new DataView(buffer);
  const header = buffer.byteLength >= headerBytes ? Array.from({ length: 6 }, (_, i) => view.getUint32(i * 4, true)) : [];
  const [fileMagic, version, trainCount = 0, testCount = 0, height = 0, width = 0] = header;
  const pixels = height * width;
  const expectedBytes = headerBytes + paletteSize * 4 + (trainCount + testCount) * (pixels + 1);
  if (fileMagic !== magic || version !== 1 || buffer.byteLength !== expectedBytes) {
    throw new ContrastiveError({ component: "decodeDigits", argument: "buffer", received: `${buffer.byteLength} bytes starting ${header.slice(0, 2).join(", ")}`, expected: "a digits file of version 1 as written by the example's build (pnpm --filter @contrastive/example-browser build)" });
  }
  const palette = Float32Array.from({ length: paletteSize }, (_, i) => view.getFloat32(headerBytes + i * 4, true));
  const bytes = new Uint8Array(buffer, headerBytes + paletteSize * 4);
  const labelsAt = (trainCount + testCount) * pixels;
  const read = (first: number, count: number): DigitSet => ({
    images: Float32Array.from(bytes.subarray(first * pixels, (first + count) * pixels), (i) => palette[i] as number),
    labels: Int32Array.from(bytes.subarray(labelsAt + first, labelsAt + first + count)),
  });
  return { train: read(0, trainCount), test: read(trainCount, testCount), imageShape: [height, width, 1] };
}
