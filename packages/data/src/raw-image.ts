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

/** Decodes one file with sharp to bytes (alpha dropped, sRGB or grey), optionally resized to [height, width]. */
export async function decodeFile(path: string, channels: 1 | 3, size?: readonly [number, number]): Promise<RawImage> {
  const sharp = await loadSharp();
  let pipeline = sharp(path).removeAlpha().toColourspace(channels === 3 ? "srgb" : "b-w");
  if (size !== undefined) pipeline = pipeline.resize(size[1], size[0], { fit: "fill", kernel: "linear" });
  const { data, info } = await pipeline.raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
  return { data, height: info.height, width: info.width, channels: info.channels };
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
