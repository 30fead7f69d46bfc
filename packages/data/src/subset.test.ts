import { ContrastiveError } from "@contrastive/core";
import { TEST_BACKENDS, countLeakedTensors, useBackend } from "@contrastive/core/testing";
import type * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { arrayDataset } from "./array-dataset.js";
import { imageFolder } from "./image-folder.js";
import { subset } from "./subset.js";

const source = arrayDataset({ images: Float32Array.from([0, 1, 2, 3, 4, 5]), exampleShape: [1], labels: Int32Array.of(0, 1, 2, 0, 1, 2), name: "six" });

describe.each(TEST_BACKENDS)("subset on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("maps its indices to the source's, with their labels", async () => {
    const part = subset(source, [5, 1, 3]);
    expect([part.size, part.exampleShape, Array.from(part.labels!), part.name]).toEqual([3, [1], [2, 1, 0], "six[subset of 3]"]);
    const { leaked } = await countLeakedTensors(async () => {
      const batch = (await part.read([2, 0])) as tf.Tensor;
      expect(batch.shape).toEqual([2, 1]);
      expect(Array.from(batch.dataSync())).toEqual([3, 5]);
      batch.dispose();
    });
    expect(leaked).toBe(0);
  });

  it("rejects indices outside the source and reads outside the subset", () => {
    expect(() => subset(source, [6])).toThrow(ContrastiveError);
    expect(() => subset(source, [0, 1]).read([2])).toThrow(/six\[subset of 2\]\.read: indices\[0\] must be an integer in \[0, 2\)/);
    expect(() => subset({} as never, [0])).toThrow(/subset: source must be a DataSource/);
  });
});

describe("subset of an image folder", () => {
  it("passes readImages through, mapping the rows that decoded back to the subset's indices", async () => {
    const root = mkdtempSync(join(tmpdir(), "subset-images-"));
    try {
      for (const [name, r] of [["a", 10], ["b", 120], ["c", 250]] as const) {
        writeFileSync(join(root, `${name}.png`), await sharp({ create: { width: 4, height: 3, channels: 3, background: { r, g: 0, b: 0 } } }).png().toBuffer());
      }
      writeFileSync(join(root, "broken.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
      const folder = imageFolder(root, { labelled: false, onError: "skip", onWarning: () => {} }); // a, b, broken, c
      const part = subset(folder, [3, 2, 0]);
      const { images, indices } = await part.readImages!(Int32Array.of(0, 1, 2));
      expect(Array.from(indices)).toEqual([0, 2]); // the broken file (subset row 1) is left out
      expect(images.map((image) => image.data[0])).toEqual([250, 10]);
      expect(subset(arrayDataset({ images: new Float32Array(2), exampleShape: [1] }), [0]).readImages).toBeUndefined();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
