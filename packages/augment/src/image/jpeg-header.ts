/** What {@link readJpegHeader} finds in a JPEG's markers before the first scan. */
export interface JpegHeader {
  readonly height: number;
  readonly width: number;
  /** Colour components of the frame: 1 (grey), 3 (YCbCr or RGB) or 4 (CMYK / YCCK). */
  readonly components: number;
  /** Bits per sample, 8 for almost every JPEG (12 and 16 exist). */
  readonly precision: number;
  /** Whether an APP2 `ICC_PROFILE` segment is present. */
  readonly iccProfile: boolean;
}

const ICC_PROFILE = [0x49, 0x43, 0x43, 0x5f, 0x50, 0x52, 0x4f, 0x46, 0x49, 0x4c, 0x45, 0x00]; // "ICC_PROFILE\0"

/**
 * Reads the size and layout of a JPEG from its markers, synchronously and without decoding (internal):
 * lets `augmentImage` plan a view before libvips opens the file, so decode, crop, resize and flip run as
 * one pipeline. Walks the segments from SOI to the frame header (SOF0–SOF15 but DHT, JPG and DAC).
 *
 * @returns the header, or undefined when `bytes` is not a JPEG or its header is cut short or odd
 * (height 0, i.e. given later by a DNL marker); callers then decode as usual.
 * @example
 * readJpegHeader(await readFile("cat.jpg")); // { height: 256, width: 256, components: 3, precision: 8, iccProfile: false }
 */
export function readJpegHeader(bytes: Uint8Array): JpegHeader | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let iccProfile = false;
  let k = 2;
  while (k + 4 <= bytes.length) {
    if (bytes[k] !== 0xff) return undefined;
    const marker = bytes[k + 1] as number;
    if (marker === 0xff) { k += 1; continue; } // fill byte
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { k += 2; continue; } // no length
    if (marker === 0xd9 || marker === 0xda) return undefined; // end of image or a scan before any frame
    const length = ((bytes[k + 2] as number) << 8) | (bytes[k + 3] as number);
    if (length < 2 || k + 2 + length > bytes.length) return undefined;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (length < 8) return undefined;
      const height = ((bytes[k + 5] as number) << 8) | (bytes[k + 6] as number);
      const width = ((bytes[k + 7] as number) << 8) | (bytes[k + 8] as number);
      if (height === 0 || width === 0) return undefined;
      return { height, width, components: bytes[k + 9] as number, precision: bytes[k + 4] as number, iccProfile };
    }
    if (marker === 0xe2 && length >= 2 + ICC_PROFILE.length && ICC_PROFILE.every((b, i) => bytes[k + 4 + i] === b)) iccProfile = true;
    k += 2 + length;
  }
  return undefined;
}
