/*
 * The image side of @contrastive/augment, exported as the `image` namespace: the same vocabulary as
 * the tensor side, on files and buffers decoded by sharp (libvips).
 */
export { decodeImage, isRawImage } from "./raw-image.js";
export type { RawImage, ImageInput, DecodeImageOptions } from "./raw-image.js";
export { startPlan } from "./image-plan.js";
export type { ImagePlan, PlanStep, PixelOperation, ImageAugmentation, ImageMultiViewAugmentation } from "./image-plan.js";
export { renderPlan } from "./render-plan.js";
export type { ImageView } from "./render-plan.js";
export { randomResizedCrop } from "./random-resized-crop.js";
export type { ImageRandomResizedCropOptions } from "./random-resized-crop.js";
export { horizontalFlip } from "./horizontal-flip.js";
export type { HorizontalFlipOptions } from "./horizontal-flip.js";
export { colorJitter } from "./color-jitter.js";
export { grayscale } from "./grayscale.js";
export { gaussianBlur } from "./gaussian-blur.js";
export { solarize } from "./solarize.js";
export type { SolarizeOptions } from "./solarize.js";
export { rotation } from "./rotation.js";
export { normalize } from "./normalize.js";
export type { NormalizeOptions } from "./normalize.js";
export { compose } from "./compose.js";
export { randomApply } from "./random-apply.js";
export { multiView } from "./multi-view.js";
export { simclrAugment } from "./simclr-augment.js";
export { byolAugment } from "./byol-augment.js";
export { augmentImage } from "./augment-image.js";
export { imageBatch } from "./image-batch.js";
export type { ImageBatchAugmentation, ImageBatchOptions } from "./image-batch.js";
export { runColorProgram, GRAY_WEIGHTS } from "./color-program.js";
export type { ColorOperation, ColorProgram } from "./color-program.js";
export { DEFAULT_MAX_PIXELS } from "./pixel-limit.js";
