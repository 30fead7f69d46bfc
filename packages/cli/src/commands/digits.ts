import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeDigitFolders } from "../digit-folders.js";
import { type CommandSpec, helpText, numberFlag, parseFlags, requiredFlag } from "../flags.js";
import { UsageError } from "../usage-error.js";

/** `contrastive digits`: its flags and help. */
export const digitsSpec: CommandSpec = {
  name: "digits",
  short: "write MNIST digits as JPEG files in class folders, to try the other commands on",
  summary: "Writes digits of the mnist package as 28×28 JPEG files, one folder per class (DIR/<digit>/<index>.jpg): a real image folder\nfor train, embed and eval. The train subset has 8,004 digits, the test subset 1,996.",
  usage: "contrastive digits --out DIR [--per-class 40] [--subset train|test]",
  flags: {
    out: { type: "string", value: "DIR", description: "folder to write: absent, empty, or digits written before (replaced)" },
    "per-class": { type: "string", value: "N", description: "images per digit (default 40)" },
    subset: { type: "string", value: "NAME", description: "train | test (default train)" },
    smoke: { type: "boolean", description: "at most 10 images per digit" },
  },
  notes: ["example: contrastive digits --out ./digits/train --per-class 50 && contrastive digits --out ./digits/test --per-class 20 --subset test"],
};

/** Runs `contrastive digits`. */
export async function digits(argv: string[]): Promise<number> {
  const values = parseFlags(digitsSpec, argv);
  if (!values) return (console.log(helpText(digitsSpec)), 0);
  const out = requiredFlag("out", values.out, "the folder to write the digits to");
  if (existsSync(out) && readdirSync(out).length > 0) {
    const entries = readdirSync(out, { withFileTypes: true });
    const digitsBefore = entries.every((entry) => entry.isDirectory() && /^\d$/.test(entry.name) && readdirSync(join(out, entry.name)).every((file) => file.endsWith(".jpg")));
    if (!digitsBefore) throw new UsageError(`--out ${out}: the folder holds other files; expected a new or empty folder (or digits written before)`);
    rmSync(out, { recursive: true });
  }
  const perClass = Math.min(values.smoke ? 10 : 1000, numberFlag("--per-class", (values["per-class"] as string | undefined) ?? "40", { integer: true, min: 1, max: 1000 }));
  const subset = (values.subset as string | undefined) ?? "train";
  if (subset !== "train" && subset !== "test") throw new UsageError(`--subset must be one of train, test; got '${subset}'`);
  const written = await writeDigitFolders(out, { perClass, subset });
  console.log(`wrote ${written} JPEG files of the ${subset} digits into ${out}/0 … ${out}/9`);
  return 0;
}
