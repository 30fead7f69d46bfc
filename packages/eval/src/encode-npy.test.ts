import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContrastiveError, createRng } from "@contrastive/core";
import { afterAll, describe, expect, it } from "vitest";
import { encodeNpy } from "./encode-npy.js";
import { pythonHas, runPython } from "./test-python.js";

/** Reads an .npy v1.0 file by hand: magic, version, header dict, then little-endian float32 data. */
function parseNpy(bytes: Uint8Array): { header: string; headerLength: number; shape: number[]; values: Float32Array } {
  expect(Array.from(bytes.subarray(0, 6))).toEqual([0x93, ..."NUMPY"].map((c) => (typeof c === "number" ? c : c.charCodeAt(0))));
  expect([bytes[6], bytes[7]]).toEqual([1, 0]);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint16(8, true);
  const header = String.fromCharCode(...bytes.subarray(10, 10 + headerLength));
  const match = /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(([\d, ]*)\), \} *\n$/.exec(header);
  expect(match, header).not.toBeNull();
  const shape = match![1]!.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = 10 + headerLength;
  expect(bytes.length).toBe(start + 4 * count);
  const values = Float32Array.from({ length: count }, (_, i) => view.getFloat32(start + 4 * i, true));
  return { header, headerLength, shape, values };
}

const folder = mkdtempSync(join(tmpdir(), "encode-npy-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const cases: [number[], number][] = [[[3, 4], 1], [[1, 1], 2], [[7], 3], [[0, 5], 4], [[2, 3, 5], 5], [[1000, 128], 6], [[12345678, 0], 7]];

describe("encodeNpy", () => {
  it.each(cases)("writes shape %j with a 64-byte aligned header and the values in C order", (shape, seed) => {
    const rng = createRng(seed);
    const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal(0, 100));
    const bytes = encodeNpy(data, shape);
    const parsed = parseNpy(bytes);
    expect((10 + parsed.headerLength) % 64).toBe(0);
    expect(parsed.shape).toEqual(shape);
    expect(parsed.header).toContain(shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`);
    expect(Array.from(parsed.values)).toEqual(Array.from(data));
  });

  it("keeps special float32 values bit for bit", () => {
    const data = Float32Array.from([0, -0, Infinity, -Infinity, NaN, 1.401298464324817e-45, 3.4028234663852886e38]);
    const { values } = parseNpy(encodeNpy(data, [7]));
    expect(Array.from(new Uint32Array(values.buffer))).toEqual(Array.from(new Uint32Array(data.buffer)));
  });

  const numpy = pythonHas("numpy");
  it.skipIf(!numpy.ok)(`is read back by numpy.load with the same values, shape and dtype${numpy.ok ? "" : ` (skipped: ${numpy.reason})`}`, () => {
    const script = [
      "import json, sys, numpy as np",
      "out = []",
      "for f in sys.argv[1:]:",
      "    a = np.load(f)",
      "    b = np.lib.format.open_memmap(f, mode='r')",
      "    with open(f, 'rb') as h: np.lib.format.read_magic(h); hl = np.lib.format.read_array_header_1_0(h); off = h.tell()",
      "    out.append({'shape': list(a.shape), 'dtype': a.dtype.str, 'fortran': bool(np.isfortran(a)) and a.ndim > 1, 'sum': float(a.astype(np.float64).sum()), 'first': a.ravel()[:3].tolist(), 'offset': off, 'same_mmap': bool(np.array_equal(a, b))})",
      "print(json.dumps(out))",
    ].join("\n");
    const files: string[] = [];
    const expected: { shape: number[]; sum: number; first: number[] }[] = [];
    for (const [shape, seed] of cases.slice(0, 6)) {
      const rng = createRng(seed);
      const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal(0, 1));
      const file = join(folder, `${seed}.npy`);
      writeFileSync(file, encodeNpy(data, shape));
      files.push(file);
      expected.push({ shape, sum: data.reduce((a, b) => a + b, 0), first: Array.from(data.subarray(0, 3)) });
    }
    const results = JSON.parse(runPython(["-c", script, ...files])) as { shape: number[]; dtype: string; fortran: boolean; sum: number; first: number[]; offset: number; same_mmap: boolean }[];
    results.forEach((result, i) => {
      expect(result.shape).toEqual(expected[i]!.shape);
      expect(result.dtype).toBe("<f4");
      expect(result.fortran).toBe(false);
      expect(result.offset % 64).toBe(0);
      expect(result.same_mmap).toBe(true);
      expect(result.first).toEqual(expected[i]!.first);
      expect(result.sum).toBeCloseTo(expected[i]!.sum, 6);
    });
    // numpy's own file of the same array holds the same data bytes after its (possibly longer) header.
    const ours = readFileSync(files[0]!);
    runPython(["-c", `import numpy as np, sys; np.save(sys.argv[2], np.load(sys.argv[1]))`, files[0]!, join(folder, "numpy.npy")]);
    const theirs = readFileSync(join(folder, "numpy.npy"));
    const dataOf = (b: Buffer) => b.subarray(10 + b.readUInt16LE(8));
    expect(Buffer.compare(dataOf(ours), dataOf(theirs))).toBe(0);
  });

  it.each<[string, () => Uint8Array, RegExp]>([
    ["a shape that does not match", () => encodeNpy(new Float32Array(6), [4, 2]), /^encodeNpy: shape must be a list of integers ≥ 0 whose product is the data length 6.*; got \[4, 2\] for 6 values$/],
    ["a negative dimension", () => encodeNpy(new Float32Array(0), [-1, 0]), /^encodeNpy: shape must be .*; got \[-1, 0\] for 0 values$/],
    ["a plain array", () => encodeNpy([1, 2] as unknown as Float32Array, [2]), /^encodeNpy: data must be a Float32Array \(e.g. await features.data\(\)\); got \[1, 2\]$/],
    ["a Float64Array", () => encodeNpy(new Float64Array(2) as unknown as Float32Array, [2]), /data must be a Float32Array.*; got object \(Float64Array\)$/],
  ])("rejects %s with a ContrastiveError", (_, call, message) => {
    const error = (() => { try { call(); } catch (e) { return e; } })();
    expect(ContrastiveError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });
});
