/*
 * @contrastive/augment: seeded augmentations of tensor batches (environment-neutral). The same
 * vocabulary on image files, with sharp, is `@contrastive/augment/image` (Node only).
 */
export { sampleCropBox, roundHalfToEven } from "./sample-crop-box.js";
export type { CropBox } from "./sample-crop-box.js";
export { randomResizedCrop, cropBoxToUnitBox } from "./random-resized-crop.js";
export type { RandomResizedCropOptions } from "./random-resized-crop.js";
export { brightnessContrast, adjustBrightnessContrast } from "./brightness-contrast.js";
export type { BrightnessContrastOptions } from "./brightness-contrast.js";
export { randomApply } from "./random-apply.js";
export { compose } from "./compose.js";
export { multiView } from "./multi-view.js";
export { simclrMnistAugment } from "./simclr-mnist-augment.js";
export type { SimclrMnistAugmentOptions } from "./simclr-mnist-augment.js";
export { colorJitterRanges, drawColorJitter } from "./color-jitter-parameters.js";
export type { ColorJitterOptions, ColorJitterRanges, ColorJitterDraw } from "./color-jitter-parameters.js";
export type { GaussianBlurOptions, RotationOptions } from "./blur-rotation-options.js";
export { adjustBrightness, adjustContrast, adjustSaturation, adjustHue, toGrayscale, solarizeImages } from "./color-ops.js";
export { colorJitter } from "./color-jitter.js";
export { horizontalFlip } from "./horizontal-flip.js";
export { grayscale } from "./grayscale.js";
export { gaussianBlur, gaussianKernel } from "./gaussian-blur.js";
export { solarize } from "./solarize.js";
export { rotation, rotationTransform } from "./rotation.js";
export { normalize } from "./normalize.js";
export { simclrAugment } from "./simclr-augment.js";
export { byolAugment } from "./byol-augment.js";
export { simclrBlurKernelSize } from "./preset-options.js";
export type { SimclrAugmentOptions, ByolAugmentOptions } from "./preset-options.js";
