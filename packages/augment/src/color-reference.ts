import type { ColorOperation } from "./image/color-program.js";

/* Test helper (not exported from index.ts): the colour operations, pixel by pixel, for both sides' tests. */

/**
 * Reference formulas, pixel by pixel in float64, written from torchvision's docs; HSV as Python's
 * colorsys (a different algorithm from the one under test). `values` is one HWC image.
 */
const grey = (r: number, g: number, b: number) => 0.2989 * r + 0.587 * g + 0.114 * b;
const clip = (x: number) => Math.min(1, Math.max(0, x));

function rgbToHsv(r: number, g: number, b: number): [number, number, number] {
  const max = Math.max(r, g, b), min = Math.min(r, g, b);
  if (max === min) return [0, 0, max];
  const s = (max - min) / max;
  const rc = (max - r) / (max - min), gc = (max - g) / (max - min), bc = (max - b) / (max - min);
  const h = r === max ? bc - gc : g === max ? 2 + rc - bc : 4 + gc - rc;
  return [(((h / 6) % 1) + 1) % 1, s, max];
}

function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const i = Math.floor(h * 6), f = h * 6 - i;
  const p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  return ([[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]] as const)[((i % 6) + 6) % 6] as unknown as [number, number, number];
}

/** One colour operation on one HWC image, pixel by pixel. */
export function colorReference(values: Float32Array, channels: number, operation: ColorOperation): Float64Array {
  const out = Float64Array.from(values);
  const pixels = values.length / channels;
  let mean = 0;
  for (let p = 0; p < pixels; p++) mean += channels === 3 ? grey(out[3 * p]!, out[3 * p + 1]!, out[3 * p + 2]!) : out[p]!;
  mean /= pixels;
  for (let p = 0; p < pixels; p++) {
    const x = Array.from(out.subarray(p * channels, (p + 1) * channels));
    let y = x;
    switch (operation.code) {
      case "brightness": y = x.map((v) => clip(operation.factor * v)); break;
      case "contrast": y = x.map((v) => clip(operation.factor * v + (1 - operation.factor) * mean)); break;
      case "saturation": if (channels === 3) y = x.map((v) => clip(operation.factor * v + (1 - operation.factor) * grey(x[0]!, x[1]!, x[2]!))); break;
      case "grayscale": if (channels === 3) y = [0, 1, 2].map(() => grey(x[0]!, x[1]!, x[2]!)); break;
      case "solarize": y = x.map((v) => (v >= operation.threshold ? 1 - v : v)); break;
      case "normalize": y = x.map((v, c) => (v - operation.mean[c]!) / operation.std[c]!); break;
      case "hue": if (channels === 3) {
        const [h, s, v] = rgbToHsv(x[0]!, x[1]!, x[2]!);
        y = hsvToRgb((((h + operation.factor) % 1) + 1) % 1, s, v).map(clip);
      }
    }
    out.set(y, p * channels);
  }
  return out;
}


/** `colorReference` on each image of a batch [N, H, W, C] (flat values), with per-image operations. */
export function colorReferenceBatch(values: Float32Array, count: number, channels: number, operationOf: (i: number) => ColorOperation[]): Float64Array {
  const per = values.length / count;
  const out = new Float64Array(values.length);
  for (let i = 0; i < count; i++) {
    let image: Float64Array = Float64Array.from(values.subarray(i * per, (i + 1) * per));
    for (const operation of operationOf(i)) image = colorReference(Float32Array.from(image), channels, operation);
    out.set(image, i * per);
  }
  return out;
}
