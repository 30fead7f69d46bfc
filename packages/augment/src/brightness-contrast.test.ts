import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, createRng } from "@contrastive/core";
import { TEST_BACKENDS, maxAbsDifference, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { adjustBrightnessContrast, brightnessContrast } from "./brightness-contrast.js";
import { expectNoLeaks, randomValues, take, extent } from "./test-helpers.js";

/** The reference formula, pixel by pixel in float64: clip((x·b − m·b)·c + m·b, 0, 1), m the image mean. */
function reference(values: Float32Array, count: number, brightness: ArrayLike<number>, contrast: ArrayLike<number>): Float64Array {
  const per = values.length / count;
  const out = new Float64Array(values.length);
  for (let i = 0; i < count; i++) {
    let mean = 0;
    for (let p = 0; p < per; p++) mean += values[i * per + p] as number;
    mean /= per;
    const b = brightness[i] as number, c = contrast[i] as number;
    for (let p = 0; p < per; p++) {
      const x = values[i * per + p] as number;
      out[i * per + p] = Math.min(1, Math.max(0, (x * b - mean * b) * c + mean * b));
    }
  }
  return out;
}

describe.each(TEST_BACKENDS)("brightnessContrast on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("equals the per-pixel reference formula for chosen factors, clipping included", async () => {
    await expectNoLeaks(() => {
      const shape: [number, number, number, number] = [4, 3, 5, 2];
      const values = randomValues(shape, 8);
      const brightness = Float32Array.from([0.6, 1, 1.4, 1.3]);
      const contrast = Float32Array.from([1.4, 0.6, 1, 1.35]);
      const images = tf.tensor4d(values, shape);
      const out = take(adjustBrightnessContrast(images, brightness, contrast));
      expect(maxAbsDifference(out, reference(values, 4, brightness, contrast))).toBeLessThan(1e-6);
      expect(out.some((v) => v === 1)).toBe(true); // image 2 (b 1.4) clips at 1
      images.dispose();
    });
  });

  it("draws b then c per image from U(1 ± brightness), U(1 ± contrast) and is repeatable", async () => {
    await expectNoLeaks(() => {
      const shape: [number, number, number, number] = [6, 4, 4, 1];
      const values = randomValues(shape, 9);
      const images = tf.tensor4d(values, shape);
      const jitter = brightnessContrast({ brightness: 0.4, contrast: 0.2 });
      const out = take(jitter.apply(images, createRng(31)));
      const rng = createRng(31);
      const b: number[] = [], c: number[] = [];
      for (let i = 0; i < 6; i++) {
        b.push(Math.fround(rng.uniform(0.6, 1.4)));
        c.push(Math.fround(rng.uniform(0.8, 1.2)));
      }
      expect(maxAbsDifference(out, reference(values, 6, b, c))).toBeLessThan(1e-6);
      expect(take(jitter.apply(images, createRng(31)))).toEqual(out);
      expect(maxAbsDifference(take(jitter.apply(images, createRng(32))), out)).toBeGreaterThan(0.01);
      expect(extent(out)[0]).toBeGreaterThanOrEqual(0);
      expect(extent(out)[1]).toBeLessThanOrEqual(1);
      images.dispose();
    });
  });

  it("is the identity with brightness 0 and contrast 0", async () => {
    await expectNoLeaks(() => {
      const shape: [number, number, number, number] = [3, 5, 5, 3];
      const images = tf.tensor4d(randomValues(shape, 10), shape);
      const out = take(brightnessContrast({ brightness: 0, contrast: 0 }).apply(images, createRng(1)));
      expect(maxAbsDifference(out, images.dataSync())).toBeLessThan(1e-6);
      images.dispose();
    });
  });

  it("rejects negative or non-finite strengths and bad images", async () => {
    await expectNoLeaks(() => {
      expect(() => brightnessContrast({ brightness: -0.1 })).toThrow(/brightnessContrast: brightness must be a finite number ≥ 0/);
      expect(() => brightnessContrast({ contrast: Number.NaN })).toThrow(ContrastiveError);
      const flat = tf.zeros([4, 784]);
      expect(() => brightnessContrast().apply(flat as unknown as tf.Tensor4D, createRng(0))).toThrow(/images must be a float32 tensor of shape \[N, H, W, C\]/);
      flat.dispose();
    });
  });
});
