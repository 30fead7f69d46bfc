import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { useBackend } from "@contrastive/core/testing";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cifar10 } from "./cifar10.js";
import { imageFolder } from "./image-folder.js";
import { DEFAULT_MAX_PIXELS } from "@contrastive/core";

/** A real JPEG whose header is rewritten to declare `height × width` (the scan stays that of a tiny image). */
async function declaredJpeg(height: number, width: number): Promise<Uint8Array> {
  const bytes = Uint8Array.from(await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 200, g: 10, b: 10 } } }).jpeg().toBuffer());
  for (let i = 0; i + 8 < bytes.length; i++) {
    if (bytes[i] === 0xff && (bytes[i + 1] === 0xc0 || bytes[i + 1] === 0xc2)) {
      new DataView(bytes.buffer).setUint16(i + 5, height);
      new DataView(bytes.buffer).setUint16(i + 7, width);
      return bytes;
    }
  }
  throw new Error("no SOF marker");
}

let root: string;
beforeAll(async () => {
  await useBackend("cpu");
  root = await mkdtemp(join(tmpdir(), "image-limits-"));
  await mkdir(join(root, "photos", "a"), { recursive: true });
  await writeFile(join(root, "photos", "a", "0-small.png"), await sharp({ create: { width: 20, height: 10, channels: 3, background: "#808080" } }).png().toBuffer());
  // 16000 × 16000 = 256 megapixels: under sharp's own limit (268), ~770 MB decoded
  await writeFile(join(root, "photos", "a", "1-huge.jpg"), await declaredJpeg(16000, 16000));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe("image reading limits", () => {
  it("refuses an image that declares more than maxPixels (default 50 MP) from its header, naming path and size", async () => {
    expect(DEFAULT_MAX_PIXELS).toBe(50_000_000);
    const folder = imageFolder(join(root, "photos"));
    const started = performance.now();
    await expect(folder.readImages([1])).rejects.toThrow(/imageFolder: .*1-huge\.jpg must be at most maxPixels = 50000000 pixels \(raise maxPixels to read larger images\); got an image that declares 16000 × 16000 = 256000000 pixels/);
    expect(performance.now() - started).toBeLessThan(5000); // refused from the header, never decoded (~770 MB)
    const { images } = await folder.readImages([0]);
    expect([images[0]!.height, images[0]!.width]).toEqual([10, 20]);
  });

  it("a lower maxPixels refuses smaller images too; with onError 'skip' the batch keeps the others", async () => {
    const warnings: string[] = [];
    const strict = imageFolder(join(root, "photos"), { maxPixels: 199, onError: "skip", onWarning: (m) => warnings.push(m), size: [4, 4], concurrency: 1 });
    const { indices } = await strict.readBatch([0, 1]).then((r) => (r.images.dispose(), r));
    expect(Array.from(indices)).toEqual([]);
    expect(warnings.join("\n")).toMatch(/0-small\.png must be at most maxPixels = 199 pixels.*; got an image that declares 20 × 10 = 200 pixels/);
    const enough = imageFolder(join(root, "photos"), { maxPixels: 200, onError: "skip", onWarning: () => {}, size: [4, 4], concurrency: 2 });
    const batch = await enough.readBatch([0, 1, 0]);
    expect(Array.from(batch.indices)).toEqual([0, 0]);
    batch.images.dispose();
    expect(() => imageFolder(join(root, "photos"), { maxPixels: 0 })).toThrow(/maxPixels must be an integer ≥ 1/);
    expect(() => imageFolder(join(root, "photos"), { concurrency: 0 })).toThrow(/concurrency must be an integer ≥ 1/);
  });

  it("cifar10 names the path and EISDIR when a batch file is a folder", async () => {
    const folder = join(root, "cifar");
    await mkdir(join(folder, "data_batch_1.bin"), { recursive: true });
    expect(() => cifar10(folder)).toThrow(/cifar.*data_batch_1\.bin must be a readable CIFAR-10 batch file \(read\); got EISDIR: a folder, not a file/);
  });
});
