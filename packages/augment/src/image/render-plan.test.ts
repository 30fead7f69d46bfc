import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { ContrastiveError, createRng } from "@contrastive/core";
import { maxAbsDifference } from "@contrastive/core/testing";
import { describe, expect, it } from "vitest";
import { appendStep, startPlan, type ImagePlan, type PlanStep } from "./image-plan.js";
import { decodeImage, type RawImage } from "./raw-image.js";
import { renderPlan } from "./render-plan.js";

/** A seeded RGB image of random bytes, height × width. */
function randomRaw(height: number, width: number, seed: number, channels = 3): RawImage {
  const rng = createRng(seed);
  return { data: Uint8Array.from({ length: height * width * channels }, () => rng.int(256)), height, width, channels };
}

function plan(raw: RawImage, ...steps: PlanStep[]): ImagePlan {
  return steps.reduce(appendStep, startPlan(raw));
}

const at = (raw: RawImage, y: number, x: number, c: number) => (raw.data[(y * raw.width + x) * raw.channels + c] as number) / 255;

describe("decodeImage", () => {
  it("decodes PNG exactly and JPEG closely, from files and buffers, as RGB bytes", async () => {
    const raw = randomRaw(6, 9, 1);
    const folder = mkdtempSync(join(tmpdir(), "augment-decode-"));
    const png = await sharp(raw.data, { raw: { width: 9, height: 6, channels: 3 } }).png().toBuffer();
    writeFileSync(join(folder, "a.png"), png);
    const fromFile = await decodeImage(join(folder, "a.png"));
    expect([fromFile.height, fromFile.width, fromFile.channels]).toEqual([6, 9, 3]);
    expect(Array.from(fromFile.data)).toEqual(Array.from(raw.data));
    const smooth = await sharp({ create: { width: 16, height: 8, channels: 3, background: { r: 200, g: 40, b: 90 } } }).jpeg({ quality: 95 }).toBuffer();
    const jpeg = await decodeImage(smooth);
    expect([jpeg.height, jpeg.width, jpeg.channels]).toEqual([8, 16, 3]);
    expect(Math.abs((jpeg.data[0] as number) - 200)).toBeLessThanOrEqual(3);
    const greyPng = await sharp(Buffer.alloc(12, 77), { raw: { width: 4, height: 3, channels: 1 } }).png().toBuffer();
    expect(Array.from((await decodeImage(greyPng)).data)).toEqual(new Array(36).fill(77)); // grey → RGB
    expect((await decodeImage(greyPng, { channels: 1 })).channels).toBe(1);
    const rgba = await sharp({ create: { width: 2, height: 2, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } }).png().toBuffer();
    expect(Array.from((await decodeImage(rgba)).data.subarray(0, 3))).toEqual([10, 20, 30]); // alpha dropped
  });

  it("rejects a corrupt buffer or a missing file with a ContrastiveError naming it", async () => {
    const error = await decodeImage(Buffer.from("not an image")).catch((e: unknown) => e);
    expect(ContrastiveError.isInstance(error)).toBe(true);
    await expect(decodeImage("/nonexistent/x.jpg")).rejects.toThrow(/decodeImage: input must be a readable JPEG, PNG or WebP image; got the file \/nonexistent\/x\.jpg/);
  });
});

describe("renderPlan", () => {
  it("renders the empty plan as x / 255 and never changes the decoded pixels", async () => {
    const raw = randomRaw(5, 4, 2);
    const before = Uint8Array.from(raw.data);
    const view = await renderPlan(raw, plan(raw, { kind: "color", program: [{ code: "solarize", threshold: 0 }] }));
    expect(maxAbsDifference(view.data, Array.from(before, (v) => 1 - v / 255))).toBeLessThan(1e-6);
    expect((await renderPlan(raw, startPlan(raw))).data[7]).toBe(Math.fround((raw.data[7] as number) / 255));
    expect(raw.data).toEqual(before);
  });

  it("crops the box's pixels (no resize at the box's size), and flips the crop, not the image", async () => {
    const raw = randomRaw(12, 10, 3);
    const box = { top: 2, left: 5, height: 6, width: 4 };
    const crop: PlanStep = { kind: "crop", box, height: 6, width: 4 };
    const cropped = await renderPlan(raw, plan(raw, crop));
    const flipped = await renderPlan(raw, plan(raw, crop, { kind: "flip" }));
    for (let y = 0; y < 6; y++) {
      for (let x = 0; x < 4; x++) {
        for (let c = 0; c < 3; c++) {
          expect(cropped.data[(y * 4 + x) * 3 + c]).toBeCloseTo(at(raw, y + 2, x + 5, c), 6);
          expect(flipped.data[(y * 4 + x) * 3 + c]).toBeCloseTo(at(raw, y + 2, 3 - x + 5, c), 6);
        }
      }
    }
  });

  it("runs crop, resize, flip and blur in one pipeline in the plan's order", async () => {
    const raw = randomRaw(30, 26, 7);
    const crop: PlanStep = { kind: "crop", box: { top: 3, left: 4, height: 20, width: 15 }, height: 12, width: 10 };
    const blur: PlanStep = { kind: "blur", sigma: 1.1, kernelSize: 9 };
    const together = await renderPlan(raw, plan(raw, crop, { kind: "flip" }, blur));
    const first = await renderPlan(raw, plan(raw, crop, { kind: "flip" }));
    const bytes: RawImage = { data: Uint8Array.from(first.data, (v) => Math.round(v * 255)), height: 12, width: 10, channels: 3 };
    const apart = await renderPlan(bytes, plan(bytes, blur));
    expect(maxAbsDifference(together.data, apart.data)).toBeLessThanOrEqual(1 / 255 + 1e-6);
  });

  it("resizes a box to the view's size, keeping a constant image constant", async () => {
    const flat: RawImage = { data: new Uint8Array(20 * 30 * 3).fill(128), height: 20, width: 30, channels: 3 };
    const view = await renderPlan(flat, plan(flat, { kind: "crop", box: { top: 1, left: 3, height: 13, width: 21 }, height: 8, width: 7 }));
    expect([view.height, view.width, view.data.length]).toEqual([8, 7, 8 * 7 * 3]);
    expect(view.data.every((v) => Math.abs(v - 128 / 255) < 1e-6)).toBe(true);
  });

  it("blurs as a normalised Gaussian of the drawn σ (interior pixels, bytes and floats)", async () => {
    const raw = randomRaw(24, 24, 4, 1);
    for (const [sigma, afterColour] of [[1.3, false], [0.8, true], [0.2, false]] as const) {
      const steps: PlanStep[] = afterColour ? [{ kind: "color", program: [{ code: "brightness", factor: 1 }] }] : [];
      const view = await renderPlan(raw, plan(raw, ...steps, { kind: "blur", sigma, kernelSize: 23 }));
      const radius = Math.ceil(4 * sigma);
      const weights = Array.from({ length: 2 * radius + 1 }, (_, k) => Math.exp(-((k - radius) ** 2) / (2 * sigma * sigma)));
      const total = weights.reduce((a, b) => a + b, 0);
      let worst = 0;
      for (let y = 8; y < 16; y++) {
        for (let x = 8; x < 16; x++) {
          let sum = 0;
          for (let dy = -radius; dy <= radius; dy++) for (let dx = -radius; dx <= radius; dx++) sum += weights[dy + radius]! * weights[dx + radius]! * at(raw, y + dy, x + dx, 0);
          worst = Math.max(worst, Math.abs(view.data[y * 24 + x]! - sum / (total * total)));
        }
      }
      expect(worst, `σ ${sigma}`).toBeLessThan(3 / 255); // libvips rounds its integer kernel and the bytes
    }
  });

  it("rotates counter-clockwise about the centre, same size, corners black", async () => {
    const raw = randomRaw(9, 9, 5);
    const quarter = await renderPlan(raw, plan(raw, { kind: "rotate", degrees: 90 }));
    for (let y = 0; y < 9; y++) for (let x = 0; x < 9; x++) expect(quarter.data[(y * 9 + x) * 3]).toBeCloseTo(at(raw, x, 8 - y, 0), 2);
    const flat: RawImage = { data: new Uint8Array(21 * 21 * 3).fill(200), height: 21, width: 21, channels: 3 };
    const turned = await renderPlan(flat, plan(flat, { kind: "rotate", degrees: 45 }));
    expect([turned.height, turned.width]).toEqual([21, 21]);
    expect(turned.data[0]).toBe(0);
    expect(turned.data[(10 * 21 + 10) * 3]).toBeCloseTo(200 / 255, 2);
  });

  it("refuses a geometric step after normalize (put normalize last)", async () => {
    const raw = randomRaw(4, 4, 6);
    const steps: PlanStep[] = [{ kind: "color", program: [{ code: "normalize", mean: [0, 0, 0], std: [1, 1, 1] }] }, { kind: "flip" }];
    await expect(renderPlan(raw, plan(raw, ...steps))).rejects.toThrow(/image\.renderPlan: plan\.steps\[1\] must be geometric steps .* before normalize/);
  });
});
