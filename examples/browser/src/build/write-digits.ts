import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { mnistDigits } from "@contrastive/data/mnist";
import { type DigitSet, encodeDigits } from "../digits-file.js";

/** How many digits the page gets: the training pool (also the kNN memory) and the kNN test set. */
export const pageDigits = { train: 3000, test: 1000 };

/**
 * The bytes of the page's digits file: `count` digits spread evenly over each subset of the `mnist`
 * package's split (its subsets are ordered by class, so every class keeps its share).
 */
export function pageDigitsBytes(counts = pageDigits): Uint8Array {
  tf.enableProdMode(); // (and no "running TensorFlow.js in Node.js" banner)
  const pick = (subset: "train" | "test", count: number): DigitSet => {
    const source = mnistDigits({ subset });
    const indices = Int32Array.from({ length: count }, (_, j) => Math.floor((j * source.size) / count));
    const images = source.read(indices);
    try {
      return { images: images.dataSync() as Float32Array, labels: Int32Array.from(indices, (i) => source.labels[i] as number) };
    } finally {
      images.dispose();
    }
  };
  return encodeDigits({ train: pick("train", counts.train), test: pick("test", counts.test), imageShape: [28, 28, 1] });
}
