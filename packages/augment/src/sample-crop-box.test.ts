import { createRng, ContrastiveError } from "@contrastive/core";
import { describe, expect, it } from "vitest";
import { roundHalfToEven, sampleCropBox, type CropBox } from "./sample-crop-box.js";

function draws(count: number, height: number, width: number, scale: [number, number], ratio: [number, number], seed = 1): CropBox[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => sampleCropBox(rng, height, width, scale, ratio));
}

/** Counts per bin of values in [low, high) split into `bins` equal bins. */
function histogram(values: number[], low: number, high: number, bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor(((v - low) / (high - low)) * bins))]! += 1;
  return counts;
}

describe("roundHalfToEven", () => {
  it("rounds like Python's round", () => {
    expect([0.5, 1.5, 2.5, 3.49, 3.51, -0.5, -1.5, 7].map(roundHalfToEven)).toEqual([0, 2, 2, 3, 4, 0, -2, 7]);
  });
});

describe("sampleCropBox", () => {
  it("keeps every box inside the image, for the demo's options on 28×28", () => {
    const bad = draws(10_000, 28, 28, [0.4, 1], [3 / 4, 4 / 3]).filter((box) => {
      const inside = box.height >= 1 && box.width >= 1 && box.top >= 0 && box.left >= 0 &&
        box.top + box.height <= 28 && box.left + box.width <= 28;
      // Whole-pixel sides: the area is within rounding of [0.4, 1] of the image and the ratio of [3/4, 4/3].
      const area = (box.height * box.width) / 784;
      const ratio = box.width / box.height;
      return !(inside && area > 0.4 * 0.85 && area <= 1 && ratio > (3 / 4) * 0.9 && ratio < 4 / 3 / 0.9);
    });
    expect(bad).toEqual([]);
  });

  it("draws the area uniformly in scale, the log-ratio uniformly in ratio, and the position uniformly (10,000 draws)", () => {
    // On 1000×1000 with scale·ratio < 1 no try is rejected and rounding is negligible.
    const boxes = draws(10_000, 1000, 1000, [0.08, 0.5], [3 / 4, 4 / 3], 5);
    const areas = boxes.map((b) => (b.width * b.height) / 1e6);
    const logRatios = boxes.map((b) => Math.log(b.width / b.height));
    const tops = boxes.map((b) => b.top / (1000 - b.height + 1));
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    // Means: U(0.08, 0.5) has mean 0.29, sd 0.121 → the mean of 10,000 has sd 0.0012.
    expect(mean(areas)).toBeCloseTo(0.29, 2);
    expect(Math.abs(mean(logRatios))).toBeLessThan(0.005); // sd of the mean 0.0008
    expect(Math.abs(mean(tops) - 0.5)).toBeLessThan(0.01); // sd of the mean 0.003
    // Histograms: 10 bins of 1,000 expected each (sd ≈ 30); allow 5 sd.
    for (const counts of [histogram(areas, 0.08, 0.5, 10), histogram(logRatios, Math.log(3 / 4), Math.log(4 / 3), 10), histogram(tops, 0, 1, 10)]) {
      for (const count of counts) expect(Math.abs(count - 1000)).toBeLessThan(150);
    }
    expect(Math.min(...areas)).toBeGreaterThan(0.079);
    expect(Math.max(...areas)).toBeLessThan(0.501);
  });

  it("retries up to 10 times: the central-crop fallback happens at the rate (1 − P(accept))^10", () => {
    // On 1000×1000 (rounding negligible) a try with s ~ U(0.6, 0.9), log r ~ U(0, log 2) fits iff s·r ≤ 1.
    const [low, high] = [0.6, 0.9];
    let accept = 0;
    const steps = 10_000;
    for (let i = 0; i < steps; i++) {
      const r = Math.exp(((i + 0.5) / steps) * Math.log(2));
      accept += Math.min(1, Math.max(0, (1 / r - low) / (high - low))) / steps;
    }
    const expected = (1 - accept) ** 10;
    const count = 100_000;
    const boxes = draws(count, 1000, 1000, [low, high], [1, 2], 9);
    expect(boxes.every((b) => b.left + b.width <= 1000 && b.top + b.height <= 1000)).toBe(true);
    // Accepted boxes cover at most 90% of the image; the fallback (input ratio 1 is in [1, 2]) is the whole image.
    const fallbacks = boxes.filter((b) => b.width === 1000 && b.height === 1000).length / count;
    const sd = Math.sqrt((expected * (1 - expected)) / count);
    expect(expected).toBeGreaterThan(0.002);
    expect(Math.abs(fallbacks - expected)).toBeLessThan(5 * sd);
    expect(boxes.every((b) => (b.width === 1000 && b.height === 1000) || b.width * b.height <= 0.9 * 1e6 * 1.01)).toBe(true);
  });

  it("falls back to torchvision's central crop after 10 failed tries, having drawn 20 numbers", () => {
    // Every try needs w = √(s·A·r) ≥ √(0.9·2) · 30 > 30: all fail. Input ratio 1 < 2 → w = 30, h = round(30 / 2) = 15.
    const rng = createRng(3);
    const box = sampleCropBox(rng, 30, 30, [0.9, 1], [2, 3]);
    expect(box).toEqual({ top: 7, left: 0, height: 15, width: 30 });
    const twin = createRng(3);
    for (let i = 0; i < 20; i++) twin.next();
    expect(rng.next()).toBe(twin.next());
    // Ratio range below the image's ratio: h = height, w = round(h · max ratio).
    expect(sampleCropBox(createRng(3), 10, 40, [0.99, 1], [0.1, 0.2])).toEqual({ top: 0, left: 19, height: 10, width: 2 });
  });

  it("is a pure function of the rng: same seed, same boxes; other seed, other boxes", () => {
    const a = draws(50, 28, 28, [0.4, 1], [3 / 4, 4 / 3], 11);
    expect(draws(50, 28, 28, [0.4, 1], [3 / 4, 4 / 3], 11)).toEqual(a);
    expect(draws(50, 28, 28, [0.4, 1], [3 / 4, 4 / 3], 12)).not.toEqual(a);
  });

  it("rejects sizes, scales and ratios out of range with a ContrastiveError naming the argument", () => {
    const rng = createRng(0);
    const cases: [() => unknown, string][] = [
      [() => sampleCropBox(rng, 0, 28, [0.4, 1], [1, 1]), "height"],
      [() => sampleCropBox(rng, 28, 2.5, [0.4, 1], [1, 1]), "width"],
      [() => sampleCropBox(rng, 28, 28, [0, 1], [1, 1]), "scale"],
      [() => sampleCropBox(rng, 28, 28, [0.5, 1.2], [1, 1]), "scale"],
      [() => sampleCropBox(rng, 28, 28, [0.8, 0.5], [1, 1]), "scale"],
      [() => sampleCropBox(rng, 28, 28, [0.4, 1], [0, 1]), "ratio"],
      [() => sampleCropBox(rng, 28, 28, [0.4, 1], [2, 1]), "ratio"],
    ];
    for (const [call, argument] of cases) {
      try {
        call();
        expect.unreachable(`no error for ${argument}`);
      } catch (error) {
        expect(ContrastiveError.isInstance(error)).toBe(true);
        expect((error as ContrastiveError).argument).toBe(argument);
        expect((error as ContrastiveError).component).toBe("sampleCropBox");
      }
    }
  });
});
