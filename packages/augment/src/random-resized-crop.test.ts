import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, createRng } from "@contrastive/core";
import { TEST_BACKENDS, maxAbsDifference, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { cropBoxToUnitBox, randomResizedCrop } from "./random-resized-crop.js";
import { drawCropBox, type CropBox } from "./sample-crop-box.js";
import { expectNoLeaks, randomImages, randomValues, take, extent } from "./test-helpers.js";

/** Plain-loop bilinear resize of `box` of a [H, W, C] image with half-pixel centres (no clamping needed for interior boxes). */
function referenceResize(image: Float32Array, [height, width, channels]: number[], box: CropBox, [outH, outW]: number[]): Float32Array {
  const out = new Float32Array(outH * outW * channels);
  const at = (y: number, x: number, c: number) => image[(y * width + x) * channels + c] as number;
  for (let i = 0; i < outH; i++) {
    const y = box.top + ((i + 0.5) * box.height) / outH - 0.5;
    const y0 = Math.floor(y), y1 = Math.min(y0 + 1, height - 1), fy = y - y0;
    for (let j = 0; j < outW; j++) {
      const x = box.left + ((j + 0.5) * box.width) / outW - 0.5;
      const x0 = Math.floor(x), x1 = Math.min(x0 + 1, width - 1), fx = x - x0;
      for (let c = 0; c < channels; c++) {
        const top = at(y0, x0, c) * (1 - fx) + at(y0, x1, c) * fx;
        const bottom = at(y1, x0, c) * (1 - fx) + at(y1, x1, c) * fx;
        out[(i * outW + j) * channels + c] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return out;
}

function cropOne(image: tf.Tensor4D, box: CropBox, size: [number, number]): Float32Array {
  const [, height, width] = image.shape;
  return take(tf.tidy(() => tf.image.cropAndResize(image, tf.tensor2d([cropBoxToUnitBox(box, height, width, size)]), tf.tensor1d([0], "int32"), size)));
}

describe.each(TEST_BACKENDS)("randomResizedCrop on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("returns the image itself for a box covering it at its own size", async () => {
    await expectNoLeaks(() => {
      for (const [h, w] of [[6, 6], [5, 7], [28, 28]] as const) {
        const image = randomImages([2, h, w, 3], h * w);
        // scale [1, 1] with ratio exactly w / h gives the full box on the first try.
        const out = randomResizedCrop({ size: [h, w], scale: [1, 1], ratio: [w / h, w / h] }).apply(image, createRng(1));
        expect(maxAbsDifference(take(out), image.dataSync())).toBeLessThan(1e-6);
        image.dispose();
      }
    });
  });

  it("matches a plain bilinear resize with half-pixel centres (down- and up-sampling) and copies same-size boxes", async () => {
    await expectNoLeaks(() => {
      const shape = [10, 12, 2];
      const values = randomValues(shape, 4);
      const image = tf.tensor4d(values, [1, 10, 12, 2]);
      const cases: [CropBox, [number, number]][] = [
        [{ top: 2, left: 3, height: 4, width: 6 }, [8, 3]],
        [{ top: 1, left: 1, height: 8, width: 9 }, [5, 13]],
        [{ top: 3, left: 4, height: 3, width: 3 }, [1, 1]],
      ];
      for (const [box, size] of cases) {
        expect(maxAbsDifference(cropOne(image, box, size), referenceResize(values, shape, box, size))).toBeLessThan(1e-5);
      }
      const same = cropOne(image, { top: 1, left: 2, height: 5, width: 4 }, [5, 4]);
      const block = take(tf.tidy(() => tf.slice(image, [0, 1, 2, 0], [1, 5, 4, 2])));
      expect(maxAbsDifference(same, block)).toBeLessThan(1e-6);
      image.dispose();
    });
  });

  it("never samples outside the image: a constant image stays constant for 2,000 random boxes and sizes", async () => {
    await expectNoLeaks(() => {
      const rng = createRng(21);
      for (const [h, w] of [[28, 28], [7, 13], [31, 5]] as const) {
        const ones = tf.ones([40, h, w, 1]) as tf.Tensor4D;
        for (let trial = 0; trial < 17; trial++) {
          const size: [number, number] = [1 + rng.int(40), 1 + rng.int(40)];
          const out = take(randomResizedCrop({ size, scale: [0.05, 1], ratio: [0.5, 2] }).apply(ones, rng));
          expect(extent(out)[0]).toBeGreaterThan(1 - 1e-5);
          expect(extent(out)[1]).toBeLessThan(1 + 1e-5);
        }
        ones.dispose();
      }
    });
  });

  it("crops each image with its own box from the rng, in [0, 1], repeatably", async () => {
    await expectNoLeaks(() => {
      const images = randomImages([4, 16, 20, 3], 2);
      const crop = randomResizedCrop({ size: [8, 9], scale: [0.3, 1] });
      const first = crop.apply(images, createRng(5));
      expect(first.shape).toEqual([4, 8, 9, 3]);
      const values = take(first);
      expect(extent(values)[0]).toBeGreaterThanOrEqual(0);
      expect(extent(values)[1]).toBeLessThanOrEqual(1);
      expect(take(crop.apply(images, createRng(5)))).toEqual(values);
      expect(maxAbsDifference(take(crop.apply(images, createRng(6))), values)).toBeGreaterThan(0.05);
      // Image i is the cropAndResize of its box, boxes drawn in image order.
      const rng = createRng(5);
      const all = images.dataSync();
      for (let i = 0; i < 4; i++) {
        const box = drawCropBox(rng, 16, 20, [0.3, 1], [3 / 4, 4 / 3]);
        const one = tf.tensor4d(all.slice(i * 960, (i + 1) * 960), [1, 16, 20, 3]);
        expect(maxAbsDifference(cropOne(one, box, [8, 9]), values.slice(i * 216, (i + 1) * 216))).toBeLessThan(1e-6);
        one.dispose();
      }
      images.dispose();
    });
  });

  it("gives the same views on cpu and wasm for the same seed", async () => {
    const images = randomImages([8, 28, 28, 1], 3);
    const crop = randomResizedCrop({ size: [28, 28], scale: [0.4, 1] });
    await useBackend("cpu");
    const onCpu = take(crop.apply(images, createRng(77)));
    await useBackend("wasm");
    const onWasm = take(crop.apply(images, createRng(77)));
    await useBackend(backend);
    expect(maxAbsDifference(onCpu, onWasm)).toBeLessThan(1e-5);
    images.dispose();
  });

  it("rejects bad options and inputs with a ContrastiveError naming the argument", async () => {
    await expectNoLeaks(() => {
      const rank3 = tf.zeros([28, 28, 1]) as unknown as tf.Tensor4D;
      const ints = tf.zeros([1, 28, 28, 1], "int32") as tf.Tensor4D;
      const good = tf.zeros([1, 28, 28, 1]) as tf.Tensor4D;
      const crop = randomResizedCrop({ size: [28, 28] });
      const bad: [() => unknown, string][] = [
        [() => randomResizedCrop({ size: [0, 28] }), "size"],
        [() => randomResizedCrop({ size: [28] as unknown as [number, number] }), "size"],
        [() => randomResizedCrop({ size: [28, 28], scale: [0, 1] }), "scale"],
        [() => randomResizedCrop({ size: [28, 28], scale: [0.5, 1.5] }), "scale"],
        [() => randomResizedCrop({ size: [28, 28], ratio: [-1, 1] }), "ratio"],
        [() => crop.apply(rank3, createRng(0)), "images"],
        [() => crop.apply(ints, createRng(0)), "images"],
        [() => crop.apply(good, undefined as never), "rng"],
      ];
      for (const [call, argument] of bad) {
        const error = (() => { try { call(); } catch (e) { return e; } })();
        expect(ContrastiveError.isInstance(error), argument).toBe(true);
        expect((error as ContrastiveError).argument).toBe(argument);
      }
      tf.dispose([rank3, ints, good]);
    });
  });
});
