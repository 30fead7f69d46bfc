import { mkdirSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { selectBackend } from "@contrastive/core";
import { mnistDigits } from "@contrastive/data/mnist";
import sharp from "sharp";

/**
 * Writes real JPEG files of MNIST digits (from the mnist package) into class sub-folders:
 * `root/<digit>/<index>.jpg`, `perClass` files per class for `classes` classes, each image
 * 28×28 grey scaled to `size` (default 28) and encoded as JPEG. For tests and trials.
 *
 * @example
 * await writeDigitFolders("/tmp/digits/train", { perClass: 30, subset: "train" });
 */
export async function writeDigitFolders(root: string, options: { perClass: number; classes?: number; subset?: "train" | "test"; size?: number; channels?: 1 | 3 }): Promise<number> {
  const { perClass, classes = 10, subset = "train", size = 28, channels = 1 } = options;
  const digits = mnistDigits({ subset });
  if (tf.engine().backendNames().length === 0) await selectBackend("cpu");
  const all = digits.read(Array.from({ length: digits.size }, (_, i) => i));
  const pixels = (await all.data()) as Float32Array;
  all.dispose();
  const counts = new Array<number>(classes).fill(0);
  const writes: Array<Promise<unknown>> = [];
  for (let i = 0; i < digits.size; i++) {
    const label = digits.labels[i] as number;
    if (label >= classes || (counts[label] as number) >= perClass) continue;
    counts[label] = (counts[label] as number) + 1;
    const folder = join(root, String(label));
    mkdirSync(folder, { recursive: true });
    const bytes = Buffer.from(Array.from(pixels.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255)));
    let image = sharp(bytes, { raw: { width: 28, height: 28, channels: 1 } });
    if (size !== 28) image = image.resize(size, size);
    if (channels === 3) image = image.toColourspace("srgb");
    writes.push(image.jpeg({ quality: 92 }).toFile(join(folder, `${String(i).padStart(5, "0")}.jpg`)));
  }
  await Promise.all(writes);
  return counts.reduce((a, b) => a + b, 0);
}
