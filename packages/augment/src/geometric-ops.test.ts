import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, createRng } from "@contrastive/core";
import { TEST_BACKENDS, maxAbsDifference, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { gaussianBlur, gaussianKernel } from "./gaussian-blur.js";
import { grayscale } from "./grayscale.js";
import { horizontalFlip } from "./horizontal-flip.js";
import { normalize } from "./normalize.js";
import { rotation } from "./rotation.js";
import { solarize } from "./solarize.js";
import { expectNoLeaks, randomValues, take } from "./test-helpers.js";

/** Reflect-padded separable blur of image n with σ, by loops (torchvision's `gaussian_blur`). */
function blurReference(values: Float32Array, [count, height, width, channels]: number[], sigmas: number[], kernelSize: number): Float64Array {
  const out = new Float64Array(values.length);
  const half = (kernelSize - 1) / 2;
  const reflect = (i: number, size: number) => (i < 0 ? -i : i >= size ? 2 * (size - 1) - i : i);
  for (let n = 0; n < count!; n++) {
    const kernel = gaussianKernel(kernelSize, sigmas[n]!);
    for (let y = 0; y < height!; y++) for (let x = 0; x < width!; x++) for (let c = 0; c < channels!; c++) {
      let sum = 0;
      for (let dy = -half; dy <= half; dy++) for (let dx = -half; dx <= half; dx++) {
        sum += kernel[dy + half]! * kernel[dx + half]! * values[((n * height! + reflect(y + dy, height!)) * width! + reflect(x + dx, width!)) * channels! + c]!;
      }
      out[((n * height! + y) * width! + x) * channels! + c] = sum;
    }
  }
  return out;
}

describe.each(TEST_BACKENDS)("geometric and pixel augmentations on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("horizontalFlip mirrors exactly the images whose draw is below p", async () => {
    await expectNoLeaks(() => {
      const shape: [number, number, number, number] = [16, 2, 3, 2];
      const values = randomValues(shape, 1);
      const images = tf.tensor4d(values, shape);
      const out = take(horizontalFlip().apply(images, createRng(2)));
      const rng = createRng(2);
      let flipped = 0;
      for (let n = 0; n < 16; n++) {
        const flip = rng.next() < 0.5;
        flipped += flip ? 1 : 0;
        for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) for (let c = 0; c < 2; c++) {
          expect(out[((n * 2 + y) * 3 + x) * 2 + c]).toBe(values[((n * 2 + y) * 3 + (flip ? 2 - x : x)) * 2 + c]);
        }
      }
      expect(flipped).toBeGreaterThan(0);
      expect(flipped).toBeLessThan(16);
      images.dispose();
    });
  });

  it("gaussianBlur equals torchvision's reflect-padded blur with each image's σ", async () => {
    await expectNoLeaks(() => {
      const shape: [number, number, number, number] = [3, 9, 8, 2];
      const values = randomValues(shape, 3);
      const images = tf.tensor4d(values, shape);
      const out = take(gaussianBlur({ kernelSize: 7, sigma: [0.3, 2] }).apply(images, createRng(4)));
      const rng = createRng(4);
      const sigmas = [0, 1, 2].map(() => rng.uniform(0.3, 2));
      expect(maxAbsDifference(out, blurReference(values, shape, sigmas, 7))).toBeLessThan(1e-5);
      expect(() => gaussianBlur({ kernelSize: 23 }).apply(images, createRng(0))).toThrow(ContrastiveError);
      images.dispose();
    });
  });

  it("rotation turns counter-clockwise about the centre (90° exact), filling with 0", async () => {
    await expectNoLeaks(() => {
      const shape: [number, number, number, number] = [2, 5, 5, 1];
      const values = randomValues(shape, 5);
      const images = tf.tensor4d(values, shape);
      const out = take(rotation({ degrees: [90, 90] }).apply(images, createRng(0)));
      for (let n = 0; n < 2; n++) for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) {
        expect(out[(n * 5 + y) * 5 + x]).toBeCloseTo(values[(n * 5 + x) * 5 + (4 - y)]!, 5);
      }
      const ones = tf.ones([1, 9, 9, 1]) as tf.Tensor4D;
      const turned = take(rotation({ degrees: [45, 45] }).apply(ones, createRng(0)));
      expect([turned[0], turned[40]]).toEqual([0, 1]);
      tf.dispose([images, ones]);
    });
  });

  it("grayscale, solarize, normalize: formulas, and normalize checks the channel count", async () => {
    await expectNoLeaks(() => {
      const values = randomValues([2, 2, 2, 3], 6);
      const images = tf.tensor4d(values, [2, 2, 2, 3]);
      const grey = take(grayscale().apply(images, createRng(0)));
      expect(grey[1]).toBeCloseTo(0.2989 * values[0]! + 0.587 * values[1]! + 0.114 * values[2]!, 6);
      const solar = take(solarize({ threshold: 0.3 }).apply(images, createRng(0)));
      expect(Array.from(solar)).toEqual(Array.from(values, (v) => Math.fround(v >= 0.3 ? 1 - v : v)));
      const normal = take(normalize({ mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.5] }).apply(images, createRng(0)));
      expect(normal[5]).toBeCloseTo((values[5]! - 0.3) / 0.5, 5);
      expect(() => normalize({ mean: [0.5], std: [0.2] }).apply(images, createRng(0))).toThrow(/normalize: mean must be one value per channel/);
      images.dispose();
    });
  });
});
