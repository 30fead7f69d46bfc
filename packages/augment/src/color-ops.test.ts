import * as tf from "@tensorflow/tfjs-core";
import { TEST_BACKENDS, maxAbsDifference, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { colorReferenceBatch } from "./color-reference.js";
import { adjustBrightness, adjustContrast, adjustHue, adjustSaturation, solarizeImages, toGrayscale } from "./color-ops.js";
import { expectNoLeaks, randomValues, take } from "./test-helpers.js";

const shape: [number, number, number, number] = [3, 4, 5, 3];
const factors = {
  brightness: [0.4, 1, 1.7],
  contrast: [0.2, 1.9, 1],
  saturation: [0, 1.8, 0.5],
  hue: [0.2, -0.45, 0.5],
} as const;

describe.each(TEST_BACKENDS)("colour ops on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it.each([
    ["brightness", adjustBrightness],
    ["contrast", adjustContrast],
    ["saturation", adjustSaturation],
    ["hue", adjustHue],
  ] as const)("%s with per-image factors equals the per-pixel reference formula", async (code, op) => {
    await expectNoLeaks(() => {
      const values = randomValues(shape, 21);
      values.set([0.5, 0.5, 0.5, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0], 0); // grey, primaries, yellow
      const images = tf.tensor4d(values, shape);
      const out = take(op(images, factors[code]));
      const expected = colorReferenceBatch(values, 3, 3, (i) => [{ code, factor: factors[code][i]! }]);
      expect(maxAbsDifference(out, expected)).toBeLessThan(2e-5);
      images.dispose();
    });
  });

  it("grayscale and solarize equal their formulas; grey batches pass saturation, hue, grayscale unchanged", async () => {
    await expectNoLeaks(() => {
      const values = randomValues(shape, 22);
      const images = tf.tensor4d(values, shape);
      expect(maxAbsDifference(take(toGrayscale(images)), colorReferenceBatch(values, 3, 3, () => [{ code: "grayscale" }]))).toBeLessThan(1e-6);
      expect(maxAbsDifference(take(solarizeImages(images, 0.6)), colorReferenceBatch(values, 3, 3, () => [{ code: "solarize", threshold: 0.6 }]))).toBeLessThan(1e-6);
      const grey = tf.tensor4d(values.subarray(0, 20), [1, 4, 5, 1]);
      for (const out of [adjustHue(grey, [0.3]), adjustSaturation(grey, [0]), toGrayscale(grey)]) expect(take(out)).toEqual(values.subarray(0, 20));
      tf.dispose([images, grey]);
    });
  });
});
