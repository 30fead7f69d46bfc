/*
 * The command-line flags of this example (the same file in every example, so each can be copied out
 * alone): `--help`, `--smoke`, `--json`; a leading `--` (which `pnpm start -- …` passes) is dropped;
 * an unknown flag or a bad value prints one line on standard error and exits with code 2.
 */
import { parseArgs } from "node:util";

/** One flag: its kind, its default (as typed on a command line) and one line of help. */
export interface Flag {
  type: "string" | "boolean" | "integer" | "number";
  default?: string;
  /** Smallest value of a number or integer. */
  min?: number;
  help: string;
}

/** The parsed flags. */
export interface Args {
  string(name: string): string | undefined;
  number(name: string): number;
  flag(name: string): boolean;
}

const COMMON: Record<string, Flag> = {
  smoke: { type: "boolean", help: "a few steps on a small subset, in seconds: checks that everything runs" },
  json: { type: "boolean", help: "print one JSON object as the last line of standard output" },
  help: { type: "boolean", help: "print this help and exit" },
};

/** Parses `argv` (default: this process's arguments) against `flags`; prints help or a one-line error and exits where due. */
export function parseExampleArgs(usage: string, summary: string, flags: Record<string, Flag>, argv = process.argv.slice(2)): Args {
  const all = { ...flags, ...COMMON };
  const fail = (message: string): never => {
    process.stderr.write(`${usage.split(" [")[0]}: ${message} (see --help)\n`);
    process.exit(2);
  };
  let values: Record<string, string | boolean | undefined> = {};
  try {
    const options = Object.fromEntries(Object.entries(all).map(([name, flag]) => [name, { type: flag.type === "boolean" ? ("boolean" as const) : ("string" as const) }]));
    ({ values } = parseArgs({ args: argv[0] === "--" ? argv.slice(1) : argv, options, strict: true, allowPositionals: false }));
  } catch (error) {
    fail((error as Error).message.split(". ")[0] as string);
  }
  if (values.help) {
    const lines = Object.entries(all).map(([name, flag]) => {
      const left = `  --${name}${flag.type === "boolean" ? "" : flag.type === "string" ? " TEXT" : " N"}`;
      return `${left.padEnd(26)}${flag.help}${flag.default === undefined ? "" : ` (default ${flag.default})`}`;
    });
    process.stdout.write(`usage: ${usage}\n\n${summary}\n\n${lines.join("\n")}\n`);
    process.exit(0);
  }
  const raw = (name: string) => (values[name] as string | undefined) ?? all[name]?.default;
  for (const [name, flag] of Object.entries(all)) {
    const text = raw(name);
    if ((flag.type !== "integer" && flag.type !== "number") || text === undefined) continue;
    const value = Number(text);
    const ok = text.trim() !== "" && Number.isFinite(value) && (flag.type === "number" || Number.isInteger(value)) && value >= (flag.min ?? -Infinity);
    if (!ok) fail(`--${name} must be ${flag.type === "integer" ? "an integer" : "a number"}${flag.min === undefined ? "" : ` ≥ ${flag.min}`}; got "${text}"`);
  }
  return {
    string: raw,
    number: (name) => Number(raw(name)),
    flag: (name) => values[name] === true,
  };
}
