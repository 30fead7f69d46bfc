import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, extname } from "node:path";
import { encodeCsv, encodeJsonl, encodeNpy, extractFeatures } from "@contrastive/eval";
import { encoderFeatures } from "../evaluation.js";
import { type CommandSpec, helpText, numberFlag, parseFlags, requiredFlag } from "../flags.js";
import { openImageFolder } from "../image-data.js";
import { loadRunEncoder } from "../load-run.js";
import { BACKENDS } from "../settings.js";
import { UsageError } from "../usage-error.js";

/** `contrastive embed`: its flags and help. */
export const embedSpec: CommandSpec = {
  name: "embed",
  short: "write the encoder's features of a folder of images (.npy, .jsonl, .csv)",
  summary: "Writes the encoder's features of every image in a folder: .npy (float32 [N, d], read by numpy.load; paths and labels in FILE.index.jsonl),\n.jsonl (one {path, label, embedding} object a line) or .csv (path, label, e0 … e(d−1)).",
  usage: "contrastive embed --model RUN --data DIR --out FILE.npy|.jsonl|.csv",
  flags: {
    model: { type: "string", value: "RUN", description: "run folder of contrastive train (or an encoder folder)" },
    data: { type: "string", value: "DIR", description: "images: DIR/<class>/<image> (label = class id, classes sorted by name) or flat (no label)" },
    out: { type: "string", value: "FILE", description: "where to write; the extension chooses the format" },
    "batch-size": { type: "string", value: "N", description: "images per forward pass (default 256)" },
    backend: { type: "string", value: "NAME", description: `${BACKENDS.join(" | ")} (default auto)` },
    smoke: { type: "boolean", description: "at most 64 images of each folder (checks that everything runs)" },
  },
  notes: ["example: contrastive embed --model ./runs/digits --data ./digits --out ./digits.npy"],
};

/** Runs `contrastive embed`. */
export async function embed(argv: string[]): Promise<number> {
  const values = parseFlags(embedSpec, argv);
  if (!values) return (console.log(helpText(embedSpec)), 0);
  const out = requiredFlag("out", values.out, "the file to write (.npy, .jsonl or .csv)");
  const format = extname(out).toLowerCase();
  if (![".npy", ".jsonl", ".csv"].includes(format)) throw new UsageError(`--out ${out}: expected a file name ending in .npy, .jsonl or .csv`);
  const batchSize = numberFlag("--batch-size", (values["batch-size"] as string | undefined) ?? "256", { integer: true, min: 1 });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const encoder = await loadRunEncoder(values.model as string | undefined, values.backend as string | undefined, log);
  const [size, , channels] = encoder.inputShape;
  const data = openImageFolder("data", values.data as string | undefined, { size, channels: channels === 1 ? 1 : 3, onWarning: log, ...(values.smoke ? { limit: 64 } : {}) });
  const started = performance.now();
  const features = await extractFeatures({ source: data, encode: encoderFeatures(encoder), batchSize });
  const [rows, d] = features.shape;
  const values32 = (await features.data()) as Float32Array;
  features.dispose();
  encoder.dispose();
  const paths = data.files;
  const table = Array.from({ length: rows }, (_, i) => ({ path: paths[i] as string, ...(data.labels ? { label: data.labels[i] as number } : {}), embedding: values32.subarray(i * d, (i + 1) * d) }));
  mkdirSync(dirname(out), { recursive: true });
  if (format === ".npy") {
    writeFileSync(out, encodeNpy(values32, [rows, d]));
    writeFileSync(`${out}.index.jsonl`, table.map(({ embedding: _, ...row }, index) => `${JSON.stringify({ index, ...row })}\n`).join(""));
  } else writeFileSync(out, format === ".csv" ? encodeCsv(table) : encodeJsonl(table));
  const seconds = (performance.now() - started) / 1000;
  log(`${rows} images → [${rows}, ${d}] in ${seconds.toFixed(1)} s (${(rows / seconds).toFixed(1)} img/s)${data.classNames.length ? `; classes ${data.classNames.map((name, i) => `${i}=${name}`).join(" ")}` : ""}`);
  console.log(format === ".npy" ? `wrote ${out} and ${out}.index.jsonl` : `wrote ${out}`);
  return 0;
}
