import * as tf from "@tensorflow/tfjs-core";
import type { Augmentation, Rng } from "@contrastive/core";
import { assertImages, assertRng } from "./checks.js";
import { colorJitterRanges, drawColorJitter, type ColorJitterDraw, type ColorJitterOptions } from "./color-jitter-parameters.js";
import { adjustBrightness, adjustContrast, adjustHue, adjustSaturation } from "./color-ops.js";

const operations = [
  { key: "brightness", run: adjustBrightness },
  { key: "contrast", run: adjustContrast },
  { key: "saturation", run: adjustSaturation },
  { key: "hue", run: adjustHue },
] as const;

/**
 * Colour jitter on tensor batches, as torchvision's `ColorJitter` applied to each image: per image a
 * random order of brightness, contrast, saturation and hue and its factors (`drawColorJitter`, drawn
 * image after image), then the torchvision formulas (`adjustBrightness`, `adjustContrast`,
 * `adjustSaturation`, `adjustHue`). Vectorised by step: at step k the images are grouped by the
 * operation they take there, each group runs as one batch with its per-image factors, and a gather puts
 * the rows back in order (4 operations' worth of work for the batch, whatever the orders).
 *
 * `[N, H, W, C] → [N, H, W, C]`, values in [0, 1]; grey batches get brightness and contrast only.
 *
 * @throws {ContrastiveError} for negative strengths, hue outside [0, 0.5] or bad pairs (at construction),
 * or when `images` is not a float32 [N, H, W, C] tensor (in `apply`).
 * @example
 * const jitter = randomApply(0.8, colorJitter({ brightness: 0.8, contrast: 0.8, saturation: 0.8, hue: 0.2 }));
 */
export function colorJitter(options: ColorJitterOptions = {}): Augmentation {
  const component = "colorJitter";
  const ranges = colorJitterRanges(component, options ?? {});
  return {
    name: component,
    apply(images: tf.Tensor4D, rng: Rng) {
      const input = assertImages(component, images);
      assertRng(component, rng);
      const draws = Array.from({ length: input.shape[0] }, () => drawColorJitter(rng, ranges));
      return tf.tidy(() => {
        let current: tf.Tensor4D = input;
        for (let step = 0; step < 4; step++) current = applyStep(current, draws, step);
        return current === input ? tf.clone(input) : current;
      });
    },
  };
}

function applyStep(images: tf.Tensor4D, draws: ColorJitterDraw[], step: number): tf.Tensor4D {
  const groups = operations.map(() => [] as number[]);
  const untouched: number[] = [];
  draws.forEach((draw, i) => {
    const index = draw.order[step] as number;
    (draw[operations[index]!.key] === undefined ? untouched : groups[index]!).push(i);
  });
  const factorsOf = (rows: number[], index: number) => rows.map((i) => draws[i]![operations[index]!.key] as number);
  const whole = groups.findIndex((rows) => rows.length === draws.length);
  if (whole >= 0) return operations[whole]!.run(images, factorsOf(groups[whole]!, whole));
  if (untouched.length === draws.length) return images;
  const parts: tf.Tensor4D[] = [];
  const rows: number[] = [];
  groups.forEach((group, index) => {
    if (group.length === 0) return;
    parts.push(operations[index]!.run(tf.gather(images, group) as tf.Tensor4D, factorsOf(group, index)));
    rows.push(...group);
  });
  if (untouched.length > 0) {
    parts.push(tf.gather(images, untouched) as tf.Tensor4D);
    rows.push(...untouched);
  }
  const back = new Int32Array(rows.length);
  rows.forEach((row, position) => (back[row] = position));
  return tf.gather(tf.concat(parts, 0), back) as tf.Tensor4D;
}
