import type { Augmentation } from "@contrastive/core";
import { colorJitter } from "./color-jitter.js";
import { compose } from "./compose.js";
import { gaussianBlur } from "./gaussian-blur.js";
import { grayscale } from "./grayscale.js";
import { horizontalFlip } from "./horizontal-flip.js";
import { normalize } from "./normalize.js";
import type { PresetVocabulary } from "./preset-options.js";
import { randomApply } from "./random-apply.js";
import { randomResizedCrop } from "./random-resized-crop.js";
import { solarize } from "./solarize.js";

/** The tensor-batch side's operations, in which the presets' recipes are written (internal). */
export const vocabulary: PresetVocabulary<Augmentation> = {
  randomResizedCrop, horizontalFlip, colorJitter, grayscale, gaussianBlur, solarize, normalize, randomApply,
  compose: (steps) => compose(steps),
};
