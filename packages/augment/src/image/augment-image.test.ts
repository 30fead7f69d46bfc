import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { createRng } from "@contrastive/core";
import { describe, expect, it } from "vitest";
import { augmentImage } from "./augment-image.js";
import { colorJitter } from "./color-jitter.js";
import { compose } from "./compose.js";
import { gaussianBlur } from "./gaussian-blur.js";
import { horizontalFlip } from "./horizontal-flip.js";
import type { ImageAugmentation } from "./image-plan.js";
import { startPlan } from "./image-plan.js";
import { randomApply } from "./random-apply.js";
import { randomResizedCrop } from "./random-resized-crop.js";
import { decodeImage } from "./raw-image.js";
import { renderPlan } from "./render-plan.js";

const noise = (width: number, height: number) => sharp({ create: { width: width >> 2, height: height >> 2, channels: 3, background: "#000", noise: { type: "gaussian", mean: 128, sigma: 60 } } }).resize(width, height);

describe("augmentImage", () => {
  it("renders a single view of a JPEG in one pipeline with exactly the bytes of decodeImage then renderPlan", async () => {
    const folder = mkdtempSync(join(tmpdir(), "augment-one-pipeline-"));
    writeFileSync(join(folder, "odd.jpg"), await noise(301, 187).jpeg({ quality: 75 }).toBuffer());
    const inputs = [join(folder, "odd.jpg"), await noise(256, 256).jpeg().toBuffer(), await noise(1024, 768).jpeg().toBuffer(), await noise(64, 48).withIccProfile("p3").jpeg().toBuffer()];
    const recipes: ImageAugmentation[] = [
      compose([randomResizedCrop({ size: [56, 56] }), horizontalFlip(), colorJitter({ brightness: 0.8, saturation: 0.8 })]),
      compose([randomResizedCrop({ size: [56, 48], scale: [1, 1] }), horizontalFlip()]), // whole image: no shrink-on-load
      compose([randomResizedCrop({ size: [40, 40], scale: [0.01, 0.02] }), randomApply(0.5, gaussianBlur({ kernelSize: 9 }))]),
    ];
    for (const input of inputs) {
      for (const recipe of recipes) {
        for (let seed = 0; seed < 4; seed++) {
          const [view] = await augmentImage(input, recipe, createRng(seed));
          const raw = await decodeImage(input);
          const reference = await renderPlan(raw, recipe.apply(startPlan(raw), createRng(seed)));
          expect(view!.data).toEqual(reference.data);
        }
      }
    }
  });
});
