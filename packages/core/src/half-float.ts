/*
 * Decoders of the 16-bit floats found in PyTorch weight files, into float32 (exact: every float16 and
 * bfloat16 value is a float32 value). Input is little-endian bytes, as safetensors stores them.
 */

let float16Table: Float32Array | undefined;

/** The float32 value of every float16 bit pattern, built once (256 KB). */
function float16Values(): Float32Array {
  if (float16Table !== undefined) return float16Table;
  const table = new Float32Array(65536);
  for (let bits = 0; bits < 65536; bits++) {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >> 10) & 0x1f;
    const mantissa = bits & 0x3ff;
    if (exponent === 0) table[bits] = sign * mantissa * 2 ** -24; // zero and subnormals
    else if (exponent === 31) table[bits] = mantissa === 0 ? sign * Infinity : Number.NaN;
    else table[bits] = sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  float16Table = table;
  return table;
}

/**
 * IEEE 754 half precision (PyTorch `torch.float16`, safetensors `F16`) to float32, including
 * subnormals (2⁻²⁴ … 2⁻¹⁴), ±∞ and NaN.
 *
 * @example
 * float16ToFloat32(new Uint8Array([0x00, 0x3c])); // Float32Array [1]
 */
export function float16ToFloat32(bytes: Uint8Array): Float32Array {
  const table = float16Values();
  const out = new Float32Array(bytes.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = table[(bytes[2 * i] as number) | ((bytes[2 * i + 1] as number) << 8)] as number;
  return out;
}

/**
 * bfloat16 (PyTorch `torch.bfloat16`, safetensors `BF16`: the upper 16 bits of a float32) to float32.
 *
 * @example
 * bfloat16ToFloat32(new Uint8Array([0x80, 0x3f])); // Float32Array [1]
 */
export function bfloat16ToFloat32(bytes: Uint8Array): Float32Array {
  const bits = new Uint32Array(bytes.length >> 1);
  for (let i = 0; i < bits.length; i++) bits[i] = (((bytes[2 * i] as number) | ((bytes[2 * i + 1] as number) << 8)) << 16) >>> 0;
  return new Float32Array(bits.buffer);
}
