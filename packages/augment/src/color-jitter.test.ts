import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, createRng } from "@contrastive/core";
import { TEST_BACKENDS, maxAbsDifference, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { colorJitter } from "./color-jitter.js";
import { colorJitterRanges, drawColorJitter } from "./color-jitter-parameters.js";
import { colorReferenceBatch } from "./color-reference.js";
import type { ColorOperation } from "./image/color-program.js";
import { expectNoLeaks, randomValues, take, extent } from "./test-helpers.js";

const names = ["brightness", "contrast", "saturation", "hue"] as const;

describe.each(TEST_BACKENDS)("colorJitter on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it.each([
    ["all four", { brightness: 0.8, contrast: 0.8, saturation: 0.8, hue: 0.2 }],
    ["two", { contrast: 0.5, hue: 0.3 }],
  ] as const)("applies each image's own order and factors (%s), as torchvision per image", async (_, options) => {
    await expectNoLeaks(() => {
      const shape: [number, number, number, number] = [12, 3, 4, 3];
      const values = randomValues(shape, 30);
      const images = tf.tensor4d(values, shape);
      const out = take(colorJitter(options).apply(images, createRng(5)));
      const rng = createRng(5);
      const ranges = colorJitterRanges("test", options);
      const draws = Array.from({ length: 12 }, () => drawColorJitter(rng, ranges));
      const expected = colorReferenceBatch(values, 12, 3, (i) =>
        Array.from(draws[i]!.order).flatMap((k): ColorOperation[] => (draws[i]![names[k]!] === undefined ? [] : [{ code: names[k]!, factor: draws[i]![names[k]!]! }])),
      );
      expect(maxAbsDifference(out, expected)).toBeLessThan(5e-5);
      expect(new Set(draws.map((d) => d.order.join(""))).size).toBeGreaterThan(5); // the orders differ per image
      expect(extent(out)[0]).toBeGreaterThanOrEqual(0);
      expect(extent(out)[1]).toBeLessThanOrEqual(1);
      expect(take(colorJitter(options).apply(images, createRng(5)))).toEqual(out);
      images.dispose();
    });
  });

  it("is a copy with no strengths, and rejects hue above 0.5", async () => {
    await expectNoLeaks(() => {
      const images = tf.tensor4d(randomValues([2, 2, 2, 3], 1), [2, 2, 2, 3]);
      expect(take(colorJitter().apply(images, createRng(0)))).toEqual(images.dataSync());
      images.dispose();
    });
    expect(() => colorJitter({ hue: 0.6 })).toThrow(ContrastiveError);
    expect(() => colorJitter({ saturation: [1.5, 1] })).toThrow(/colorJitter: saturation must be a number ≥ 0 or a pair/);
  });
});
