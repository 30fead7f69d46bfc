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
 * With `eager`, a tensor augmentation's views are made when the batch is prepared (at the next turn of the
 * event loop) instead of in the step: with workers, while they compute. `madeTensors` is told how many
 * tensors each stage of a preparation added, when it completes: with workers the step waits on them, so
 * preparations complete during a step, and its leak check does not count their tensors.
 */
export function batchViews(augment: TrainerAugmentation, data: DataSource, options: { eager?: boolean; madeTensors?: (count: number) => void } = {}): (indices: Int32Array, rng: Rng) => Promise<PreparedBatch | undefined> {
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
      options.madeTensors?.(views.length);
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
    options.madeTensors?.(1);
    if (images.rank !== 4) {
      images.dispose();
      throw new ContrastiveError({ component, argument: `data.read() of '${data.name}'`, received: describeValue(images), expected: "an image batch [N, H, W, C]" });
    }
    if (kept.length === 0) return (images.dispose(), undefined);
    if (options.eager) {
      // made when the event loop is next free, i.e. while the step being trained waits (on workers)
      await yieldToEventLoop();
      let views: tf.Tensor4D[];
      const start = tf.memory().numTensors;
      try {
        views = augment.apply(images as tf.Tensor4D, rng);
      } finally {
        images.dispose();
        options.madeTensors?.(tf.memory().numTensors - start);
      }
      return { indices: kept, views: () => views, dispose: () => tf.dispose(views) };
    }
    return { indices: kept, views: () => augment.apply(images as tf.Tensor4D, rng), dispose: () => images.dispose() };
  };
}

/** A batch of the training plan: its epoch, its position in the epoch and its data-set indices. */
export interface PlannedBatch {
  epoch: number;
  position: number;
  indices: Int32Array;
}

/** A bounded queue of batches being prepared (internal); see {@link batchQueue}. */
export interface BatchQueue {
  /** The next planned batch (starting its preparation and those behind it), or undefined at the end of the plan. */
  peek(): PlannedBatch | undefined;
  /** Waits for the next batch to be ready and takes it; the queue is then refilled. */
  take(): Promise<PlannedBatch & { batch: PreparedBatch | undefined }>;
  /** Disposes what was prepared ahead (after a stop or an error). */
  close(): Promise<void>;
}

/**
 * Prepares the batches of `plan` `depth` ahead of the one being trained on, across epoch boundaries:
 * while the loop computes step t, the reads and views of the next `depth` batches are under way (for
 * an image augmentation, libvips on the thread pool), so the first step of an epoch does not wait either.
 */
export function batchQueue(plan: Iterator<PlannedBatch>, prepare: (planned: PlannedBatch) => Promise<PreparedBatch | undefined>, depth: number): BatchQueue {
  const queue: { planned: PlannedBatch; pending: Promise<PreparedBatch | undefined> }[] = [];
  let ended = false;
  const fill = () => {
    while (!ended && queue.length < depth) {
      const next = plan.next();
      if (next.done) ended = true;
      else {
        const pending = prepare(next.value);
        pending.catch(() => undefined); // observed when its turn comes
        queue.push({ planned: next.value, pending });
      }
    }
  };
  return {
    peek() {
      fill();
      return queue[0]?.planned;
    },
    async take() {
      fill();
      const head = queue.shift();
      if (head === undefined) throw new Error("batchQueue.take: the plan has ended");
      const batch = await head.pending;
      fill();
      return { ...head.planned, batch };
    },
    async close() {
      for (const left of await Promise.allSettled(queue.splice(0).map((q) => q.pending))) {
        if (left.status === "fulfilled") left.value?.dispose();
      }
    },
  };
}

/** Lets the event loop run once (thread-pool completions, e.g. libvips views, queue their next stage). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === "function" ? setImmediate(resolve) : setTimeout(resolve, 0)));
}
