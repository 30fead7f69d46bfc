import { ContrastiveError, createRng } from "@contrastive/core";
import { describe, expect, it } from "vitest";
import { type EmbeddingRow, encodeCsv, encodeJsonl, formatFloat32 } from "./encode-rows.js";
import { pythonHas, runPython } from "./test-python.js";

/** A plain RFC 4180 reader: fields split at commas outside quotes, "" inside quotes is one quote, records end at CRLF. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [], field = "", quoted = false, i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      field += c; i++; continue;
    }
    if (c === '"' && field === "") { quoted = true; i++; continue; }
    if (c === ",") { record.push(field); field = ""; i++; continue; }
    if (c === "\r" && text[i + 1] === "\n") { record.push(field); records.push(record); record = []; field = ""; i += 2; continue; }
    expect(c, `bare ${JSON.stringify(c)} outside quotes at ${i}`).not.toMatch(/[\r\n"]/);
    field += c; i++;
  }
  expect(field).toBe("");
  expect(record).toEqual([]);
  return records;
}

const awkwardPaths = ["plain.jpg", "a,b.jpg", 'say "cheese".png', "two\nlines.jpg", "cr\rreturn.jpg", 'all, of "it"\r\n.jpg', " spaced .jpg", "", "ünïcødé/猫.jpg"];

function rowsOf(seed: number, paths = awkwardPaths): EmbeddingRow[] {
  const rng = createRng(seed);
  return paths.map((path, i) => ({ path, label: i % 3, embedding: Float32Array.from({ length: 5 }, () => rng.normal(0, 10 ** rng.int(6))) }));
}

describe("formatFloat32", () => {
  it("gives the shortest text that reads back as the same float32", () => {
    const rng = createRng(1);
    for (let i = 0; i < 2000; i++) {
      const value = Math.fround(rng.normal(0, 10 ** (rng.int(20) - 10)));
      const text = formatFloat32(value);
      expect(Math.fround(Number(text))).toBe(value);
      // The fewest significant digits that read back, found by trying each count.
      let digits = 1;
      while (Math.fround(Number(value.toPrecision(digits))) !== value) digits++;
      expect(Number(text)).toBe(Number(value.toPrecision(digits)));
    }
    expect(formatFloat32(0.1)).toBe("0.1");
    expect(formatFloat32(Math.fround(0.1))).toBe("0.1");
    expect(formatFloat32(-0)).toBe("0");
    expect(formatFloat32(1e-45)).toBe("1e-45");
  });
});

describe("encodeCsv", () => {
  it("quotes commas, quotes and line breaks in paths per RFC 4180, and round-trips through a plain reader", () => {
    const rows = rowsOf(2);
    const text = encodeCsv(rows);
    expect(text.startsWith("path,label,e0,e1,e2,e3,e4\r\n")).toBe(true);
    expect(text).toContain('\r\n"a,b.jpg",1,');
    expect(text).toContain('\r\n"say ""cheese"".png",2,');
    expect(text).toContain('\r\n"two\nlines.jpg",0,');
    expect(text).toContain('\r\nplain.jpg,0,');
    const records = parseCsv(text);
    expect(records.length).toBe(rows.length + 1);
    records.slice(1).forEach((record, i) => {
      expect(record[0]).toBe(rows[i]!.path);
      expect(Number(record[1])).toBe(rows[i]!.label);
      expect(record.slice(2).map((v) => Math.fround(Number(v)))).toEqual(Array.from(rows[i]!.embedding));
    });
  });

  it("leaves out absent columns and leaves a field empty where one row lacks it", () => {
    expect(encodeCsv([{ embedding: [1, 0.5] }, { embedding: [-2, 3e-8] }])).toBe("e0,e1\r\n1,0.5\r\n-2,3e-8\r\n");
    expect(encodeCsv([{ label: 4, embedding: [1] }, { path: "x", embedding: [2] }])).toBe("path,label,e0\r\n,4,1\r\nx,,2\r\n");
    expect(encodeCsv([])).toBe("\r\n");
  });

  const python = pythonHas("csv", "json");
  it.skipIf(!python.ok)(`is read back by Python's csv module${python.ok ? "" : ` (skipped: ${python.reason})`}`, () => {
    const rows = rowsOf(3);
    const out = runPython(["-c", "import csv, io, json, sys; print(json.dumps(list(csv.reader(io.StringIO(sys.stdin.read(), newline='')))))"], encodeCsv(rows));
    const records = JSON.parse(out) as string[][];
    expect(records.slice(1).map((r) => r[0])).toEqual(awkwardPaths);
    expect(records.slice(1).map((r) => r.slice(2).map((v) => Math.fround(Number(v))))).toEqual(rows.map((r) => Array.from(r.embedding)));
  });
});

describe("encodeJsonl", () => {
  it("writes one JSON object per line that parses back to the same path, label and float32 values", () => {
    const rows = rowsOf(4);
    const lines = encodeJsonl(rows).split("\n");
    expect(lines.pop()).toBe("");
    expect(lines.length).toBe(rows.length);
    lines.forEach((line, i) => {
      const parsed = JSON.parse(line) as { path: string; label: number; embedding: number[] };
      expect(Object.keys(parsed)).toEqual(["path", "label", "embedding"]);
      expect(parsed.path).toBe(rows[i]!.path);
      expect(parsed.label).toBe(rows[i]!.label);
      expect(parsed.embedding.map(Math.fround)).toEqual(Array.from(rows[i]!.embedding));
    });
    expect(encodeJsonl([{ embedding: [0.1, 2] }, { label: 0, embedding: [1, -1] }])).toBe('{"embedding":[0.1,2]}\n{"label":0,"embedding":[1,-1]}\n');
  });
});

describe("row checks", () => {
  it.each<[string, () => string, RegExp]>([
    ["rows that are not an array", () => encodeJsonl("x" as unknown as EmbeddingRow[]), /^encodeJsonl: rows must be an array of \{ path\?, label\?, embedding \}; got "x"$/],
    ["a row without embedding", () => encodeCsv([{ embedding: [1] }, {} as EmbeddingRow]), /^encodeCsv: rows\[1\].embedding must be an array of numbers; got undefined$/],
    ["rows of different lengths", () => encodeCsv([{ embedding: [1, 2] }, { embedding: [1] }]), /^encodeCsv: rows\[1\].embedding must be length 2 like rows\[0\].embedding; got length 1$/],
    ["a NaN value", () => encodeJsonl([{ embedding: [1, NaN] }]), /^encodeJsonl: rows\[0\].embedding\[1\] must be a finite number; got NaN$/],
    ["a fractional label", () => encodeJsonl([{ label: 1.5, embedding: [1] }]), /rows\[0\].label must be an integer class id or undefined; got 1.5$/],
    ["a numeric path", () => encodeCsv([{ path: 3 as unknown as string, embedding: [1] }]), /rows\[0\].path must be a string or undefined; got 3$/],
  ])("rejects %s with a ContrastiveError", (_, call, message) => {
    const error = (() => { try { call(); } catch (e) { return e; } })();
    expect(ContrastiveError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });
});
