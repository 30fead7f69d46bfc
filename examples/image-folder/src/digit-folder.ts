import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { createRng } from "@contrastive/core";
import { mnistDigits } from "@contrastive/data";

/** Options of {@link writeDigitFolder}. */
export interface DigitFolderOptions {
  /** Digits to write, spread evenly over the 8,004 training digits (so every class is there). */
  count: number;
  /** Side of the square JPEG files. Default 72. */
  side?: number;
  seed?: number;
}

/**
 * Writes MNIST training digits as real RGB JPEG files, one sub-folder per class (`root/3/0042.jpg`):
 * each digit upscaled to `side`×`side` and painted in a seeded random foreground colour on a random
 * background colour, so the colour augmentations have something to do. Returns the files written.
 *
 * @example
 * writeDigitFolder("output/digits", { count: 500 }); // 50 JPEG files per class
 */
export async function writeDigitFolder(root: string, options: DigitFolderOptions): Promise<number> {
  const { count, side = 72, seed = 0 } = options;
  const digits = mnistDigits({ subset: "train" });
  const step = Math.max(1, Math.floor(digits.size / count));
  const indices = Array.from({ length: Math.min(count, digits.size) }, (_, i) => i * step);
  const batch = digits.read(indices);
  const pixels = batch.dataSync() as Float32Array;
  batch.dispose();
  const rng = createRng(seed);
  for (const [k, index] of indices.entries()) {
    const background = [0, 1, 2].map(() => rng.uniform(0, 110));
    const foreground = [0, 1, 2].map(() => rng.uniform(150, 255));
    const rgb = Buffer.alloc(28 * 28 * 3);
    for (let p = 0; p < 28 * 28; p++) {
      const ink = pixels[k * 784 + p] as number;
      for (let c = 0; c < 3; c++) rgb[p * 3 + c] = Math.round((background[c] as number) * (1 - ink) + (foreground[c] as number) * ink);
    }
    const folder = join(root, String(digits.labels[index]));
    mkdirSync(folder, { recursive: true });
    const jpeg = await sharp(rgb, { raw: { width: 28, height: 28, channels: 3 } }).resize(side, side, { kernel: "lanczos3" }).jpeg({ quality: 90 }).toBuffer();
    writeFileSync(join(folder, `${String(index).padStart(4, "0")}.jpg`), jpeg);
  }
  return indices.length;
}
