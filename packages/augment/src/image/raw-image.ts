import { loadSharp } from "./load-sharp.js";
import { ContrastiveError, describeValue } from "@contrastive/core";
import { DEFAULT_MAX_PIXELS, assertMaxPixels, isPixelLimit, sharpLimit, tooManyPixels } from "./pixel-limit.js";

/**
 * Decoded pixels of one image: `height × width × channels` unsigned bytes, rows top to bottom,
 * channels interleaved (HWC), as libvips writes raw output. What {@link decodeImage} returns and what
 * `@contrastive/data`'s `imageFolder` and `cifar10` hand to the image pipelines (same shape, no import).
 */
export interface RawImage {
  readonly data: Uint8Array;
  readonly height: number;
  readonly width: number;
  /** 1 (grey) or 3 (RGB). */
  readonly channels: number;
}

/** What the image pipelines accept: a file path, an encoded JPEG / PNG / WebP buffer, or decoded pixels. */
export type ImageInput = string | Uint8Array | RawImage;

/** Options of {@link decodeImage}. */
export interface DecodeImageOptions {
  /** 3 converts to sRGB (grey images are replicated, alpha dropped); 1 converts to grey. Default 3. */
  channels?: 1 | 3;
  /**
   * Largest width × height an input may declare; larger ones are refused from their header, before any
   * pixel is decoded. Default 50 megapixels (`DEFAULT_MAX_PIXELS`: ≤ 150 MB decoded per image); `Infinity` lifts it.
   */
  maxPixels?: number;
}

/**
 * Decodes a JPEG, PNG, WebP (or any format libvips reads) file or buffer once, into raw bytes, on the
 * libuv thread pool. Alpha is dropped (as PIL's `convert("RGB")`), 16-bit images are scaled to 8 bits.
 * A {@link RawImage} is returned as it is.
 *
 * @returns the pixels, `[height, width, channels]` bytes.
 * @throws {ContrastiveError} (rejects) when the input cannot be read or decoded, or declares more than
 * `maxPixels` pixels; the message names the file (for a path) and the decoder's reason or the size.
 * @example
 * const pixels = await decodeImage("photos/cat.jpg"); // { data, height, width, channels: 3 }
 */
export async function decodeImage(input: ImageInput, options: DecodeImageOptions = {}): Promise<RawImage> {
  const { channels = 3 } = options ?? {};
  const maxPixels = assertMaxPixels("decodeImage", options?.maxPixels ?? DEFAULT_MAX_PIXELS);
  if (channels !== 1 && channels !== 3) {
    throw new ContrastiveError({ component: "decodeImage", argument: "channels", received: describeValue(channels), expected: "1 or 3" });
  }
  if (isRawImage(input)) return input;
  if (typeof input !== "string" && !(input instanceof Uint8Array)) {
    throw new ContrastiveError({ component: "decodeImage", argument: "input", received: describeValue(input), expected: "a file path, an encoded image buffer or a RawImage { data, height, width, channels }" });
  }
  const sharp = await loadSharp();
  try {
    const pipeline = sharp(input, { limitInputPixels: sharpLimit(maxPixels) }).removeAlpha().toColourspace(channels === 3 ? "srgb" : "b-w");
    const { data, info } = await pipeline.raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
    return { data, height: info.height, width: info.width, channels: info.channels };
  } catch (cause) {
    const what = typeof input === "string" ? `the file ${input}` : `a buffer of ${input.length} bytes`;
    if (isPixelLimit(cause)) throw await tooManyPixels("decodeImage", what, input, maxPixels);
    throw new ContrastiveError({ component: "decodeImage", argument: "input", received: `${what}, which failed to decode (${(cause as Error).message})`, expected: "a readable JPEG, PNG or WebP image", cause });
  }
}

/** Whether `value` is a {@link RawImage} with a consistent byte count. */
export function isRawImage(value: unknown): value is RawImage {
  const raw = value as RawImage | null;
  return (
    typeof raw === "object" && raw !== null && !(raw instanceof Uint8Array) && raw.data instanceof Uint8Array &&
    Number.isInteger(raw.height) && Number.isInteger(raw.width) && (raw.channels === 1 || raw.channels === 3) &&
    raw.height >= 1 && raw.width >= 1 && raw.data.length === raw.height * raw.width * raw.channels
  );
}
