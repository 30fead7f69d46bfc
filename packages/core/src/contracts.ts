import type * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "./rng.js";

/**
 * A batch of embeddings, the input of every loss.
 *
 * Row i of every view is the same instance. With no labels each row is its own class
 * (instance discrimination): the views of one row are its positives, all other rows negatives.
 */
export interface EmbeddingBatch {
  /** V ≥ 1 tensors of shape [N, d]. */
  views: tf.Tensor2D[];
  /** [N] integer class ids: rows with equal labels are positives too (supervised losses). */
  labels?: tf.Tensor1D;
  /** [K, d] extra negatives shared by every row (memory bank, MoCo queue). Never differentiated. */
  negatives?: tf.Tensor2D;
}

/** A loss over an {@link EmbeddingBatch}. A user's own loss is any object of this shape. */
export interface Loss {
  readonly name: string;
  /** Returns a scalar. Must not leak tensors: callers run it inside `tf.tidy` or `optimizer.minimize`. */
  compute(batch: EmbeddingBatch): tf.Scalar;
}

/**
 * A seeded transformation of a batch of images. Tensor augmentations map `[N, H, W, C]` to
 * `[N, H', W', C]`; multi-view wrappers return one batch per view.
 */
export interface Augmentation<In = tf.Tensor4D, Out = tf.Tensor4D> {
  readonly name: string;
  /** Same input and same `rng` state give the same output. Returns new tensors; the input is not disposed. */
  apply(input: In, rng: Rng): Out;
}

/**
 * Decoded pixels of one image: `height × width × channels` bytes in HWC order, as libvips writes them.
 * What an image source's `readImages` returns and what an {@link ImageViewsAugmentation} takes.
 */
export interface RawImage {
  readonly data: Uint8Array;
  readonly height: number;
  readonly width: number;
  /** 1 (grey) or 3 (RGB). */
  readonly channels: number;
}

/**
 * An augmentation that makes the V views of a batch from decoded images, asynchronously (libvips on
 * the libuv thread pool, as `@contrastive/augment`'s `image.imageBatch(…)`), so a training loop can
 * prepare the next batches while it trains on this one. It takes a {@link DataSource} with `readImages`.
 */
export interface ImageViewsAugmentation {
  readonly name: string;
  /** Tells a training loop to hand it decoded images (`readImages`), not a tensor batch. */
  readonly input: "images";
  /** V float32 tensors `[N, H, W, C]`, row i of each being image i; the caller disposes them. */
  apply(images: readonly RawImage[], rng: Rng): Promise<tf.Tensor4D[]>;
}

/** Options of a forward pass. */
export interface ForwardOptions {
  /** True while training (batch norm uses batch statistics and updates its running averages). */
  training?: boolean;
}

/** Something with weights that a trainer can optimise, save and restore. */
export interface Trainable {
  /** Variables the optimizer updates. */
  readonly trainableWeights: tf.Variable[];
  /** All variables, including non-trainable state such as batch-norm running averages. */
  readonly weights: tf.Variable[];
  /** Frees the variables. */
  dispose(): void;
}

/** The encoder e: images → representations v ∈ R^d (before the projection head). */
export interface Backbone extends Trainable {
  readonly name: string;
  /** Shape of one input example, without the batch dimension, e.g. [28, 28, 1]. */
  readonly inputShape: readonly number[];
  /** d, the size of a representation. */
  readonly outputDim: number;
  /** [N, ...inputShape] → [N, outputDim]. */
  apply(inputs: tf.Tensor, options?: ForwardOptions): tf.Tensor2D;
}

/** The projection head h: v → z, the space the loss sees. */
export interface Head extends Trainable {
  readonly name: string;
  readonly inputDim: number;
  readonly outputDim: number;
  /** [N, inputDim] → [N, outputDim]. */
  apply(features: tf.Tensor2D, options?: ForwardOptions): tf.Tensor2D;
}

/** Chooses which examples make up each batch of an epoch. */
export interface Sampler {
  readonly name: string;
  /** Number of batches `batches(epoch)` yields. */
  batchesPerEpoch(): number;
  /** The indices of each batch of `epoch`; the same (seed, epoch) gives the same batches. */
  batches(epoch: number): Iterable<Int32Array>;
}

/** Index tensors of mined triplets: anchor a, positive p, negative n. Rows with no valid partner are left out. */
export interface MinedTriplets {
  anchors: tf.Tensor1D;
  positives: tf.Tensor1D;
  negatives: tf.Tensor1D;
}

/** Picks informative (anchor, positive, negative) index triplets from embeddings and labels. */
export interface Miner {
  readonly name: string;
  /** `embeddings` [N, d], `labels` [N]; returns int32 index tensors. */
  mine(embeddings: tf.Tensor2D, labels: tf.Tensor1D): MinedTriplets;
}

/**
 * Index tensors of mined pairs, as pytorch-metric-learning's `get_all_pairs_indices`: positive pairs
 * (`positiveAnchors[i]`, `positives[i]`) and negative pairs (`negativeAnchors[j]`, `negatives[j]`).
 * Pairs are ordered: (a, b) and (b, a) are two pairs. A row is never paired with itself.
 */
export interface MinedPairs {
  /** [P] int32 anchor rows of the positive pairs. */
  positiveAnchors: tf.Tensor1D;
  /** [P] int32 rows with the same label as their anchor. */
  positives: tf.Tensor1D;
  /** [Q] int32 anchor rows of the negative pairs. */
  negativeAnchors: tf.Tensor1D;
  /** [Q] int32 rows with a label other than their anchor's. */
  negatives: tf.Tensor1D;
}

/**
 * Picks informative positive and negative index pairs from embeddings and labels: the pair-based
 * counterpart of {@link Miner}, for pair losses such as the contrastive margin loss.
 *
 * @example
 * const { positiveAnchors, positives, negativeAnchors, negatives } = allPairs().mine(embeddings, labels);
 */
export interface PairMiner {
  readonly name: string;
  /** `embeddings` [N, d], `labels` [N]; returns int32 index tensors that the caller disposes. */
  mine(embeddings: tf.Tensor2D, labels: tf.Tensor1D): MinedPairs;
}

/** What a {@link NegativeBank} is told about the current batch. */
export interface BankContext {
  /** Data-set indices of the batch's instances (so a memory bank can leave them out of the negatives). */
  indices: Int32Array;
}

/**
 * A store of embeddings outside the batch, read as extra negatives (InstDisc's memory bank, MoCo's
 * queue). Its tensors are constants: never part of the gradient. The trainer reads `negatives()`
 * (and `positives()` where the bank has them) before the loss, and calls `update()` only after the
 * loss that read them was computed (lightly's bug #564: enqueueing in between made the new keys
 * negatives of their own queries).
 */
export interface NegativeBank {
  readonly name: string;
  /** Embedding size d. */
  readonly dim: number;
  /** [K, d] negatives for this batch, as a new tensor the caller disposes. */
  negatives(context: BankContext): tf.Tensor2D;
  /** [N, d] stored entries of the batch's own instances, used as positive keys (memory bank); absent for a queue. */
  positives?(context: BankContext): tf.Tensor2D;
  /** Stores the batch's keys [N, d] (row i is instance `context.indices[i]`). The tensor is read, not kept. */
  update(keys: tf.Tensor2D, context: BankContext): void;
  /** A copy of the contents, for a checkpoint. */
  state(): BankState;
  /** Restores contents saved by `state()`. */
  restore(state: BankState): void;
  dispose(): void;
}

/** The contents of a {@link NegativeBank}, plain data for checkpoints. */
export interface BankState {
  name: string;
  shape: [number, number];
  values: Float32Array;
  /** Bank-specific extras, e.g. a queue's write position. */
  extra?: Record<string, number>;
}

/** A source of examples addressed by index. */
export interface DataSource {
  readonly name: string;
  /** Number of examples. */
  readonly size: number;
  /** Shape of one example, e.g. [28, 28, 1]. */
  readonly exampleShape: readonly number[];
  /** Class ids, when known (used by evaluation and supervised samplers). */
  readonly labels?: Int32Array;
  /** The examples at `indices`, stacked: [indices.length, ...exampleShape]. */
  read(indices: Int32Array | number[]): tf.Tensor | Promise<tf.Tensor>;
  /**
   * Image sources only (image folders, CIFAR-10): the decoded images at `indices`, for an
   * {@link ImageViewsAugmentation}; `indices` of the result are those that decoded.
   */
  readImages?(indices: Int32Array): Promise<{ images: RawImage[]; indices: Int32Array }>;
}

/** What a training loop reports to its callbacks after each step. */
export interface StepInfo {
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  loss: number;
  examples: number;
  seconds: number;
  /** Milliseconds the loop waited for this step's batch (read and views) after the previous step ended: 0 when prefetching kept up. */
  dataWaitMs?: number;
  /** Milliseconds of this step's own work (views of a tensor augmentation, forward, backward, update). */
  stepMs?: number;
}

/** What a training loop reports after each epoch. */
export interface EpochInfo {
  epoch: number;
  meanLoss: number;
  steps: number;
  examples: number;
  seconds: number;
  examplesPerSecond: number;
  /** Seconds of the epoch spent waiting for data (the sum of the steps' `dataWaitMs`, in seconds). */
  dataWaitSeconds?: number;
}

/** Hooks into a training loop. Every method is optional; returning `false` from `onStepEnd` stops training. */
export interface Callback {
  onTrainBegin?(info: { epochs: number; stepsPerEpoch: number }): void | Promise<void>;
  onEpochBegin?(epoch: number): void | Promise<void>;
  onStepEnd?(info: StepInfo): void | boolean | Promise<void | boolean>;
  onEpochEnd?(info: EpochInfo): void | boolean | Promise<void | boolean>;
  onTrainEnd?(info: { epochs: number; stopped: boolean }): void | Promise<void>;
}
