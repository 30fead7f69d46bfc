import type * as tf from "@tensorflow/tfjs-core";
import sharp from "sharp";

/**
 * PNG data URIs (`data:image/png;base64,…`) of a batch of images [n, H, W, C] with values in [0, 1]
 * (C = 1 or 3), each scaled to `size` pixels on its longer side (nearest neighbour when enlarging, so
 * small images stay crisp).
 */
export async function thumbnails(images: tf.Tensor4D, size = 64): Promise<string[]> {
  const [n, height, width, channels] = images.shape;
  const pixels = await images.data();
  const one = height * width * channels;
  return Promise.all(Array.from({ length: n }, async (_, i) => {
    const bytes = Buffer.alloc(one);
    for (let k = 0; k < one; k++) bytes[k] = Math.round(Math.min(1, Math.max(0, pixels[i * one + k] as number)) * 255);
    const scale = size / Math.max(height, width);
    const png = await sharp(bytes, { raw: { width, height, channels: channels as 1 | 3 } })
      .resize(Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale)), { kernel: scale > 1 ? "nearest" : "lanczos3" })
      .png()
      .toBuffer();
    return `data:image/png;base64,${png.toString("base64")}`;
  }));
}
