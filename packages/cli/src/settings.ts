import type * as tf from "@tensorflow/tfjs-core";
import type { Augmentation, Backbone, Callback, Head, ImageViewsAugmentation, Loss } from "@contrastive/core";

/** Backbones the command line builds by name. */
export const BACKBONES = ["convnet", "resnet18", "resnet34", "resnet50"] as const;
/** Projection heads by name: an MLP (SimCLR), one linear layer, or none (the loss sees the encoder's features). */
export const HEADS = ["mlp", "linear", "none"] as const;
/** Losses by name (`supcon` uses the class sub-folders as labels). */
export const LOSSES = ["ntxent", "dcl", "supcon", "barlow-twins", "vicreg"] as const;
/** View recipes by name: SimCLR's (crop, flip, colour jitter, grey, blur) or the demo's light one for digits (crop, brightness/contrast). */
export const AUGMENTS = ["simclr", "digits"] as const;
/** Backends `selectBackend` accepts. */
export const BACKENDS = ["auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu"] as const;

/** Everything a training run is made of, as plain values: what `config.json` holds. */
export interface TrainSettings {
  /** Folder of training images (class sub-folders, or flat and unlabelled). */
  data: string;
  /** Folder of labelled images to evaluate on; default: every 5th training image. */
  test?: string;
  /** Run folder. */
  out: string;
  imageSize: number;
  channels: 1 | 3;
  backbone: (typeof BACKBONES)[number];
  head: (typeof HEADS)[number];
  /** Output size of the head. */
  headDim: number;
  loss: (typeof LOSSES)[number];
  temperature: number;
  augment: (typeof AUGMENTS)[number];
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  backend: (typeof BACKENDS)[number];
  /** Log (and write a metrics line) every this many steps. */
  logEvery: number;
  /** Stop each epoch after this many steps (smoke runs); 0 for all. */
  maxSteps: number;
  /**
   * Worker threads training data-parallel (`workerPool` of @contrastive/trainer/node), or "auto" for one
   * per core. Default 1 (this thread): batch norm normalises each worker's share, so results change with it.
   */
  workers: number | "auto";
  /** A JS/TS config module whose exports replaced components (recorded so that the run can be repeated). */
  configModule?: string;
}

/** What a JS/TS config module may export (default export) besides the plain settings: components as values. */
export interface ComponentOverrides {
  /** Builds the encoder for images of `inputShape`. */
  backbone?: (context: { inputShape: [number, number, number]; seed: number }) => Backbone;
  /** Builds the head on the encoder's output. */
  head?: (context: { inputDim: number; seed: number }) => Head;
  loss?: Loss;
  /** Makes the views: for an image folder, from decoded images, e.g. `image.imageBatch(image.multiView(2, image.simclrAugment({ size: [64, 64] })))`; for in-memory tensors [N, H, W, C] in [0, 1], e.g. `multiView(2, simclrAugment({ size: [28, 28] }))`. */
  augment?: Augmentation<tf.Tensor4D, tf.Tensor4D[]> | ImageViewsAugmentation;
  /** Builds the optimizer; default Adam at `learningRate`. */
  optimizer?: (context: { learningRate: number }) => tf.Optimizer;
  /** More trainer callbacks. */
  callbacks?: Callback[];
}

/** The defaults of `contrastive train`. */
export const DEFAULT_SETTINGS: Omit<TrainSettings, "data" | "out"> = {
  imageSize: 32,
  channels: 3,
  backbone: "convnet",
  head: "mlp",
  headDim: 64,
  loss: "ntxent",
  temperature: 0.5,
  augment: "simclr",
  epochs: 10,
  batchSize: 128,
  learningRate: 0.001,
  seed: 0,
  backend: "auto",
  logEvery: 10,
  maxSteps: 0,
  workers: 1,
};

/** Flag name (kebab-case) of each setting, for messages and help. */
export const SETTING_FLAGS: Record<keyof Omit<TrainSettings, "configModule">, string> = {
  data: "data",
  test: "test",
  out: "out",
  imageSize: "image-size",
  channels: "channels",
  backbone: "backbone",
  head: "head",
  headDim: "head-dim",
  loss: "loss",
  temperature: "temperature",
  augment: "augment",
  epochs: "epochs",
  batchSize: "batch-size",
  learningRate: "learning-rate",
  seed: "seed",
  backend: "backend",
  logEvery: "log-every",
  maxSteps: "max-steps",
  workers: "workers",
};

type Named = "backbone" | "head" | "loss" | "augment";
/**
 * The default export of a JS/TS config module (`contrastive train --config my-run.ts`): any setting,
 * and each of backbone, head, loss and augment either by name or as a value (a factory for the backbone
 * and head), plus an optimizer factory and callbacks.
 *
 * @example
 * import { convNet } from "@contrastive/backbones";
 * import { dcl } from "@contrastive/losses";
 * export default { imageSize: 64, backbone: ({ inputShape, seed }) => convNet({ inputShape, filters: [32, 64], seed }), loss: dcl({ temperature: 0.2 }) } satisfies ConfigModule;
 */
export type ConfigModule = Partial<Omit<TrainSettings, Named | "configModule">> & Omit<ComponentOverrides, Named> & { [K in Named]?: TrainSettings[K] | NonNullable<ComponentOverrides[K]> };
