import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "@contrastive/core";
import { useBackend } from "@contrastive/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { augmentImage } from "./augment-image.js";
import { imageBatch } from "./image-batch.js";
import { DEFAULT_MAX_PIXELS } from "./pixel-limit.js";
import { randomResizedCrop } from "./random-resized-crop.js";
import { decodeImage } from "./raw-image.js";

/** A real JPEG whose header is rewritten to declare `height × width` (the scan stays that of a tiny image). */
async function declaredJpeg(height: number, width: number): Promise<Uint8Array> {
  const bytes = Uint8Array.from(await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 10, g: 200, b: 10 } } }).jpeg().toBuffer());
  const at = bytes.findIndex((b, i) => b === 0xff && (bytes[i + 1] === 0xc0 || bytes[i + 1] === 0xc2));
  new DataView(bytes.buffer).setUint16(at + 5, height);
  new DataView(bytes.buffer).setUint16(at + 7, width);
  return bytes;
}

let root: string;
let huge: string;
let small: string;
beforeAll(async () => {
  await useBackend("cpu");
  root = await mkdtemp(join(tmpdir(), "pixel-limit-"));
  huge = join(root, "huge.jpg");
  small = join(root, "small.png");
  await writeFile(huge, await declaredJpeg(16000, 16000)); // 256 MP: under sharp's 268 MP, ~770 MB decoded
  await writeFile(small, await sharp({ create: { width: 20, height: 10, channels: 3, background: "#336699" } }).png().toBuffer());
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe("maxPixels on every sharp read path", () => {
  const crop = randomResizedCrop({ size: [8, 8] });

  it("decodeImage, augmentImage (its one-pipeline JPEG path) and imageBatch refuse a huge-declared image from its header", async () => {
    expect(DEFAULT_MAX_PIXELS).toBe(50_000_000);
    const message = /decodeImage: input must be an image of at most maxPixels = 50000000 pixels \(raise maxPixels to read larger images\); got the file .*huge\.jpg, which declares 16000 × 16000 = 256000000 pixels/;
    await expect(decodeImage(huge)).rejects.toThrow(message);
    await expect(augmentImage(huge, crop, createRng(1))).rejects.toThrow(message);
    const numTensors = tf.memory().numTensors;
    await expect(imageBatch(crop, { concurrency: 2 }).apply([small, huge, small], createRng(1))).rejects.toThrow(message);
    expect(tf.memory().numTensors).toBe(numTensors);
    const bytes = await declaredJpeg(16000, 16000);
    await expect(decodeImage(bytes)).rejects.toThrow(/got a buffer of \d+ bytes, which declares 16000 × 16000 = 256000000 pixels/);
  });

  it("honours a lower maxPixels, and an image at the limit passes", async () => {
    await expect(decodeImage(small, { maxPixels: 199 })).rejects.toThrow(/at most maxPixels = 199 pixels.*declares 20 × 10 = 200 pixels/);
    const raw = await decodeImage(small, { maxPixels: 200 });
    expect([raw.height, raw.width, raw.channels]).toEqual([10, 20, 3]);
    const views = await imageBatch(crop, { maxPixels: 200 }).apply([small, small], createRng(2));
    expect(views[0]!.shape).toEqual([2, 8, 8, 3]);
    tf.dispose(views);
    expect(() => imageBatch(crop, { maxPixels: -1 })).toThrow(/maxPixels must be an integer ≥ 1/);
  });
});
