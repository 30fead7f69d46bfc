import { createWriteStream } from "node:fs";
import { once } from "node:events";
import type * as tf from "@tensorflow/tfjs-core";

/**
 * Writes one JSON line per image: `{"path", "label", "className", "embedding": [d numbers]}`, the
 * encoder's features [N, d] beside each file's path and class (label −1 and no class when unlabelled).
 *
 * @example
 * await writeEmbeddingsJsonl("output/embeddings.jsonl", features, folder.files, folder.labels, folder.classNames);
 */
export async function writeEmbeddingsJsonl(
  path: string,
  features: tf.Tensor2D,
  files: readonly string[],
  labels: Int32Array | undefined,
  classNames: readonly string[],
): Promise<void> {
  const [rows, dim] = features.shape;
  const values = features.dataSync() as Float32Array;
  const out = createWriteStream(path);
  for (let i = 0; i < rows; i++) {
    const label = labels?.[i] ?? -1;
    const line = { path: files[i], label, ...(label >= 0 ? { className: classNames[label] } : {}), embedding: Array.from(values.subarray(i * dim, (i + 1) * dim)) };
    if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}
