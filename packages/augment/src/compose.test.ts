import { ContrastiveError, createRng } from "@contrastive/core";
import { TEST_BACKENDS, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { brightnessContrast } from "./brightness-contrast.js";
import { compose } from "./compose.js";
import { randomResizedCrop } from "./random-resized-crop.js";
import { expectNoLeaks, randomImages, take } from "./test-helpers.js";

describe.each(TEST_BACKENDS)("compose on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("applies the steps in order, drawing from one rng, and frees the intermediate batches", async () => {
    await expectNoLeaks(() => {
      const images = randomImages([3, 10, 10, 1], 6);
      const crop = randomResizedCrop({ size: [6, 6] });
      const jitter = brightnessContrast();
      const both = compose([crop, jitter]);
      expect(both.name).toBe("compose(randomResizedCrop, brightnessContrast)");
      const out = both.apply(images, createRng(8));
      expect(out.shape).toEqual([3, 6, 6, 1]);
      const rng = createRng(8);
      const cropped = crop.apply(images, rng);
      expect(take(out)).toEqual(take(jitter.apply(cropped, rng)));
      cropped.dispose();
      images.dispose();
    });
  });

  it("rejects an empty list and entries that are not augmentations", () => {
    expect(() => compose([])).toThrow(/compose: augmentations must be a non-empty array/);
    expect(() => compose([brightnessContrast(), "crop" as never])).toThrow(ContrastiveError);
    try {
      compose([brightnessContrast(), "crop" as never]);
    } catch (error) {
      expect((error as ContrastiveError).argument).toBe("augmentations[1]");
    }
  });
});
