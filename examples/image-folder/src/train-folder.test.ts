import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { loadBackbone } from "@contrastive/backbones";
import { useBackend } from "@contrastive/core/testing";
import { imageFolder } from "@contrastive/data";
import { afterAll, beforeAll, expect, it } from "vitest";
import { writeDigitFolder } from "./digit-folder.js";
import { trainOnFolder } from "./train-folder.js";

let root = "";
beforeAll(async () => {
  await useBackend("wasm");
  root = mkdtempSync(join(tmpdir(), "image-folder-example-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

it("trains on MNIST digits written as JPEG files and writes embeddings that the saved encoder reproduces", async () => {
  const data = join(root, "digits");
  expect(await writeDigitFolder(data, { count: 40, side: 40 })).toBe(40);
  expect(readdirSync(data).sort()).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
  expect(readFileSync(join(data, "0", readdirSync(join(data, "0"))[0]!)).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff])); // JPEG

  const before = tf.memory().numTensors;
  const result = await trainOnFolder({ data, outputDir: join(root, "run"), size: 16, epochs: 1, batchSize: 8, seed: 1 });
  expect(tf.memory().numTensors).toBe(before);
  expect(result).toMatchObject({ epochs: 1, images: 40, steps: 4 }); // 32 training images (every 5th is a test image), batches of 8
  for (const key of ["knnAccuracy", "untrainedKnnAccuracy", "rawPixelKnnAccuracy", "dataWaitFraction"] as const) {
    expect(result[key]).toBeGreaterThanOrEqual(0);
    expect(result[key]).toBeLessThanOrEqual(1);
  }

  const lines = readFileSync(result.embeddings, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { path: string; label: number; className: string; embedding: number[] });
  const folder = imageFolder(data, { size: [16, 16] });
  expect(lines.map((l) => [l.path, l.label, l.className])).toEqual(folder.files.map((f, i) => [f, folder.labels![i], String(folder.labels![i])]));
  const encoder = await loadBackbone(join(root, "run", "encoder"));
  const pixels = await folder.read([0, 39]);
  const features = encoder.apply(pixels, { training: false });
  const expected = features.arraySync();
  tf.dispose([pixels, features]);
  encoder.dispose();
  for (const [row, index] of [[0, 0], [1, 39]] as const) {
    expect(lines[index]!.embedding).toHaveLength(128);
    lines[index]!.embedding.forEach((value, j) => expect(value).toBeCloseTo(expected[row]![j]!, 5));
  }
});
