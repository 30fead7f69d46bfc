import * as tf from "@tensorflow/tfjs-core";
import { multiView, simclrAugment, simclrMnistAugment } from "@contrastive/augment";
import * as image from "@contrastive/augment/image";
import { convNet, resnet } from "@contrastive/backbones";
import type { Augmentation, Backbone, Head, ImageViewsAugmentation, Loss } from "@contrastive/core";
import { linearHead, projectionHead } from "@contrastive/heads";
import { barlowTwins, dcl, ntXent, supCon, vicReg } from "@contrastive/losses";
import type { ComponentOverrides, TrainSettings } from "./settings.js";

/** The components of a run, built from its settings (names) and a config module's values. */
export interface RunComponents {
  backbone: Backbone;
  head?: Head;
  loss: Loss;
  augment: Augmentation<tf.Tensor4D, tf.Tensor4D[]> | ImageViewsAugmentation;
  optimizer: tf.Optimizer;
  /** The loss takes the class ids (supervised). */
  useLabels: boolean;
}

/**
 * Builds the backbone, head, loss, views and optimizer that `settings` name; a component given as a
 * value in `overrides` (a JS/TS config module) replaces the named one. For an image source (`images`,
 * e.g. an image folder) the views are made by libvips from the decoded files (`image.*` of
 * @contrastive/augment, prefetched by the trainer); for in-memory tensors, by the tensor twins.
 */
export function buildComponents(settings: TrainSettings, overrides: ComponentOverrides = {}, images = false): RunComponents {
  const { imageSize, channels, seed } = settings;
  const inputShape: [number, number, number] = [imageSize, imageSize, channels];
  const backbone = overrides.backbone ? overrides.backbone({ inputShape, seed }) : namedBackbone(settings, inputShape);
  const head = overrides.head ? overrides.head({ inputDim: backbone.outputDim, seed: seed + 1 }) : namedHead(settings, backbone.outputDim);
  const loss = overrides.loss ?? namedLoss(settings);
  const size: [number, number] = [imageSize, imageSize];
  const augment = overrides.augment ?? (images ? imageViews(settings) : multiView(2, settings.augment === "digits" ? simclrMnistAugment({ size }) : simclrAugment({ size, strength: 0.5 })));
  const optimizer = overrides.optimizer ? overrides.optimizer({ learningRate: settings.learningRate }) : tf.train.adam(settings.learningRate);
  return { backbone, ...(head ? { head } : {}), loss, augment, optimizer, useLabels: usesLabels(settings, overrides) };
}

/** Whether the run's loss takes the class ids (the named `supcon`). */
export const usesLabels = (settings: TrainSettings, overrides: ComponentOverrides = {}) => !overrides.loss && settings.loss === "supcon";

function namedBackbone(settings: TrainSettings, inputShape: [number, number, number]): Backbone {
  const { backbone, seed, imageSize } = settings;
  if (backbone === "convnet") return convNet({ inputShape, seed });
  const depth = Number(backbone.slice("resnet".length)) as 18 | 34 | 50;
  return resnet({ depth, stem: imageSize <= 64 ? "cifar" : "imagenet", inputShape, seed });
}

function namedHead(settings: TrainSettings, inputDim: number): Head | undefined {
  const { head, headDim, seed } = settings;
  if (head === "none") return undefined;
  if (head === "linear") return linearHead({ inputDim, outputDim: headDim, seed: seed + 1 });
  return projectionHead({ inputDim, hiddenDims: [inputDim], outputDim: headDim, seed: seed + 1 });
}

function namedLoss(settings: TrainSettings): Loss {
  const { loss, temperature } = settings;
  if (loss === "ntxent") return ntXent({ temperature });
  if (loss === "dcl") return dcl({ temperature });
  if (loss === "supcon") return supCon({ temperature });
  if (loss === "barlow-twins") return barlowTwins();
  return vicReg();
}

/** The named view recipe on decoded images (libvips), as the tensor recipes: `digits` is crop (scale 0.4–1) + brightness/contrast 0.4 with p 0.8. */
function imageViews(settings: TrainSettings): ImageViewsAugmentation {
  const size: [number, number] = [settings.imageSize, settings.imageSize];
  const view =
    settings.augment === "digits"
      ? image.compose([image.randomResizedCrop({ size, scale: [0.4, 1], ratio: [3 / 4, 4 / 3] }), image.randomApply(0.8, image.colorJitter({ brightness: 0.4, contrast: 0.4 }))])
      : image.simclrAugment({ size, strength: 0.5 });
  return image.imageBatch(image.multiView(2, view), { concurrency: 16, channels: settings.channels });
}
