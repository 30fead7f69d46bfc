import { describe, expect, it } from "vitest";
import { ContrastiveError } from "./errors.js";
import { bfloat16ToFloat32, float16ToFloat32 } from "./half-float.js";
import { SAFETENSORS_MAX_HEADER_BYTES, parseSafetensors, serializeSafetensors } from "./safetensors.js";

/** A file built by hand: the header as given (no checks), then `data`. */
function rawFile(header: unknown, data: Uint8Array, headerLength?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, headerLength ?? json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function le16(words: number[]): Uint8Array {
  return new Uint8Array(words.flatMap((w) => [w & 0xff, w >> 8]));
}

function expectError(fn: () => unknown, ...fragments: string[]): void {
  try {
    fn();
  } catch (error) {
    expect(ContrastiveError.isInstance(error)).toBe(true);
    for (const fragment of fragments) expect((error as Error).message).toContain(fragment);
    return;
  }
  throw new Error("expected a ContrastiveError");
}

describe("serializeSafetensors / parseSafetensors", () => {
  it("round-trips float32 and int64 tensors, their order, shapes and metadata, bit for bit", () => {
    const a = Float32Array.from({ length: 24 }, (_, i) => Math.sin(i) * 10 ** (i % 7 - 3));
    a[3] = -0;
    a[5] = Number.POSITIVE_INFINITY;
    const tensors = new Map([
      ["layer1.0.conv1.weight", { shape: [2, 3, 2, 2], values: a }],
      ["bn1.num_batches_tracked", { shape: [], values: BigInt64Array.from([123456789012n]) }],
      ["empty", { shape: [0, 4], values: new Float32Array(0) }],
      ["b", { shape: [3], values: Float32Array.from([1.5, -2.25, 3e-30]) }],
    ]);
    const bytes = serializeSafetensors(tensors, { metadata: { format: "pt", note: "é ✓" } });
    const headerLength = new DataView(bytes.buffer).getUint32(0, true);
    expect(headerLength % 8).toBe(0);
    const parsed = parseSafetensors(bytes);
    expect(parsed.metadata).toEqual({ format: "pt", note: "é ✓" });
    expect([...parsed.tensors.keys()]).toEqual([...tensors.keys()]);
    for (const [name, want] of tensors) {
      const got = parsed.tensors.get(name);
      expect(got?.shape).toEqual(want.shape);
      expect(got?.dtype).toBe(want.values instanceof Float32Array ? "F32" : "I64");
      expect(Array.from(got?.values as ArrayLike<number | bigint>)).toEqual(Array.from(want.values as ArrayLike<number | bigint>));
    }
    expect(Object.is((parsed.tensors.get("layer1.0.conv1.weight")?.values as Float32Array)[3], -0)).toBe(true);
  });

  it("reads a tensor from a byte offset that is not 4-aligned (a sub-view of a larger buffer)", () => {
    const bytes = serializeSafetensors({ w: { shape: [2], values: Float32Array.from([0.1, -7]) } });
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect(Array.from(parseSafetensors(shifted.subarray(3)).tensors.get("w")?.values as Float32Array)).toEqual([Math.fround(0.1), -7]);
  });

  it("decodes F16 and BF16 (normals, subnormals, ±0, ±∞, NaN) to the hand-computed float32 values", () => {
    const f16 = [0x3c00, 0xc000, 0x7bff, 0x3555, 0x0001, 0x03ff, 0x0400, 0x8000, 0x7c00, 0xfc00, 0x7e00];
    const f16Want = [1, -2, 65504, 0.333251953125, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, -0, Infinity, -Infinity, Number.NaN];
    const bf16 = [0x3f80, 0xc040, 0x3eab, 0x0001, 0x8000, 0x7f80, 0xff80, 0x7fc0, 0x4049];
    const bf16Want = [1, -3, 0.333984375, 2 ** -133, -0, Infinity, -Infinity, Number.NaN, 3.140625];
    expect(Array.from(float16ToFloat32(le16(f16)))).toEqual(f16Want);
    expect(Array.from(bfloat16ToFloat32(le16(bf16)))).toEqual(bf16Want);
    const file = rawFile({ h: { dtype: "F16", shape: [f16.length], data_offsets: [0, 22] }, b: { dtype: "BF16", shape: [3, 3], data_offsets: [22, 40] } }, new Uint8Array([...le16(f16), ...le16(bf16)]));
    const { tensors } = parseSafetensors(file);
    expect(Array.from(tensors.get("h")?.values as Float32Array)).toEqual(f16Want);
    expect(tensors.get("b")?.shape).toEqual([3, 3]);
    expect(Array.from(tensors.get("b")?.values as Float32Array)).toEqual(bf16Want);
    // every finite float16 agrees with a direct evaluation of sign × 2^(e−15) × (1 + m/1024)
    const all = float16ToFloat32(le16(Array.from({ length: 0x7c00 }, (_, i) => i)));
    for (let bits = 0x400; bits < 0x7c00; bits += 37) expect(all[bits]).toBe(2 ** ((bits >> 10) - 15) * (1 + (bits & 0x3ff) / 1024));
  });

  const w = { dtype: "F32", shape: [2], data_offsets: [0, 8] };
  const eight = new Uint8Array(8);
  const cases: Array<[string, () => Uint8Array, string[]]> = [
    ["a file shorter than 8 bytes", () => new Uint8Array(5), ["model.safetensors header length", "5 bytes"]],
    ["a header length beyond the file", () => rawFile({ w }, eight, 4000), ["header length", "4000 bytes in a file of"]],
    ["a header length above the limit", () => rawFile({ w }, eight, SAFETENSORS_MAX_HEADER_BYTES + 1), ["header length", `at most ${SAFETENSORS_MAX_HEADER_BYTES}`]],
    ["a header that is not JSON", () => rawFile('{"w": {"dtype": "F32",', eight), ["model.safetensors header", "not UTF-8 JSON"]],
    ["a header that is a JSON array", () => rawFile("[1, 2]", eight), ["header", "a JSON array"]],
    ["an unknown dtype", () => rawFile({ w: { ...w, dtype: "F31" } }, eight), ['tensor "w" dtype', '"F31"']],
    ["a bad shape", () => rawFile({ w: { ...w, shape: [2, -1] } }, eight), ['tensor "w" shape', "[2,-1]"]],
    ["offsets beyond the data", () => rawFile({ w: { ...w, data_offsets: [4, 12] } }, eight), ['tensor "w" data_offsets', "[4, 12] with 8 data bytes"]],
    ["reversed offsets", () => rawFile({ w: { ...w, data_offsets: [8, 0] } }, eight), ['tensor "w" data_offsets', "0 ≤ begin ≤ end"]],
    ["a byte count that does not match dtype × shape", () => rawFile({ w: { ...w, shape: [3] } }, eight), ['tensor "w" data_offsets', "8 bytes for F32 of shape [3]", "12 bytes"]],
    ["overlapping tensors", () => rawFile({ w, v: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, eight), ['tensor "v" data_offsets', "overlapping"]],
    ["a gap between tensors", () => rawFile({ w: { ...w, shape: [1], data_offsets: [4, 8] } }, eight), ['tensor "w"', "leaving a gap after byte 0"]],
    ["trailing bytes after the tensors", () => rawFile({ w: { ...w, shape: [1], data_offsets: [0, 4] } }, eight), ["model.safetensors data", "cover 4"]],
    ["a dtype that cannot be read as float32", () => rawFile({ w: { ...w, dtype: "F64", shape: [1] } }, eight), ['tensor "w" dtype', '"F64"', "tensor.float()"]],
    ["metadata that is not strings", () => rawFile({ __metadata__: { epoch: 3 }, w }, eight), ["__metadata__", "string values"]],
  ];
  for (const [what, file, fragments] of cases) {
    it(`refuses ${what}, naming the file${fragments.some((f) => f.includes("tensor")) ? " and the tensor" : ""}`, () => {
      expectError(() => parseSafetensors(file(), { source: "model.safetensors" }), "safetensors: model.safetensors", ...fragments);
    });
  }

  it("refuses to write a shape that does not match the values, or a non-float32 array", () => {
    expectError(() => serializeSafetensors({ w: { shape: [2, 2], values: new Float32Array(3) } }), 'tensors["w"].shape', "[2, 2] for 3 values");
    expectError(() => serializeSafetensors({ w: { shape: [2], values: new Float64Array(2) as unknown as Float32Array } }), 'tensors["w"].values', "Float64Array");
  });
});
