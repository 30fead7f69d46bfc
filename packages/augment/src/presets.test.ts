import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "@contrastive/core";
import { TEST_BACKENDS, maxAbsDifference, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { byolAugment } from "./byol-augment.js";
import { multiView } from "./multi-view.js";
import { simclrAugment } from "./simclr-augment.js";
import { expectNoLeaks, extent, randomImages, take } from "./test-helpers.js";

describe.each(TEST_BACKENDS)("simclrAugment and byolAugment on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("simclrAugment gives [N, size, C] views in [0, 1], repeatable per seed, new per call", async () => {
    await expectNoLeaks(() => {
      const images = randomImages([6, 48, 40, 3], 1);
      const two = multiView(2, simclrAugment({ size: [36, 36] })); // > 32: blur on, kernel 3
      const [a, b] = two.apply(images, createRng(3));
      expect([a!.shape, b!.shape]).toEqual([[6, 36, 36, 3], [6, 36, 36, 3]]);
      const first = take(a!), second = take(b!);
      expect(extent(first)[0]).toBeGreaterThanOrEqual(0);
      expect(extent(first)[1]).toBeLessThanOrEqual(1);
      expect(maxAbsDifference(first, second)).toBeGreaterThan(0.1);
      const again = two.apply(images, createRng(3)).map(take);
      expect(again).toEqual([first, second]);
      images.dispose();
    });
  });

  it("byolAugment gives two normalised views and the same values on cpu and wasm", async () => {
    const images = randomImages([4, 40, 40, 3], 2);
    const recipe = byolAugment({ size: [34, 34], normalize: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } });
    await useBackend("cpu");
    const onCpu = recipe.apply(images, createRng(9)).map(take);
    await useBackend("wasm");
    const onWasm = recipe.apply(images, createRng(9)).map(take);
    await useBackend(backend);
    expect(onCpu).toHaveLength(2);
    expect(onCpu[0]).toHaveLength(4 * 34 * 34 * 3);
    expect(extent(onCpu[0]!)[0]).toBeGreaterThanOrEqual(-1);
    expect(maxAbsDifference(onCpu[0]!, onWasm[0]!)).toBeLessThan(1e-4);
    expect(maxAbsDifference(onCpu[1]!, onWasm[1]!)).toBeLessThan(1e-4);
    tf.dispose(images);
  });
});
