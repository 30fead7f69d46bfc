import { ContrastiveError, describeValue } from "@contrastive/core";

const component = "encodeNpy";
const ALIGN = 64;
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Checks that `shape` is a list of integers ≥ 0 whose product is `length`; returns the shape. */
export function checkShape(componentName: string, shape: unknown, length: number): number[] {
  const valid = Array.isArray(shape) && shape.every((s) => Number.isInteger(s) && s >= 0);
  const product = valid ? (shape as number[]).reduce((a, b) => a * b, 1) : NaN;
  if (!valid || product !== length) {
    throw new ContrastiveError({
      component: componentName,
      argument: "shape",
      received: `${describeValue(shape)} for ${length} values`,
      expected: `a list of integers ≥ 0 whose product is the data length ${length}, e.g. [${length}] or [rows, ${length}/rows]`,
    });
  }
  return shape as number[];
}

/**
 * Encodes a float32 array as a NumPy `.npy` file (format version 1.0, dtype `'<f4'`, C order), the
 * bytes that `numpy.load` reads back as an array of `shape`. Environment-neutral: returns bytes;
 * write them with `fs.writeFile` or a browser download.
 *
 * The header is the Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (N, d), }`
 * padded with spaces and ended by `\n` so that the data starts at a multiple of 64 bytes, as
 * `numpy.lib.format` writes it (NEP 1 / the `.npy` format description). Values are little-endian
 * whatever the platform.
 *
 * Shapes: `data` of length ∏shape → `10 + header` bytes plus `4 · data.length` bytes.
 *
 * @throws {ContrastiveError} when `data` is not a Float32Array or `shape` does not multiply to its length.
 * @example
 * const bytes = encodeNpy(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
 * // Python: numpy.load("features.npy").shape == (2, 3)
 */
export function encodeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  if (!(data instanceof Float32Array)) {
    throw new ContrastiveError({ component, argument: "data", received: describeValue(data), expected: "a Float32Array (e.g. await features.data())" });
  }
  const dims = checkShape(component, shape, data.length);
  const shapeText = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(", ")})`;
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // magic (6) + version (2) + header length (2) + dict + padding + "\n" ≡ 0 (mod 64)
  const unpadded = MAGIC.length + 2 + 2 + dict.length + 1;
  const padding = (ALIGN - (unpadded % ALIGN)) % ALIGN;
  const headerLength = dict.length + padding + 1;
  const offset = MAGIC.length + 4 + headerLength;
  const bytes = new Uint8Array(offset + 4 * data.length);
  bytes.set(MAGIC, 0);
  bytes[6] = 1; // major version
  bytes[7] = 0; // minor version
  const view = new DataView(bytes.buffer);
  view.setUint16(8, headerLength, true);
  const header = `${dict}${" ".repeat(padding)}\n`;
  for (let i = 0; i < header.length; i++) bytes[10 + i] = header.charCodeAt(i);
  for (let i = 0; i < data.length; i++) view.setFloat32(offset + 4 * i, data[i] as number, true);
  return bytes;
}
