import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, extname } from "node:path";
import { ContrastiveError, describeValue } from "@contrastive/core";
import { checkShape, encodeNpy } from "./encode-npy.js";
import { type EmbeddingRow, encodeCsv, encodeJsonl } from "./encode-rows.js";

/** What {@link writeEmbeddings} writes. */
export interface WriteEmbeddingsOptions {
  /** The embeddings, row-major `[N, d]` (e.g. `await features.data()`). */
  features: Float32Array;
  /** `[N, d]`. */
  shape: readonly [number, number];
  /** The source of each row, e.g. image file paths; N entries. */
  paths?: readonly string[];
  /** The class id of each row; N entries. */
  labels?: ArrayLike<number>;
}

const component = "writeEmbeddings";

async function writeAtomically(file: string, contents: Uint8Array | string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, file);
}

/**
 * Writes embeddings to a file whose extension chooses the format (Node only; exported from
 * `@contrastive/eval/node`):
 * - `.npy`: float32 `[N, d]` read by `numpy.load`; with paths or labels, also a sidecar
 *   `<file>.index.jsonl` (e.g. `emb.npy.index.jsonl`) with one `{"index", "path", "label"}` per row;
 * - `.jsonl`: one `{"path", "label", "embedding"}` object per line;
 * - `.csv`: `path,label,e0,…` per RFC 4180.
 * Each file is written to a temporary name and renamed, so a reader never sees half a file.
 *
 * @returns the files written.
 * @throws {ContrastiveError} on an unknown extension, a shape that does not match `features`, or
 *   paths / labels whose length is not N.
 * @example
 * const features = await extractFeatures({ source, encode });
 * await writeEmbeddings("run/embeddings.npy", { features: await features.data() as Float32Array, shape: features.shape, labels: source.labels });
 */
export async function writeEmbeddings(file: string, options: WriteEmbeddingsOptions): Promise<string[]> {
  const { features, paths, labels } = options;
  const extension = extname(String(file)).toLowerCase();
  if (![".npy", ".jsonl", ".csv"].includes(extension)) {
    throw new ContrastiveError({ component, argument: "file", received: describeValue(file), expected: "a path ending in .npy, .jsonl or .csv" });
  }
  if (!(features instanceof Float32Array)) {
    throw new ContrastiveError({ component, argument: "features", received: describeValue(features), expected: "a Float32Array of N·d values (e.g. await features.data())" });
  }
  const shape = checkShape(component, options.shape, features.length);
  if (shape.length !== 2) {
    throw new ContrastiveError({ component, argument: "shape", received: describeValue(options.shape), expected: "[N, d]" });
  }
  const [rows, size] = shape as [number, number];
  for (const [argument, values] of [["paths", paths], ["labels", labels]] as const) {
    if (values !== undefined && values.length !== rows) {
      throw new ContrastiveError({ component, argument, received: `${values.length} entries`, expected: `one entry per row: ${rows}` });
    }
  }
  if (extension === ".npy") {
    await writeAtomically(file, encodeNpy(features, shape));
    if (paths === undefined && labels === undefined) return [file];
    const index = Array.from({ length: rows }, (_, i) =>
      `${JSON.stringify({ index: i, ...(paths ? { path: paths[i] } : {}), ...(labels ? { label: labels[i] } : {}) })}\n`,
    ).join("");
    await writeAtomically(`${file}.index.jsonl`, index);
    return [file, `${file}.index.jsonl`];
  }
  const table: EmbeddingRow[] = Array.from({ length: rows }, (_, i) => ({
    ...(paths ? { path: paths[i] } : {}),
    ...(labels ? { label: labels[i] } : {}),
    embedding: features.subarray(i * size, (i + 1) * size),
  }));
  await writeAtomically(file, extension === ".csv" ? encodeCsv(table) : encodeJsonl(table));
  return [file];
}
