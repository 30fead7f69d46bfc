import { createRng } from "@contrastive/core";
import { TEST_BACKENDS, maxAbsDifference, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { multiView } from "./multi-view.js";
import { simclrMnistAugment } from "./simclr-mnist-augment.js";
import { expectNoLeaks, randomImages, take } from "./test-helpers.js";

describe.each(TEST_BACKENDS)("multiView on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("returns count views of the batch's shape, different from each other", async () => {
    await expectNoLeaks(() => {
      const images = randomImages([8, 28, 28, 1], 1);
      const views = multiView(3, simclrMnistAugment()).apply(images, createRng(2));
      expect(views).toHaveLength(3);
      for (const view of views) expect(view.shape).toEqual([8, 28, 28, 1]);
      const values = views.map(take);
      expect(maxAbsDifference(values[0]!, values[1]!)).toBeGreaterThan(0.05);
      expect(maxAbsDifference(values[1]!, values[2]!)).toBeGreaterThan(0.05);
      images.dispose();
    });
  });

  it("is repeatable per seed, view k does not depend on count, and successive calls give new views", async () => {
    await expectNoLeaks(() => {
      const images = randomImages([4, 28, 28, 1], 3);
      const recipe = simclrMnistAugment();
      const two = multiView(2, recipe).apply(images, createRng(9)).map(take);
      expect(multiView(2, recipe).apply(images, createRng(9)).map(take)).toEqual(two);
      const three = multiView(3, recipe).apply(images, createRng(9)).map(take);
      expect(three.slice(0, 2)).toEqual(two);
      const other = multiView(2, recipe).apply(images, createRng(10)).map(take);
      expect(maxAbsDifference(other[0]!, two[0]!)).toBeGreaterThan(0.05);
      const rng = createRng(9);
      const firstCall = multiView(2, recipe).apply(images, rng).map(take);
      const secondCall = multiView(2, recipe).apply(images, rng).map(take);
      expect(firstCall).toEqual(two);
      expect(maxAbsDifference(secondCall[0]!, firstCall[0]!)).toBeGreaterThan(0.05);
      images.dispose();
    });
  });

  it("rejects a count that is not an integer ≥ 1", () => {
    expect(() => multiView(0, simclrMnistAugment())).toThrow(/multiView: count must be an integer ≥ 1; got 0/);
    expect(() => multiView(1.5, simclrMnistAugment())).toThrow(/count/);
  });
});
