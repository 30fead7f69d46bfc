import { ContrastiveError, DEFAULT_MAX_PIXELS } from "@contrastive/core";
import { loadSharp } from "./load-sharp.js";

/**
 * Decoded pixels of one image, `height × width × channels` bytes in HWC order: what `readImages` of
 * {@link imageFolder} and {@link cifar10} returns, and what `@contrastive/augment`'s image pipelines
 * take (the same shape as its `image.RawImage`, without importing it).
 */
export interface RawImage {
  readonly data: Uint8Array;
  readonly height: number;
  readonly width: number;
  /** 1 (grey) or 3 (RGB). */
  readonly channels: number;
}

/**
 * Decodes one file with sharp to bytes (alpha dropped, sRGB or grey), optionally resized to [height, width].
 * A file declaring more than `maxPixels` pixels is refused from its header, naming its size.
 */
export async function decodeFile(path: string, channels: 1 | 3, size?: readonly [number, number], maxPixels = DEFAULT_MAX_PIXELS): Promise<RawImage> {
  const sharp = await loadSharp();
  const limit = Number.isFinite(maxPixels) ? maxPixels : false;
  let pipeline = sharp(path, { limitInputPixels: limit }).removeAlpha().toColourspace(channels === 3 ? "srgb" : "b-w");
  if (size !== undefined) pipeline = pipeline.resize(size[1], size[0], { fit: "fill", kernel: "linear" });
  try {
    const { data, info } = await pipeline.raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
    return { data, height: info.height, width: info.width, channels: info.channels };
  } catch (cause) {
    if (!/pixel limit/i.test(String((cause as Error)?.message))) throw cause;
    const header = await sharp(path, { limitInputPixels: false }).metadata().catch(() => undefined);
    const dims = header?.width && header?.height ? `${header.width} × ${header.height} = ${header.width * header.height} pixels` : "more pixels";
    throw new ContrastiveError({ component: "imageFolder", argument: path, received: `an image that declares ${dims}`, expected: `at most maxPixels = ${limit} pixels (raise maxPixels to read larger images)`, cause });
  }
}

/** Stacks same-size images into one float32 array of values x / 255 (internal). */
export function stackAsFloats(images: readonly RawImage[]): Float32Array {
  const per = images[0] === undefined ? 0 : images[0].data.length;
  const out = new Float32Array(per * images.length);
  images.forEach((image, i) => {
    for (let k = 0; k < per; k++) out[i * per + k] = (image.data[k] as number) / 255;
  });
  return out;
}
