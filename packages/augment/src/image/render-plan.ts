import type { Sharp } from "sharp";
import { loadSharp } from "./load-sharp.js";
import { ContrastiveError } from "@contrastive/core";
import { BYTE_TO_FLOAT, runColorProgram, type ColorOperation } from "./color-program.js";
import type { ImagePlan, PlanStep } from "./image-plan.js";
import { decodeImage, type RawImage } from "./raw-image.js";

/** One rendered view: float32 HWC pixels (in [0, 1] unless normalised). */
export interface ImageView {
  readonly data: Float32Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

interface Pixels {
  data: Uint8Array | Float32Array;
  height: number;
  width: number;
  channels: number;
}

type GeometricStep = Extract<PlanStep, { kind: "crop" | "flip" | "blur" | "rotate" }>;
const stageOrder = { crop: 0, flip: 1, blur: 2, rotate: 3 } as const;

/**
 * Runs a plan on decoded pixels. Consecutive geometric steps go into one libvips pipeline with raw
 * output on the libuv thread pool (crop = extract + resize, then flip, then blur; a rotation starts a
 * pipeline of its own); consecutive colour steps (jitter, grayscale, solarize, normalise) run as one
 * fused JS pass on float32 pixels (`runColorProgram`); custom pixel steps run in JS in place. So the
 * SimCLR view (crop, flip, colour, grayscale, blur) is one pipeline on bytes, one JS pass, and a second
 * pipeline only when the blur is drawn. libvips always works on bytes (sharp's float raw input does not
 * survive its sRGB output): bytes become floats as x / 255, and colour output that a later libvips step
 * reads is rounded back to bytes, as PIL, on which torchvision's image transforms run, keeps them.
 *
 * @returns float32 pixels `[plan.height, plan.width, plan.channels]`; the input is not changed.
 * @throws {ContrastiveError} when a geometric step follows `normalize`; an Error from sharp when libvips fails.
 * @example
 * const view = await image.renderPlan(await image.decodeImage("cat.jpg"), plan); // view.data: Float32Array
 */
export function renderPlan(image: RawImage, plan: ImagePlan): Promise<ImageView> {
  return renderPlanFrom(image, plan);
}

/**
 * An encoded 8-bit, 3-component JPEG and its size from the header (internal, see `readJpegHeader`):
 * a source from which `renderPlanFrom` decodes inside the first crop's pipeline.
 */
export interface EncodedJpeg {
  readonly encoded: Uint8Array;
  readonly height: number;
  readonly width: number;
  readonly channels: 3;
}

/**
 * {@link renderPlan} from decoded pixels or, when the plan starts with a crop, from an encoded JPEG
 * (internal): then decode, crop, resize, flip (and blur) run as one libvips pipeline, one trip to the
 * thread pool instead of two. The crop always goes in as an `extract`, even of the whole image, which
 * keeps sharp from shrinking on load, so the bytes are those of `decodeImage` then `renderPlan`.
 */
export async function renderPlanFrom(source: RawImage | EncodedJpeg, plan: ImagePlan): Promise<ImageView> {
  let encoded = "encoded" in source;
  if (encoded && plan.steps[0]?.kind !== "crop") {
    return renderPlanFrom(await decodeImage((source as EncodedJpeg).encoded), plan);
  }
  let current: Pixels = { data: "encoded" in source ? source.encoded : source.data, height: source.height, width: source.width, channels: source.channels };
  let owned = false; // whether current.data may be changed in place
  let normalized = false;
  const steps = plan.steps;
  let i = 0;
  while (i < steps.length) {
    const step = steps[i] as PlanStep;
    if (step.kind === "color") {
      const program: ColorOperation[] = [];
      while (i < steps.length && (steps[i] as PlanStep).kind === "color") program.push(...(steps[i++] as Extract<PlanStep, { kind: "color" }>).program);
      if (current.data instanceof Uint8Array) {
        // The first pass reads the bytes as x / 255: no separate conversion.
        const floats = new Float32Array(current.data.length);
        runColorProgram(floats, current.channels, program, current.data);
        current = { ...current, data: floats };
      } else {
        if (!owned) current = { ...current, data: Float32Array.from(current.data) };
        runColorProgram(current.data as Float32Array, current.channels, program);
      }
      owned = true;
      normalized ||= program.some((o) => o.code === "normalize");
      continue;
    }
    if (step.kind === "pixels") {
      if (!(current.data instanceof Float32Array)) current = { ...current, data: bytesToFloats(current.data) };
      else if (!owned) current = { ...current, data: Float32Array.from(current.data) };
      owned = true;
      step.apply(current.data as Float32Array, current.channels);
      i += 1;
      continue;
    }
    const stage: GeometricStep[] = [step];
    i += 1;
    while (i < steps.length) {
      const next = steps[i] as PlanStep;
      if (next.kind === "pixels" || next.kind === "color" || next.kind === "rotate") break;
      if (stageOrder[next.kind] <= stageOrder[(stage[stage.length - 1] as GeometricStep).kind]) break;
      stage.push(next);
      i += 1;
    }
    if (current.data instanceof Float32Array) {
      if (normalized) {
        throw new ContrastiveError({ component: "image.renderPlan", argument: `plan.steps[${i - stage.length}]`, received: `a ${step.kind} after normalize`, expected: "geometric steps (crop, flip, blur, rotation) before normalize: put normalize last" });
      }
      current = { ...current, data: floatsToBytes(current.data) };
    }
    current = await runStage(current as Pixels & { data: Uint8Array }, stage, encoded);
    encoded = false;
    owned = true;
  }
  const data = current.data instanceof Float32Array ? (owned ? current.data : Float32Array.from(current.data)) : bytesToFloats(current.data);
  return { data, height: current.height, width: current.width, channels: current.channels };
}

/** One libvips pipeline over bytes, raw (`encoded`: an encoded JPEG, decoded to sRGB as `decodeImage`). */
async function runStage(input: Pixels & { data: Uint8Array }, stage: GeometricStep[], encoded = false): Promise<Pixels> {
  const sharp = await loadSharp();
  let pipeline = encoded ? sharp(input.data).toColourspace("srgb") : sharp(input.data, { raw: { width: input.width, height: input.height, channels: input.channels as 1 | 3 } });
  for (const step of stage) {
    if (step.kind === "crop") {
      const { box } = step;
      // From an encoded JPEG, an extract before the resize also turns off shrink-on-load.
      if (encoded || box.top !== 0 || box.left !== 0 || box.height !== input.height || box.width !== input.width) {
        pipeline = pipeline.extract({ left: box.left, top: box.top, width: box.width, height: box.height });
      }
      if (box.height !== step.height || box.width !== step.width) pipeline = pipeline.resize(step.width, step.height, { fit: "fill", kernel: "linear" });
    } else if (step.kind === "flip") {
      pipeline = pipeline.flop();
    } else if (step.kind === "blur") {
      pipeline = addBlur(pipeline, step.sigma, step.kernelSize);
    } else if (Math.abs(step.degrees % 360) > 1e-9) {
      // torchvision turns counter-clockwise for positive angles, libvips clockwise; keep the size (expand = False).
      const turned = rotatedSize(input.width, input.height, step.degrees);
      pipeline = pipeline.rotate(-step.degrees, { background: { r: 0, g: 0, b: 0, alpha: 1 } }).extract({
        left: Math.floor((turned.width - input.width) / 2),
        top: Math.floor((turned.height - input.height) / 2),
        width: input.width,
        height: input.height,
      });
    }
  }
  // sharp writes sRGB unless told otherwise: keep grey images grey.
  if (input.channels === 1) pipeline = pipeline.toColourspace("b-w");
  const { data, info } = await pipeline.raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
  return { data, height: info.height, width: info.width, channels: input.channels };
}

/** The canvas libvips' `rotate` gives: the bounding box of the turned image, sides rounded up. */
function rotatedSize(width: number, height: number, degrees: number): { width: number; height: number } {
  const radians = (degrees * Math.PI) / 180;
  const cos = Math.abs(Math.cos(radians)), sin = Math.abs(Math.sin(radians));
  return { width: Math.ceil(width * cos + height * sin - 1e-9), height: Math.ceil(width * sin + height * cos - 1e-9) };
}

/**
 * A Gaussian blur as torchvision's `GaussianBlur`: `kernelSize` taps, standard deviation `sigma`.
 * libvips' `gaussblur` builds the kernel until its amplitude falls below `minAmplitude`, set so the kernel
 * reaches torchvision's radius (kernelSize − 1) / 2, or 3.7σ where the tail is below 0.1%. sharp takes
 * σ ≥ 0.3; below it the kernel is 3×3 (the next tap weighs < 1e-9) and runs as a convolution.
 */
function addBlur(pipeline: Sharp, sigma: number, kernelSize: number): Sharp {
  const radius = (kernelSize - 1) / 2;
  if (radius < 1) return pipeline;
  if (sigma >= 0.3) {
    const minAmplitude = Math.min(0.2, Math.max(0.001, Math.exp(-(radius * radius) / (2 * sigma * sigma))));
    return pipeline.blur({ sigma, minAmplitude, precision: "integer" });
  }
  const edge = Math.exp(-1 / (2 * sigma * sigma));
  const taps = [edge, 1, edge].map((w) => w / (1 + 2 * edge));
  return pipeline.convolve({ width: 3, height: 3, kernel: taps.flatMap((row) => taps.map((column) => row * column)), scale: 1, offset: 0 });
}

function bytesToFloats(bytes: Uint8Array): Float32Array {
  const floats = new Float32Array(bytes.length);
  for (let k = 0; k < bytes.length; k++) floats[k] = BYTE_TO_FLOAT[bytes[k] as number] as number;
  return floats;
}

function floatsToBytes(floats: Float32Array): Uint8Array {
  const bytes = new Uint8Array(floats.length);
  for (let k = 0; k < floats.length; k++) {
    const x = floats[k] as number;
    bytes[k] = x <= 0 ? 0 : x >= 1 ? 255 : (x * 255 + 0.5) | 0;
  }
  return bytes;
}
