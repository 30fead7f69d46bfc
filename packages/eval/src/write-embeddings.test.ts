import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContrastiveError, createRng } from "@contrastive/core";
import { afterAll, describe, expect, it } from "vitest";
import { encodeNpy } from "./encode-npy.js";
import { encodeCsv, encodeJsonl } from "./encode-rows.js";
import { pythonHas, runPython } from "./test-python.js";
import { writeEmbeddings } from "./write-embeddings.js";

const folder = mkdtempSync(join(tmpdir(), "write-embeddings-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const rng = createRng(5);
const features = Float32Array.from({ length: 6 * 4 }, () => rng.normal(0, 1));
const paths = ["a.jpg", "b,c.jpg", 'd"e.jpg', "f\ng.jpg", "h.jpg", "i.jpg"];
const labels = Int32Array.from([0, 1, 2, 0, 1, 2]);
const rowsOf = () => paths.map((path, i) => ({ path, label: labels[i]!, embedding: features.subarray(4 * i, 4 * i + 4) }));

describe("writeEmbeddings", () => {
  it("writes .npy with a .npy.index.jsonl sidecar, .jsonl and .csv by extension, to real files", async () => {
    const npy = join(folder, "deep/er/embeddings.npy");
    expect(await writeEmbeddings(npy, { features, shape: [6, 4], paths, labels })).toEqual([npy, `${npy}.index.jsonl`]);
    expect(Buffer.compare(readFileSync(npy), Buffer.from(encodeNpy(features, [6, 4])))).toBe(0);
    const index = readFileSync(`${npy}.index.jsonl`, "utf8").trimEnd().split("\n").map((line) => JSON.parse(line));
    expect(index).toEqual(paths.map((path, i) => ({ index: i, path, label: labels[i] })));

    const plain = join(folder, "plain.npy");
    expect(await writeEmbeddings(plain, { features, shape: [6, 4] })).toEqual([plain]);

    expect(await writeEmbeddings(join(folder, "e.jsonl"), { features, shape: [6, 4], paths, labels })).toEqual([join(folder, "e.jsonl")]);
    expect(readFileSync(join(folder, "e.jsonl"), "utf8")).toBe(encodeJsonl(rowsOf()));
    await writeEmbeddings(join(folder, "e.CSV"), { features, shape: [6, 4], paths, labels });
    expect(readFileSync(join(folder, "e.CSV"), "utf8")).toBe(encodeCsv(rowsOf()));
    expect(readdirSync(folder).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  const numpy = pythonHas("numpy");
  it.skipIf(!numpy.ok)(`writes an .npy that numpy.load reads as float32 [N, d]${numpy.ok ? "" : ` (skipped: ${numpy.reason})`}`, async () => {
    const file = join(folder, "check.npy");
    await writeEmbeddings(file, { features, shape: [6, 4], labels });
    const out = JSON.parse(runPython(["-c", "import numpy as np, sys, json; a = np.load(sys.argv[1]); print(json.dumps({'shape': a.shape, 'dtype': str(a.dtype), 'values': a.ravel().tolist()}))", file]));
    expect(out).toEqual({ shape: [6, 4], dtype: "float32", values: Array.from(features) });
  });

  it.each<[string, () => Promise<unknown>, RegExp]>([
    ["an unknown extension", () => writeEmbeddings(join(folder, "x.txt"), { features, shape: [6, 4] }), /^writeEmbeddings: file must be a path ending in .npy, .jsonl or .csv; got ".*x.txt"$/],
    ["a wrong shape", () => writeEmbeddings(join(folder, "x.npy"), { features, shape: [4, 4] }), /^writeEmbeddings: shape must be a list of integers ≥ 0 whose product is the data length 24.*; got \[4, 4\] for 24 values$/],
    ["a rank-1 shape", () => writeEmbeddings(join(folder, "x.npy"), { features, shape: [24] as unknown as [number, number] }), /^writeEmbeddings: shape must be \[N, d\]; got \[24\]$/],
    ["too few paths", () => writeEmbeddings(join(folder, "x.csv"), { features, shape: [6, 4], paths: ["a"] }), /^writeEmbeddings: paths must be one entry per row: 6; got 1 entries$/],
    ["too many labels", () => writeEmbeddings(join(folder, "x.jsonl"), { features, shape: [6, 4], labels: new Int32Array(7) }), /^writeEmbeddings: labels must be one entry per row: 6; got 7 entries$/],
  ])("rejects %s with a ContrastiveError and writes nothing", async (_, call, message) => {
    const before = readdirSync(folder).sort();
    const error = await call().catch((e: unknown) => e);
    expect(ContrastiveError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect(readdirSync(folder).sort()).toEqual(before);
  });
});
