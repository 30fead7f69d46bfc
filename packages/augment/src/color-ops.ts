import * as tf from "@tensorflow/tfjs-core";

/*
 * torchvision's colour operations (torchvision.transforms.functional on tensors) on batches
 * [N, H, W, C] in [0, 1], with one factor per image. Grey batches (C = 1) are left unchanged by
 * saturation, hue and grayscale, as in torchvision. The inputs are not disposed.
 */

const GREY = [0.2989, 0.587, 0.114];

function perImage(factors: ArrayLike<number>): tf.Tensor4D {
  return tf.tensor4d(Float32Array.from(factors), [factors.length, 1, 1, 1], "float32");
}

/**
 * torchvision's `rgb_to_grayscale` keeping the channel count: every channel ← 0.2989·r + 0.587·g + 0.114·b.
 * `[N, H, W, C] → [N, H, W, C]`.
 *
 * @example
 * const grey = toGrayscale(images);
 */
export function toGrayscale(images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => (images.shape[3] === 3 ? tf.tile(greyOf(images), [1, 1, 1, 3]) : tf.clone(images)) as tf.Tensor4D);
}

/** [N, H, W, 1] grey values (the input itself for one channel). */
function greyOf(images: tf.Tensor4D): tf.Tensor4D {
  if (images.shape[3] !== 3) return images;
  return tf.sum(tf.mul(images, tf.tensor1d(GREY, "float32")), 3, true) as tf.Tensor4D;
}

/**
 * `adjust_brightness` per image: x ← clip(b_i · x, 0, 1). `[N, H, W, C] → [N, H, W, C]`, N factors.
 *
 * @example
 * adjustBrightness(images, Float32Array.of(1.2, 0.7)); // N = 2
 */
export function adjustBrightness(images: tf.Tensor4D, factors: ArrayLike<number>): tf.Tensor4D {
  return tf.tidy(() => tf.clipByValue(tf.mul(images, perImage(factors)), 0, 1) as tf.Tensor4D);
}

/**
 * `adjust_contrast` per image: x ← clip(c_i · x + (1 − c_i) · m_i, 0, 1), m_i the mean grey value of image i.
 * `[N, H, W, C] → [N, H, W, C]`, N factors.
 *
 * @example
 * adjustContrast(images, Float32Array.of(1.5, 0.5));
 */
export function adjustContrast(images: tf.Tensor4D, factors: ArrayLike<number>): tf.Tensor4D {
  return tf.tidy(() => {
    const c = perImage(factors);
    const mean = tf.mean(greyOf(images), [1, 2, 3], true);
    return tf.clipByValue(tf.add(tf.mul(images, c), tf.mul(tf.sub(1, c), mean)), 0, 1) as tf.Tensor4D;
  });
}

/**
 * `adjust_saturation` per image: x ← clip(s_i · x + (1 − s_i) · grey(x), 0, 1); C = 1 unchanged.
 * `[N, H, W, C] → [N, H, W, C]`, N factors.
 *
 * @example
 * adjustSaturation(images, Float32Array.of(0, 2)); // grey, then doubly saturated
 */
export function adjustSaturation(images: tf.Tensor4D, factors: ArrayLike<number>): tf.Tensor4D {
  return tf.tidy(() => {
    if (images.shape[3] !== 3) return tf.clone(images);
    const s = perImage(factors);
    return tf.clipByValue(tf.add(tf.mul(images, s), tf.mul(tf.sub(1, s), greyOf(images))), 0, 1) as tf.Tensor4D;
  });
}

/**
 * `adjust_hue` per image: to HSV (torchvision's `_rgb2hsv`), h ← (h + δ_i) mod 1, back (`_hsv2rgb`);
 * C = 1 unchanged. `[N, H, W, C] → [N, H, W, C]`, N shifts in [−0.5, 0.5].
 *
 * @example
 * adjustHue(images, Float32Array.of(0.1, -0.25));
 */
export function adjustHue(images: tf.Tensor4D, factors: ArrayLike<number>): tf.Tensor4D {
  return tf.tidy(() => {
    if (images.shape[3] !== 3) return tf.clone(images);
    const [r, g, b] = tf.split(images, 3, 3) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const max = tf.maximum(r, tf.maximum(g, b));
    const min = tf.minimum(r, tf.minimum(g, b));
    const range = tf.sub(max, min);
    const flat = tf.equal(range, 0);
    const one = tf.onesLike(max);
    const s = tf.div(range, tf.where(flat, one, max));
    const divisor = tf.where(flat, one, range);
    const rc = tf.div(tf.sub(max, r), divisor), gc = tf.div(tf.sub(max, g), divisor), bc = tf.div(tf.sub(max, b), divisor);
    const isR = tf.equal(max, r), isG = tf.logicalAnd(tf.equal(max, g), tf.logicalNot(isR));
    const isB = tf.logicalNot(tf.logicalOr(isR, isG));
    const hue6 = tf.addN([
      tf.mul(tf.cast(isR, "float32"), tf.sub(bc, gc)),
      tf.mul(tf.cast(isG, "float32"), tf.add(2, tf.sub(rc, bc))),
      tf.mul(tf.cast(isB, "float32"), tf.add(4, tf.sub(gc, rc))),
    ]);
    let h = tf.add(tf.add(tf.div(hue6, 6), 1), perImage(factors));
    h = tf.sub(h, tf.floor(h));
    const h6 = tf.mul(h, 6);
    const sector = tf.floor(h6);
    const f = tf.sub(h6, sector);
    const wrapped = tf.sub(sector, tf.mul(6, tf.floor(tf.div(sector, 6))));
    const v = max;
    const p = tf.clipByValue(tf.mul(v, tf.sub(1, s)), 0, 1);
    const q = tf.clipByValue(tf.mul(v, tf.sub(1, tf.mul(s, f))), 0, 1);
    const t = tf.clipByValue(tf.mul(v, tf.sub(1, tf.mul(s, tf.sub(1, f)))), 0, 1);
    const masks = [0, 1, 2, 3, 4, 5].map((k) => tf.cast(tf.equal(wrapped, k), "float32"));
    const pick = (choices: tf.Tensor[]) => tf.addN(choices.map((choice, k) => tf.mul(masks[k] as tf.Tensor, choice)));
    const rgb = [pick([v, q, p, p, t, v]), pick([t, v, v, q, p, p]), pick([p, p, t, v, v, q])];
    // torchvision keeps grey pixels (s = 0) exactly: v for every channel.
    return tf.concat(rgb, 3) as tf.Tensor4D;
  });
}

/**
 * `solarize`: x ← 1 − x where x ≥ threshold. `[N, H, W, C] → [N, H, W, C]`.
 *
 * @example
 * solarizeImages(images, 0.5);
 */
export function solarizeImages(images: tf.Tensor4D, threshold: number): tf.Tensor4D {
  return tf.tidy(() => tf.where(tf.greaterEqual(images, threshold), tf.sub(1, images), images) as tf.Tensor4D);
}
