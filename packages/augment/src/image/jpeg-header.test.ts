import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { readJpegHeader } from "./jpeg-header.js";

const noise = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: "#000", noise: { type: "gaussian", mean: 128, sigma: 50 } } });

describe("readJpegHeader", () => {
  it("reads the size, components, precision and ICC flag that libvips reports", async () => {
    const cases = [
      await noise(301, 187).jpeg().toBuffer(),
      await noise(64, 40).jpeg({ progressive: true, chromaSubsampling: "4:4:4" }).toBuffer(),
      await noise(32, 32).toColourspace("b-w").jpeg().toBuffer(),
      await noise(32, 48).toColourspace("cmyk").jpeg().toBuffer(),
      await noise(48, 32).withIccProfile("p3").jpeg().toBuffer(),
    ];
    for (const jpeg of cases) {
      const metadata = await sharp(jpeg).metadata();
      expect(readJpegHeader(jpeg)).toEqual({ height: metadata.height, width: metadata.width, components: metadata.channels, precision: 8, iccProfile: metadata.icc !== undefined });
    }
  });

  it("gives undefined for other formats and for a JPEG cut before its frame header", async () => {
    expect(readJpegHeader(await noise(8, 8).png().toBuffer())).toBeUndefined();
    expect(readJpegHeader(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]))).toBeUndefined();
    expect(readJpegHeader(new Uint8Array(0))).toBeUndefined();
  });
});
