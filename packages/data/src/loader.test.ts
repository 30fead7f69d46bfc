import * as tf from "@tensorflow/tfjs-core";
import type { Rng, Sampler } from "@contrastive/core";
import { ContrastiveError } from "@contrastive/core";
import { TEST_BACKENDS, countLeakedTensors, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { arrayDataset } from "./array-dataset.js";
import { loader, type ImagesAugmentation, type LoaderBatch, type TensorAugmentation } from "./loader.js";
import type { RawImage } from "./raw-image.js";

/** Batches [0, 1], [2, 3], … of a source of `size` examples. */
function pairs(size: number): Sampler {
  return {
    name: "pairs",
    batchesPerEpoch: () => Math.floor(size / 2),
    *batches() {
      for (let i = 0; i + 1 < size; i += 2) yield Int32Array.of(i, i + 1);
    },
  };
}

const source = arrayDataset({ images: Float32Array.from({ length: 8 * 4 }, (_, i) => i / 32), exampleShape: [2, 2, 1], labels: Int32Array.of(0, 1, 2, 3, 4, 5, 6, 7), name: "eight" });

/** A tensor augmentation of two views: x + u and x − u, u one draw per batch (so views show the rng). */
const shift: TensorAugmentation = {
  name: "shift",
  apply: (images: tf.Tensor4D, rng: Rng) => {
    const u = rng.next();
    return [tf.add(images, u), tf.sub(images, u)] as tf.Tensor4D[];
  },
};

async function drain(batches: AsyncIterable<LoaderBatch>): Promise<{ values: number[][]; labels: number[][] }> {
  const values: number[][] = [], labels: number[][] = [];
  for await (const batch of batches) {
    values.push(Array.from(batch.views[0]!.dataSync()));
    labels.push(Array.from(batch.labels!.dataSync()));
    tf.dispose([...batch.views, batch.labels!]);
  }
  return { values, labels };
}

describe.each(TEST_BACKENDS)("loader on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("yields every batch with its views and labels, the same for a seed whatever the prefetch", async () => {
    const { result, leaked } = await countLeakedTensors(async () => {
      const eager = await drain(loader({ source, sampler: pairs(8), augmentation: shift, seed: 4, prefetch: 3 }).epoch(0));
      const lazy = await drain(loader({ source, sampler: pairs(8), augmentation: shift, seed: 4, prefetch: 0 }).epoch(0));
      const other = await drain(loader({ source, sampler: pairs(8), augmentation: shift, seed: 4 }).epoch(1));
      return { eager, lazy, other };
    });
    expect(leaked).toBe(0);
    expect(result.eager.labels).toEqual([[0, 1], [2, 3], [4, 5], [6, 7]]);
    expect(result.lazy).toEqual(result.eager);
    expect(result.other.values).not.toEqual(result.eager.values);
  });

  it("prepares at most `prefetch` batches ahead, and disposes them when the consumer stops early", async () => {
    let started = 0;
    const counting = { ...source, read: (indices: Int32Array | number[]) => ((started += 1), source.read(indices)) };
    const { leaked } = await countLeakedTensors(async () => {
      const batches = loader({ source: counting, sampler: pairs(8), augmentation: shift, seed: 1, prefetch: 2 }).epoch(0);
      for await (const batch of batches) {
        await new Promise((resolve) => setTimeout(resolve, 5)); // the "training step"
        expect(started).toBe(3); // this batch and 2 ahead
        tf.dispose([...batch.views, batch.labels!]);
        break;
      }
    });
    expect(leaked).toBe(0);
  });

  it("runs an image augmentation on readImages (CIFAR-style source), disposing on a failure mid-epoch", async () => {
    const images: RawImage[] = [0, 1, 2, 3].map((k) => ({ data: new Uint8Array(2 * 2 * 3).fill(k * 60), height: 2, width: 2, channels: 3 }));
    const rawSource = { ...arrayDataset({ images: new Float32Array(4), exampleShape: [1], labels: Int32Array.of(5, 6, 7, 8) }), readImages: async (indices: Int32Array) => ({ images: Array.from(indices, (i) => images[i]!), indices }) };
    let calls = 0;
    const toTensor: ImagesAugmentation = {
      name: "bytes",
      input: "images",
      apply: async (batch) => {
        if (++calls === 2) throw new Error("augmentation failed");
        return [tf.tensor4d(Float32Array.from(batch.flatMap((b) => Array.from(b.data, (v) => v / 255))), [batch.length, 2, 2, 3])];
      },
    };
    const { leaked } = await countLeakedTensors(async () => {
      const seen: number[][] = [];
      const run = async () => {
        for await (const batch of loader({ source: rawSource, sampler: pairs(4), augmentation: toTensor, seed: 0 }).epoch(0)) {
          seen.push(Array.from(batch.labels!.dataSync()));
          tf.dispose([...batch.views, batch.labels!]);
        }
      };
      await expect(run()).rejects.toThrow("augmentation failed");
      expect(seen).toEqual([[5, 6]]);
    });
    expect(leaked).toBe(0);
    expect(() => loader({ source, sampler: pairs(8), augmentation: toTensor, seed: 0 })).toThrow(/loader: source must be a source of images/);
    expect(() => loader({ source, sampler: {} as never, seed: 0 })).toThrow(ContrastiveError);
  });

  it("with no augmentation, yields the batch as read as the one view", async () => {
    const { leaked } = await countLeakedTensors(async () => {
      const { labels } = await drain(loader({ source, sampler: pairs(4), seed: 0 }).epoch(0));
      expect(labels).toEqual([[0, 1], [2, 3]]);
    });
    expect(leaked).toBe(0);
  });
});
