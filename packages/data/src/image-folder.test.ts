import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { ContrastiveError } from "@contrastive/core";
import { countLeakedTensors, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { imageFolder } from "./image-folder.js";

let root = "";
const colour = (r: number, g: number, b: number, width = 12, height = 10) => sharp({ create: { width, height, channels: 3, background: { r, g, b } } });

beforeAll(async () => {
  await useBackend("cpu");
  root = mkdtempSync(join(tmpdir(), "image-folder-"));
  for (const name of ["cats", "dogs"]) mkdirSync(join(root, name));
  writeFileSync(join(root, "cats", "a.png"), await colour(255, 0, 0).png().toBuffer());
  writeFileSync(join(root, "cats", "b.JPG"), await colour(0, 0, 255, 20, 16).jpeg({ quality: 95 }).toBuffer());
  writeFileSync(join(root, "cats", "notes.txt"), "not an image");
  writeFileSync(join(root, "cats", ".hidden.png"), "hidden");
  writeFileSync(join(root, "dogs", "c.webp"), await colour(0, 255, 0).webp({ lossless: true }).toBuffer());
  writeFileSync(join(root, "dogs", "broken.jpg"), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70]));
  writeFileSync(join(root, "README.md"), "top-level files are not examples");
});

describe("imageFolder", () => {
  it("lists images class by class, ignores other files by extension, and reads lazily", async () => {
    const folder = imageFolder(root, { size: [8, 8] });
    expect(folder.classNames).toEqual(["cats", "dogs"]);
    expect(folder.files.map((f) => f.slice(root.length + 1))).toEqual(["cats/a.png", "cats/b.JPG", "dogs/broken.jpg", "dogs/c.webp"]);
    expect(Array.from(folder.labels!)).toEqual([0, 0, 1, 1]);
    expect(folder.ignored.map((f) => f.slice(root.length + 1)).sort()).toEqual(["README.md", "cats/.hidden.png", "cats/notes.txt"]);
    const { leaked } = await countLeakedTensors(async () => {
      const batch = await folder.read([3, 0]);
      expect(batch.shape).toEqual([2, 8, 8, 3]);
      const values = batch.dataSync();
      expect(Array.from(values.subarray(0, 3))).toEqual([0, 1, 0]); // green webp, lossless
      expect(Array.from(values.subarray(192, 195))).toEqual([1, 0, 0]); // red png
      batch.dispose();
    });
    expect(leaked).toBe(0);
    const { images } = await folder.readImages([1]);
    expect([images[0]!.height, images[0]!.width, images[0]!.channels]).toEqual([16, 20, 3]); // own size
  });

  it("raises on a corrupt file, naming it, with onError 'raise' (the default)", async () => {
    const folder = imageFolder(root, { size: [8, 8] });
    const error = await folder.read([0, 2]).catch((e: unknown) => e);
    expect(ContrastiveError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/imageFolder\(.*\): file must be a readable image \(or pass onError: 'skip'.*; got .*dogs\/broken\.jpg, which failed to decode/);
  });

  it("skips a corrupt file with one warning naming it, and says which rows it kept", async () => {
    const warnings: string[] = [];
    const folder = imageFolder(root, { size: [8, 8], onError: "skip", onWarning: (m) => warnings.push(m) });
    const { leaked } = await countLeakedTensors(async () => {
      for (let pass = 0; pass < 2; pass++) {
        const { images, indices } = await folder.readBatch([0, 2, 3]);
        expect([images.shape, Array.from(indices)]).toEqual([[2, 8, 8, 3], [0, 3]]);
        images.dispose();
      }
    });
    expect(leaked).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("dogs/broken.jpg");
    expect([...folder.skipped]).toEqual([join(root, "dogs", "broken.jpg")]);
  });

  it("reads unlabelled folders recursively, and rejects folders without images and bad options", async () => {
    const all = imageFolder(root, { labelled: false, channels: 1 });
    expect([all.size, all.labels, all.exampleShape]).toEqual([4, undefined, [-1, -1, 1]]);
    const empty = mkdtempSync(join(tmpdir(), "image-folder-empty-"));
    writeFileSync(join(empty, "x.txt"), "");
    expect(() => imageFolder(empty, { labelled: false })).toThrow(/root must be a folder holding images; got a folder with no \.jpg \.jpeg \.png \.webp files/);
    expect(() => imageFolder(join(root, "missing"))).toThrow(/root must be a readable folder/);
    expect(() => imageFolder(root, { onError: "ignore" as never })).toThrow(ContrastiveError);
    await expect(imageFolder(root).read([0])).rejects.toThrow(/size must be \[height, width\] to read tensors/);
  });
});
