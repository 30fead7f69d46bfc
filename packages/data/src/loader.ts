import * as tf from "@tensorflow/tfjs-core";
import type { Augmentation, DataSource, Rng, Sampler } from "@contrastive/core";
import { ContrastiveError, assertInteger, createRng, describeValue } from "@contrastive/core";
import type { RawImage } from "./raw-image.js";

/** An augmentation over decoded images, as `@contrastive/augment`'s `image.imageBatch(…)` makes: V views `[N, H, W, C]`. */
export interface ImagesAugmentation {
  readonly name: string;
  readonly input: "images";
  apply(images: readonly RawImage[], rng: Rng): Promise<tf.Tensor4D[]>;
}

/** A tensor augmentation: one view or several (`multiView`) of a batch `[N, H, W, C]`. */
export type TensorAugmentation = Augmentation<tf.Tensor4D, tf.Tensor4D | tf.Tensor4D[]>;

/** What a loader reads from: any DataSource; `readImages` (image folders, CIFAR-10) for image augmentations, `readBatch` to learn which rows a tensor read kept. */
export type LoaderSource = DataSource & {
  readImages?(indices: Int32Array): Promise<{ images: RawImage[]; indices: Int32Array }>;
  readBatch?(indices: Int32Array): Promise<{ images: tf.Tensor4D; indices: Int32Array }>;
};

/** Options of {@link loader}. */
export interface LoaderOptions {
  source: LoaderSource;
  sampler: Sampler;
  /** Makes the views: an image augmentation (`input: "images"`), a tensor one, or none (one view, the batch as read). */
  augmentation?: ImagesAugmentation | TensorAugmentation;
  /** Seed of the augmentation: batch k of epoch e draws from `createRng(seed).fork(\`loader/${e}/${k}\`)`. */
  seed: number;
  /** Batches prepared ahead of the one the consumer holds, the bound of the queue. Default 2. */
  prefetch?: number;
}

/** One batch of a loader. The consumer owns the tensors and disposes them. */
export interface LoaderBatch {
  /** V ≥ 1 views `[n, H, W, C]`; row i of every view is example `indices[i]`. */
  views: tf.Tensor4D[];
  /** `[n]` int32 class ids, when the source has labels. */
  labels?: tf.Tensor1D;
  /** The source indices of the rows (fewer than the sampler's when a source skipped unreadable files). */
  indices: Int32Array;
  /** Position of the batch in the epoch. */
  step: number;
}

/** Batches of views for a training loop. */
export interface Loader {
  readonly name: string;
  batchesPerEpoch(): number;
  /** The batches of `epoch` as an async iterator; stopping early (break, return, throw) disposes the prefetched batches. */
  epoch(epoch: number): AsyncGenerator<LoaderBatch, void, undefined>;
}

/**
 * A loader: for each batch of indices from `sampler`, reads the examples and makes V views with
 * `augmentation`, preparing the next `prefetch` batches while the consumer computes on the current one
 * (an image augmentation decodes and transforms on the libuv thread pool, so it overlaps training).
 * Batch k of an epoch depends only on (seed, epoch, k), not on timing. A batch whose every file was
 * skipped is left out.
 *
 * @throws {ContrastiveError} at construction for a bad source, sampler, seed or prefetch; while
 * iterating, for an image augmentation over a source without `readImages`, and whatever a read or an
 * augmentation throws (the remaining prefetched batches are disposed first).
 * @example
 * const batches = loader({ source: cifar10("data/cifar-10-batches-bin"), sampler, seed: 0,
 *   augmentation: image.imageBatch(image.multiView(2, image.simclrAugment({ size: [32, 32] }))) });
 * for await (const { views, labels } of batches.epoch(0)) { ...; tf.dispose([...views, labels]); }
 */
export function loader(options: LoaderOptions): Loader {
  const component = "loader";
  const { source, sampler, augmentation, seed, prefetch = 2 } = options ?? ({} as LoaderOptions);
  if (source === null || typeof source !== "object" || typeof source.read !== "function") throw new ContrastiveError({ component, argument: "source", received: describeValue(source), expected: "a DataSource, e.g. imageFolder(root) or cifar10(folder)" });
  if (sampler === null || typeof sampler !== "object" || typeof sampler.batches !== "function") throw new ContrastiveError({ component, argument: "sampler", received: describeValue(sampler), expected: "a Sampler, e.g. instanceSampler({ size, batchSize, seed })" });
  assertInteger(component, "prefetch", prefetch, 0);
  const root = createRng(seed);
  const imagesInput = augmentation !== undefined && (augmentation as ImagesAugmentation).input === "images";
  if (imagesInput && typeof source.readImages !== "function") {
    throw new ContrastiveError({ component, argument: "source", received: `${source.name}, which has no readImages`, expected: "a source of images (imageFolder, cifar10) for an image augmentation, or a tensor augmentation" });
  }

  async function prepare(indices: Int32Array, rng: Rng, step: number): Promise<LoaderBatch | undefined> {
    let views: tf.Tensor4D[];
    let kept = indices;
    if (imagesInput) {
      const read = await source.readImages!(indices);
      kept = read.indices;
      if (kept.length === 0) return undefined;
      views = await (augmentation as ImagesAugmentation).apply(read.images, rng);
    } else {
      let images: tf.Tensor4D;
      if (typeof source.readBatch === "function") ({ images, indices: kept } = await source.readBatch(indices));
      else images = (await source.read(indices)) as tf.Tensor4D;
      if (kept.length === 0) return (images.dispose(), undefined);
      if (augmentation === undefined) views = [images];
      else {
        const out = (augmentation as TensorAugmentation).apply(images, rng);
        views = Array.isArray(out) ? out : [out];
        if (!views.includes(images)) images.dispose();
      }
    }
    const labels = source.labels === undefined ? undefined : tf.tensor1d(Int32Array.from(kept, (i) => source.labels![i] as number), "int32");
    return { views, ...(labels === undefined ? {} : { labels }), indices: kept, step };
  }

  return {
    name: `${component}(${source.name})`,
    batchesPerEpoch: () => sampler.batchesPerEpoch(),
    async *epoch(epoch: number) {
      const batches = sampler.batches(epoch)[Symbol.iterator]();
      const queue: Promise<LoaderBatch | undefined>[] = [];
      let step = 0;
      const fill = (limit: number) => {
        while (queue.length < limit) {
          const next = batches.next();
          if (next.done) return;
          const k = step++;
          const pending = prepare(next.value, root.fork(`loader/${epoch}/${k}`), k);
          pending.catch(() => undefined); // observed when its turn comes; never an unhandled rejection
          queue.push(pending);
        }
      };
      try {
        fill(prefetch + 1);
        while (queue.length > 0) {
          const batch = await queue.shift()!;
          fill(prefetch); // the next `prefetch` batches are prepared while the consumer holds this one
          if (batch !== undefined) yield batch;
          fill(1);
        }
      } finally {
        // Stopped early or failed: dispose whatever was prepared ahead.
        const left = await Promise.allSettled(queue.splice(0));
        for (const result of left) {
          if (result.status === "fulfilled" && result.value !== undefined) tf.dispose([...result.value.views, ...(result.value.labels ? [result.value.labels] : [])]);
        }
      }
    },
  };
}
