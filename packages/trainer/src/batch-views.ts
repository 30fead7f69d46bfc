import * as tf from "@tensorflow/tfjs-core";
import { type Augmentation, ContrastiveError, type DataSource, type ImageViewsAugmentation, type Rng, describeValue } from "@contrastive/core";

/** What a trainer's `augment` may be: a tensor augmentation (sync, in-memory data) or an image one (async, image sources). */
export type TrainerAugmentation = Augmentation<tf.Tensor4D, tf.Tensor4D[]> | ImageViewsAugmentation;

/** One batch prepared ahead of its step (internal). `views()` hands over tensors the step disposes; `dispose()` frees the rest. */
export interface PreparedBatch {
  /** Data-set indices of the rows (fewer than asked when an image source skipped unreadable files). */
  indices: Int32Array;
  views(): tf.Tensor4D[];
  dispose(): void;
}

/** Whether `augment` takes decoded images (`input: "images"`, e.g. `image.imageBatch(…)`). */
export function takesImages(augment: TrainerAugmentation): augment is ImageViewsAugmentation {
  return (augment as ImageViewsAugmentation).input === "images";
}

/**
 * Returns how the trainer turns a batch of indices into views for this (augment, data) pair, or throws
 * before the first step when they do not fit: an image augmentation needs `data.readImages`; a tensor
 * augmentation needs tensors of one size (an image folder without `size` yields images of their own size).
 */
export function batchViews(augment: TrainerAugmentation, data: DataSource): (indices: Int32Array, rng: Rng) => Promise<PreparedBatch | undefined> {
  const component = "trainer.fit";
  if (takesImages(augment)) {
    if (typeof data.readImages !== "function") {
      throw new ContrastiveError({
        component,
        argument: "data",
        received: `'${data.name}', which yields tensors (it has no readImages), with augment '${augment.name}', which takes decoded images`,
        expected: "an image source with readImages, e.g. imageFolder(root), for an image augmentation; for in-memory data, a tensor augmentation instead, e.g. augment: multiView(2, simclrAugment()) from @contrastive/augment",
      });
    }
    return async (indices, rng) => {
      const read = await data.readImages!(indices);
      if (read.indices.length === 0) return undefined;
      const views = await augment.apply(read.images, rng);
      return { indices: read.indices, views: () => views, dispose: () => tf.dispose(views) };
    };
  }
  if (data.exampleShape.some((d) => !(d >= 1))) {
    throw new ContrastiveError({
      component,
      argument: "augment",
      received: `'${augment.name}', a tensor augmentation, with data '${data.name}' whose examples have no fixed size (exampleShape ${describeValue(data.exampleShape)})`,
      expected: "an image augmentation that decodes, crops and resizes, e.g. augment: image.imageBatch(image.multiView(2, image.simclrAugment({ size: [64, 64] }))) from @contrastive/augment; or a fixed size for the data with the tensor augmentation, e.g. imageFolder(root, { size: [64, 64] })",
    });
  }
  const readBatch = (data as { readBatch?: (i: Int32Array) => Promise<{ images: tf.Tensor4D; indices: Int32Array }> }).readBatch;
  return async (indices, rng) => {
    let images: tf.Tensor;
    let kept = indices;
    if (typeof readBatch === "function") ({ images, indices: kept } = await readBatch.call(data, indices));
    else images = await data.read(indices);
    if (images.rank !== 4) {
      images.dispose();
      throw new ContrastiveError({ component, argument: `data.read() of '${data.name}'`, received: describeValue(images), expected: "an image batch [N, H, W, C]" });
    }
    if (kept.length === 0) return (images.dispose(), undefined);
    return { indices: kept, views: () => augment.apply(images as tf.Tensor4D, rng), dispose: () => images.dispose() };
  };
}

/**
 * Prepares the batches of an epoch `depth` ahead of the one being trained on (a bounded queue): while
 * the loop computes step t, the reads and views of batches t+1 … t+depth are under way (for an image
 * augmentation, libvips on the thread pool). Stopping early disposes what was prepared ahead.
 */
export async function* prefetched(
  batches: readonly Int32Array[],
  prepare: (indices: Int32Array, position: number) => Promise<PreparedBatch | undefined>,
  depth: number,
): AsyncGenerator<{ position: number; batch: PreparedBatch | undefined }, void, undefined> {
  const queue: { position: number; pending: Promise<PreparedBatch | undefined> }[] = [];
  let next = 0;
  const fill = () => {
    while (queue.length < depth && next < batches.length) {
      const position = next++;
      const pending = prepare(batches[position] as Int32Array, position);
      pending.catch(() => undefined); // observed when its turn comes
      queue.push({ position, pending });
    }
  };
  try {
    fill();
    while (queue.length > 0) {
      const { position, pending } = queue.shift()!;
      const batch = await pending;
      fill();
      yield { position, batch };
    }
  } finally {
    for (const left of await Promise.allSettled(queue.splice(0).map((q) => q.pending))) {
      if (left.status === "fulfilled") left.value?.dispose();
    }
  }
}

/** Lets the event loop run once (thread-pool completions, e.g. libvips views, queue their next stage). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === "function" ? setImmediate(resolve) : setTimeout(resolve, 0)));
}
