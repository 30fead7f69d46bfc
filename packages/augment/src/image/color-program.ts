/*
 * torchvision's colour operations (torchvision.transforms.functional on tensors) as one fused pass
 * over float32 HWC pixels, in place: a view's colour jitter, grayscale, solarize and normalise run as
 * one program, one pass per contrast step (contrast needs the mean grey value of the image so far).
 */

/** One colour operation of a {@link ColorProgram}, parameters fixed. */
export type ColorOperation =
  | { readonly code: "brightness"; readonly factor: number } // x ← clip(f·x, 0, 1)
  | { readonly code: "contrast"; readonly factor: number } // x ← clip(f·x + (1 − f)·mean(grey), 0, 1)
  | { readonly code: "saturation"; readonly factor: number } // x ← clip(f·x + (1 − f)·grey(x), 0, 1)
  | { readonly code: "hue"; readonly factor: number } // HSV, h ← (h + f) mod 1
  | { readonly code: "grayscale" } // every channel ← grey(x)
  | { readonly code: "solarize"; readonly threshold: number } // x ← 1 − x where x ≥ threshold
  | { readonly code: "normalize"; readonly mean: readonly number[]; readonly std: readonly number[] }; // (x − m_c) / s_c

/** A sequence of colour operations applied in order. */
export type ColorProgram = readonly ColorOperation[];

/** torchvision's `rgb_to_grayscale` weights: grey = 0.2989·r + 0.587·g + 0.114·b. */
export const GRAY_WEIGHTS = [0.2989, 0.587, 0.114] as const;

const [wr, wg, wb] = GRAY_WEIGHTS;
const BRIGHTNESS = 0, CONTRAST = 1, SATURATION = 2, HUE = 3, GRAYSCALE = 4, SOLARIZE = 5, NORMALIZE = 6;
const codeOf = { brightness: BRIGHTNESS, contrast: CONTRAST, saturation: SATURATION, hue: HUE, grayscale: GRAYSCALE, solarize: SOLARIZE, normalize: NORMALIZE };

/**
 * Runs `program` on `pixels` (float32 HWC, 1 or 3 channels) in place; with `bytes`, reads the image
 * from those bytes as x / 255 instead (one pass fewer) and writes `pixels`. Grey images (1 channel)
 * skip saturation, hue and grayscale, as torchvision; contrast uses the mean of the values there.
 * RGB passes run as JS functions compiled once per sequence of operations (no per-pixel dispatch).
 *
 * @example
 * runColorProgram(pixels, 3, [{ code: "brightness", factor: 1.2 }, { code: "hue", factor: 0.1 }]);
 */
export function runColorProgram(pixels: Float32Array, channels: number, program: ColorProgram, bytes?: Uint8Array): void {
  const count = program.length;
  const codes = new Int32Array(count);
  const values = new Float64Array(count);
  const means = new Float64Array(3), scales = new Float64Array(3);
  program.forEach((operation, i) => {
    codes[i] = codeOf[operation.code];
    if ("factor" in operation) values[i] = operation.factor;
    if (operation.code === "solarize") values[i] = operation.threshold;
    if (operation.code === "normalize") {
      for (let c = 0; c < channels; c++) {
        means[c] = operation.mean[c] as number;
        scales[c] = 1 / (operation.std[c] as number);
      }
    }
  });
  let source = bytes;
  if (source !== undefined && (channels !== 3 || codes[0] === CONTRAST || count === 0)) {
    for (let k = 0; k < pixels.length; k++) pixels[k] = BYTE_TO_FLOAT[source[k] as number] as number;
    source = undefined;
  }
  let mean = codes[0] === CONTRAST ? greyMean(pixels, channels) : 0;
  let start = 0;
  while (start < count) {
    let end = start + 1;
    while (end < count && codes[end] !== CONTRAST) end++;
    let sum: number;
    if (channels === 3) {
      const segment = codes.subarray(start, end);
      sum = compiledPass(segment, source !== undefined)(pixels, source, values.subarray(start, end), mean, means, scales, end < count, BYTE_TO_FLOAT);
    } else {
      sum = pass1(pixels, codes, values, start, end, mean, means[0] as number, scales[0] as number);
    }
    source = undefined;
    mean = sum / (pixels.length / channels);
    start = end;
  }
}

/** x / 255 for every byte, rounded once to float32 (as torchvision's `ToTensor`). */
export const BYTE_TO_FLOAT = Float32Array.from({ length: 256 }, (_, value) => value / 255);

function greyMean(pixels: Float32Array, channels: number): number {
  let sum = 0;
  if (channels === 3) for (let k = 0; k < pixels.length; k += 3) sum += wr * (pixels[k] as number) + wg * (pixels[k + 1] as number) + wb * (pixels[k + 2] as number);
  else for (let k = 0; k < pixels.length; k++) sum += pixels[k] as number;
  return sum / (pixels.length / channels);
}

function clip(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

type Pass = (pixels: Float32Array, bytes: Uint8Array | undefined, factors: Float64Array, mean: number, means: Float64Array, scales: Float64Array, wantSum: boolean, lut: Float32Array) => number;

const clipped = (v: string, x: string) => `${v} = ${x}; ${v} = ${v} < 0 ? 0 : ${v} > 1 ? 1 : ${v};`;
const each = (template: (v: string) => string) => ["r", "g", "b"].map(template).join(" ");

/** The JS of operation `code` on the locals r, g, b, its factor in f<i> (torchvision's formulas). */
function operationSource(code: number, i: number): string {
  switch (code) {
    case BRIGHTNESS: return each((v) => clipped(v, `f${i} * ${v}`));
    case CONTRAST: return `{ const o = (1 - f${i}) * mean; ${each((v) => clipped(v, `f${i} * ${v} + o`))} }`;
    case SATURATION: return `{ const y = (1 - f${i}) * (${wr} * r + ${wg} * g + ${wb} * b); ${each((v) => clipped(v, `f${i} * ${v} + y`))} }`;
    case GRAYSCALE: return `r = g = b = ${wr} * r + ${wg} * g + ${wb} * b;`;
    case SOLARIZE: return each((v) => `if (${v} >= f${i}) ${v} = 1 - ${v};`);
    case NORMALIZE: return `r = (r - m0) * s0; g = (g - m1) * s1; b = (b - m2) * s2;`;
    default: // HUE: torchvision's _rgb2hsv, h ← (h + f) mod 1, _hsv2rgb, with h kept as 6·h in [0, 6)
      return `{ const max = r > g ? (r > b ? r : b) : g > b ? g : b; const min = r < g ? (r < b ? r : b) : g < b ? g : b;
        const range = max - min;
        if (range !== 0) {
          const inverse = 1 / range, s = range / max;
          let h6 = (max === r ? (g - b) * inverse : max === g ? 2 + (b - r) * inverse : 4 + (r - g) * inverse) + 6 * f${i};
          if (h6 < 0) h6 += 6; if (h6 < 0) h6 += 6; if (h6 >= 6) h6 -= 6; if (h6 >= 6) h6 -= 6;
          const sector = h6 | 0, t6 = h6 - sector;
          let p = max * (1 - s), q = max * (1 - s * t6), t = max * (1 - s * (1 - t6));
          p = p < 0 ? 0 : p > 1 ? 1 : p; q = q < 0 ? 0 : q > 1 ? 1 : q; t = t < 0 ? 0 : t > 1 ? 1 : t;
          if (sector === 0) { r = max; g = t; b = p; } else if (sector === 1) { r = q; g = max; b = p; }
          else if (sector === 2) { r = p; g = max; b = t; } else if (sector === 3) { r = p; g = q; b = max; }
          else if (sector === 4) { r = t; g = p; b = max; } else { r = max; g = p; b = q; }
        } }`;
  }
}

const passes = new Map<string, Pass>();

/** The RGB pass of one sequence of operations, compiled once (a contrast first uses `mean`); returns the sum of grey values when asked. */
function compiledPass(codes: Int32Array, fromBytes: boolean): Pass {
  const key = `${fromBytes ? "u8" : "f32"}:${codes.join(",")}`;
  let pass = passes.get(key);
  if (pass === undefined) {
    const factors = Array.from(codes, (_, i) => `const f${i} = factors[${i}];`).join(" ");
    const read = fromBytes ? "lut[bytes[k]], g = lut[bytes[k + 1]], b = lut[bytes[k + 2]]" : "pixels[k], g = pixels[k + 1], b = pixels[k + 2]";
    const body = `${factors} const m0 = means[0], m1 = means[1], m2 = means[2], s0 = scales[0], s1 = scales[1], s2 = scales[2];
      let sum = 0;
      for (let k = 0; k < pixels.length; k += 3) {
        let r = ${read};
        ${Array.from(codes, (code, i) => operationSource(code, i)).join("\n")}
        pixels[k] = r; pixels[k + 1] = g; pixels[k + 2] = b;
        if (wantSum) sum += ${wr} * r + ${wg} * g + ${wb} * b;
      }
      return sum;`;
    pass = new Function("pixels", "bytes", "factors", "mean", "means", "scales", "wantSum", "lut", body) as Pass;
    passes.set(key, pass);
  }
  return pass;
}

/** One pass over grey pixels; returns the sum of values. */
function pass1(pixels: Float32Array, codes: Int32Array, values: Float64Array, start: number, end: number, mean: number, normalizeMean: number, normalizeScale: number): number {
  let sum = 0;
  for (let k = 0; k < pixels.length; k++) {
    let x = pixels[k] as number;
    for (let o = start; o < end; o++) {
      const f = values[o] as number;
      const code = codes[o];
      if (code === BRIGHTNESS) x = clip(f * x);
      else if (code === CONTRAST) x = clip(f * x + (1 - f) * mean);
      else if (code === SOLARIZE) { if (x >= f) x = 1 - x; }
      else if (code === NORMALIZE) x = (x - normalizeMean) * normalizeScale;
    }
    pixels[k] = x;
    sum += x;
  }
  return sum;
}
