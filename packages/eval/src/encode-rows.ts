import { ContrastiveError, describeValue } from "@contrastive/core";

/** One embedding with what identifies it: a row of {@link encodeJsonl} and {@link encodeCsv}. */
export interface EmbeddingRow {
  /** Where the example came from, e.g. the image file's path. */
  path?: string;
  /** Its class id. */
  label?: number;
  /** The embedding. Every row has the same length. */
  embedding: ArrayLike<number>;
}

/** The shortest decimal text that reads back as the same float32 (e.g. 0.1, not 0.10000000149011612). */
export function formatFloat32(value: number): string {
  const single = Math.fround(value);
  for (let digits = 1; digits < 9; digits++) {
    const text = String(Number(single.toPrecision(digits)));
    if (Math.fround(Number(text)) === single) return text;
  }
  return String(Number(single.toPrecision(9)));
}

function checkRows(component: string, rows: unknown): EmbeddingRow[] {
  if (!Array.isArray(rows)) {
    throw new ContrastiveError({ component, argument: "rows", received: describeValue(rows), expected: "an array of { path?, label?, embedding }" });
  }
  let size = -1;
  rows.forEach((row: EmbeddingRow, i) => {
    const embedding = row?.embedding;
    if (embedding === null || typeof embedding !== "object" || typeof embedding.length !== "number") {
      throw new ContrastiveError({ component, argument: `rows[${i}].embedding`, received: describeValue(embedding), expected: "an array of numbers" });
    }
    if (size >= 0 && embedding.length !== size) {
      throw new ContrastiveError({ component, argument: `rows[${i}].embedding`, received: `length ${embedding.length}`, expected: `length ${size} like rows[0].embedding` });
    }
    size = embedding.length;
    for (let j = 0; j < embedding.length; j++) {
      if (!Number.isFinite(embedding[j])) {
        throw new ContrastiveError({ component, argument: `rows[${i}].embedding[${j}]`, received: describeValue(embedding[j]), expected: "a finite number" });
      }
    }
    if (row.label !== undefined && !Number.isInteger(row.label)) {
      throw new ContrastiveError({ component, argument: `rows[${i}].label`, received: describeValue(row.label), expected: "an integer class id or undefined" });
    }
    if (row.path !== undefined && typeof row.path !== "string") {
      throw new ContrastiveError({ component, argument: `rows[${i}].path`, received: describeValue(row.path), expected: "a string or undefined" });
    }
  });
  return rows;
}

/**
 * Encodes embeddings as JSON Lines: one object `{"path", "label", "embedding"}` per line (keys that a
 * row lacks are left out), each value the shortest decimal that reads back as the same float32.
 * Environment-neutral: returns the text. Read with `pandas.read_json(file, lines=True)`.
 *
 * @throws {ContrastiveError} when a row has no embedding, a non-finite value, another length than
 *   row 0, a non-integer label or a non-string path.
 * @example
 * encodeJsonl([{ path: "cat.jpg", label: 3, embedding: [0.5, -1] }]);
 * // '{"path":"cat.jpg","label":3,"embedding":[0.5,-1]}\n'
 */
export function encodeJsonl(rows: readonly EmbeddingRow[]): string {
  return checkRows("encodeJsonl", rows)
    .map((row) => {
      const head = [
        ...(row.path !== undefined ? [`"path":${JSON.stringify(row.path)}`] : []),
        ...(row.label !== undefined ? [`"label":${row.label}`] : []),
      ];
      return `{${[...head, `"embedding":[${Array.from(row.embedding, formatFloat32).join(",")}]`].join(",")}}\n`;
    })
    .join("");
}

/** A CSV field per RFC 4180: quoted, with quotes doubled, when it holds a comma, a quote, CR or LF. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Encodes embeddings as CSV (RFC 4180): a header `path,label,e0,…,e{d−1}` (the `path` and `label`
 * columns only when some row has one; an empty field where a row lacks it), then one line per row,
 * CRLF line breaks, fields holding a comma, a double quote or a line break quoted with quotes doubled.
 * Environment-neutral: returns the text. Read with `pandas.read_csv` or Python's `csv` module.
 *
 * @throws {ContrastiveError} as {@link encodeJsonl}.
 * @example
 * encodeCsv([{ path: 'a,"b".jpg', label: 0, embedding: [1, 2] }]);
 * // 'path,label,e0,e1\r\n"a,""b"".jpg",0,1,2\r\n'
 */
export function encodeCsv(rows: readonly EmbeddingRow[]): string {
  checkRows("encodeCsv", rows);
  const withPath = rows.some((row) => row.path !== undefined);
  const withLabel = rows.some((row) => row.label !== undefined);
  const size = rows[0]?.embedding.length ?? 0;
  const header = [...(withPath ? ["path"] : []), ...(withLabel ? ["label"] : []), ...Array.from({ length: size }, (_, j) => `e${j}`)];
  const lines = rows.map((row) => [
    ...(withPath ? [csvField(row.path ?? "")] : []),
    ...(withLabel ? [row.label === undefined ? "" : String(row.label)] : []),
    ...Array.from(row.embedding, formatFloat32),
  ].join(","));
  return [header.join(","), ...lines].map((line) => `${line}\r\n`).join("");
}
