import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, createRng } from "@contrastive/core";
import { useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { expectNoLeaks, extent, take } from "../test-helpers.js";
import { augmentImage } from "./augment-image.js";
import { byolAugment } from "./byol-augment.js";
import { imageBatch } from "./image-batch.js";
import { multiView } from "./multi-view.js";
import { randomResizedCrop } from "./random-resized-crop.js";
import { simclrAugment } from "./simclr-augment.js";

let files: string[] = [];
let folder = "";

beforeAll(async () => {
  await useBackend("cpu");
  folder = mkdtempSync(join(tmpdir(), "augment-batch-"));
  const noise = (seed: number, width: number, height: number) => sharp({ create: { width, height, channels: 3, background: "#000", noise: { type: "gaussian", mean: 120 + seed, sigma: 50 } } });
  writeFileSync(join(folder, "a.jpg"), await noise(1, 48, 40).jpeg().toBuffer());
  writeFileSync(join(folder, "b.png"), await noise(2, 30, 50).png().toBuffer());
  writeFileSync(join(folder, "c.webp"), await noise(3, 64, 64).webp().toBuffer());
  writeFileSync(join(folder, "broken.jpg"), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
  files = ["a.jpg", "b.png", "c.webp"].map((name) => join(folder, name));
});

describe("imageBatch", () => {
  it("stacks V views of JPEG, PNG and WebP files into [N, H, W, 3] float32 tensors in [0, 1]", async () => {
    await expectNoLeaks(async () => {
      const views = imageBatch(multiView(2, simclrAugment({ size: [24, 24] })));
      expect(views.input).toBe("images");
      const [a, b] = await views.apply(files, createRng(1));
      expect([a!.shape, b!.shape, a!.dtype]).toEqual([[3, 24, 24, 3], [3, 24, 24, 3], "float32"]);
      const [low, high] = extent(a!.dataSync());
      expect(low).toBeGreaterThanOrEqual(0);
      expect(high).toBeLessThanOrEqual(1);
      tf.dispose([a!, b!]);
    });
  });

  it("gives the same views for the same seed whatever the concurrency, other views for another seed", async () => {
    await expectNoLeaks(async () => {
      const recipe = byolAugment({ size: [16, 16], normalize: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] } });
      const once = (await imageBatch(recipe, { concurrency: 1 }).apply(files, createRng(3))).map(take);
      const wide = (await imageBatch(recipe, { concurrency: 4 }).apply(files, createRng(3))).map(take);
      const other = (await imageBatch(recipe).apply(files, createRng(4))).map(take);
      expect(wide).toEqual(once);
      expect(other[0]).not.toEqual(once[0]);
      expect(extent(once[0]!)[0]).toBeLessThan(0); // normalised
    });
  });

  it("view i of the batch is augmentImage of file i with the batch's fork", async () => {
    const recipe = simclrAugment({ size: [20, 20] });
    const rng = createRng(8);
    const [batch] = await imageBatch(recipe).apply(files, rng);
    const twin = createRng(8);
    const draw = twin.uint32();
    const [single] = await augmentImage(files[1]!, recipe, twin.fork(`imageBatch/${draw}/1`));
    expect(Array.from(take(batch!).subarray(20 * 20 * 3, 2 * 20 * 20 * 3))).toEqual(Array.from(single!.data));
  });

  it("rejects a corrupt file, naming it, and views of different sizes, without leaking", async () => {
    await expectNoLeaks(async () => {
      const broken = await imageBatch(simclrAugment({ size: [8, 8] })).apply([files[0]!, join(folder, "broken.jpg")], createRng(0)).catch((e: unknown) => e);
      expect(ContrastiveError.isInstance(broken)).toBe(true);
      expect((broken as Error).message).toContain("broken.jpg");
      const fixed = await imageBatch(multiView([randomResizedCrop({ size: [8, 8] })])).apply(files, createRng(0));
      expect(fixed.map((t) => t.shape)).toEqual([[3, 8, 8, 3]]);
      tf.dispose(fixed);
      const identity = { name: "identity", apply: (plan: never) => plan };
      await expect(imageBatch(identity).apply(files, createRng(0))).rejects.toThrow(/view 0 of image 1 must be the same size for every image/);
    });
  });
});
