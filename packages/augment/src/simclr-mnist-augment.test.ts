import { createRng } from "@contrastive/core";
import { TEST_BACKENDS, maxAbsDifference, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { brightnessContrast } from "./brightness-contrast.js";
import { compose } from "./compose.js";
import { randomApply } from "./random-apply.js";
import { randomResizedCrop } from "./random-resized-crop.js";
import { simclrMnistAugment } from "./simclr-mnist-augment.js";
import { expectNoLeaks, randomImages, take, extent } from "./test-helpers.js";

describe.each(TEST_BACKENDS)("simclrMnistAugment on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("is the demo's recipe: crop (scale 0.4–1, ratio 3/4–4/3), then brightness/contrast 0.4 with p 0.8", async () => {
    await expectNoLeaks(() => {
      const images = randomImages([16, 28, 28, 1], 4);
      const out = simclrMnistAugment().apply(images, createRng(12));
      expect(out.shape).toEqual([16, 28, 28, 1]);
      const values = take(out);
      const parts = compose([
        randomResizedCrop({ size: [28, 28], scale: [0.4, 1], ratio: [3 / 4, 4 / 3] }),
        randomApply(0.8, brightnessContrast({ brightness: 0.4, contrast: 0.4 })),
      ]);
      expect(take(parts.apply(images, createRng(12)))).toEqual(values);
      expect(extent(values)[0]).toBeGreaterThanOrEqual(0);
      expect(extent(values)[1]).toBeLessThanOrEqual(1);
      images.dispose();
    });
  });

  it("resizes to the size asked for", async () => {
    await expectNoLeaks(() => {
      const images = randomImages([2, 28, 28, 1], 5);
      const out = simclrMnistAugment({ size: [32, 24] }).apply(images, createRng(1));
      expect(out.shape).toEqual([2, 32, 24, 1]);
      out.dispose();
      images.dispose();
    });
  });

  it("gives the same views on cpu and wasm for one seed", async () => {
    const images = randomImages([16, 28, 28, 1], 6);
    await useBackend("cpu");
    const onCpu = take(simclrMnistAugment().apply(images, createRng(40)));
    await useBackend("wasm");
    const onWasm = take(simclrMnistAugment().apply(images, createRng(40)));
    await useBackend(backend);
    expect(maxAbsDifference(onCpu, onWasm)).toBeLessThan(1e-5);
    images.dispose();
  });
});
