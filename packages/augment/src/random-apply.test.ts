import * as tf from "@tensorflow/tfjs-core";
import type { Augmentation } from "@contrastive/core";
import { ContrastiveError, createRng } from "@contrastive/core";
import { TEST_BACKENDS, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { brightnessContrast } from "./brightness-contrast.js";
import { randomApply } from "./random-apply.js";
import { randomResizedCrop } from "./random-resized-crop.js";
import { expectNoLeaks, randomImages, take } from "./test-helpers.js";

/** Sets every pixel to 1 and draws nothing: makes the applied images easy to count. */
const fillOnes: Augmentation = { name: "fillOnes", apply: (images) => tf.onesLike(images) };

describe.each(TEST_BACKENDS)("randomApply on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("applies to a fraction ≈ p of 4,000 images, exactly those with u_i < p", async () => {
    await expectNoLeaks(() => {
      const images = tf.zeros([4000, 1, 1, 1]) as tf.Tensor4D;
      for (const probability of [0.3, 0.8]) {
        const out = take(randomApply(probability, fillOnes).apply(images, createRng(13)));
        const fraction = out.reduce((a, b) => a + b, 0) / 4000;
        const sd = Math.sqrt((probability * (1 - probability)) / 4000);
        expect(Math.abs(fraction - probability)).toBeLessThan(4 * sd);
        const rng = createRng(13);
        expect(Array.from(out)).toEqual(Array.from({ length: 4000 }, () => (rng.next() < probability ? 1 : 0)));
      }
      images.dispose();
    });
  });

  it("never applies at p = 0 and always at p = 1; the inner augmentation draws after the mask", async () => {
    await expectNoLeaks(() => {
      const images = randomImages([5, 6, 6, 1], 1);
      const jitter = brightnessContrast();
      expect(take(randomApply(0, jitter).apply(images, createRng(2)))).toEqual(images.dataSync());
      const always = take(randomApply(1, jitter).apply(images, createRng(2)));
      const rng = createRng(2);
      for (let i = 0; i < 5; i++) rng.next();
      expect(always).toEqual(take(jitter.apply(images, rng)));
      images.dispose();
    });
  });

  it("is repeatable for a seed and differs across seeds", async () => {
    await expectNoLeaks(() => {
      const images = randomImages([32, 4, 4, 1], 3);
      const maybe = randomApply(0.5, brightnessContrast());
      const a = take(maybe.apply(images, createRng(4)));
      expect(take(maybe.apply(images, createRng(4)))).toEqual(a);
      expect(take(maybe.apply(images, createRng(5)))).not.toEqual(a);
      images.dispose();
    });
  });

  it("rejects probabilities outside [0, 1], non-augmentations and shape-changing augmentations", async () => {
    await expectNoLeaks(() => {
      for (const probability of [-0.1, 1.5, Number.NaN]) {
        expect(() => randomApply(probability, fillOnes)).toThrow(/randomApply: probability must be a finite number ≥ 0 and ≤ 1/);
      }
      expect(() => randomApply(0.5, {} as Augmentation)).toThrow(ContrastiveError);
      const images = randomImages([2, 8, 8, 1], 1);
      expect(() => randomApply(0.5, randomResizedCrop({ size: [4, 4] })).apply(images, createRng(0))).toThrow(/keeps the shape of its input/);
      images.dispose();
    });
  });
});
