import { existsSync, readdirSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { UsageError } from "./usage-error.js";

/** One flag of a command: its type, what it means, and an example value for the help text. */
export interface FlagSpec {
  type: "string" | "boolean";
  description: string;
  /** Shown as `--flag VALUE` in the help. */
  value?: string;
  short?: string;
}

/** A command: its name, one-line summary, usage line and flags. */
export interface CommandSpec {
  name: string;
  /** One short line for the list of commands. */
  short: string;
  summary: string;
  usage: string;
  flags: Record<string, FlagSpec>;
  /** Lines after the flags (examples, notes). */
  notes?: string[];
}

const helpFlag: FlagSpec = { type: "boolean", short: "h", description: "show this help" };

/** The help text of a command: usage, summary, flags with their descriptions, notes. */
export function helpText(spec: CommandSpec): string {
  const flags = Object.entries({ ...spec.flags, help: helpFlag }).map(([name, flag]) => [`--${name}${flag.value ? ` ${flag.value}` : ""}`, flag.description] as const);
  const width = Math.max(...flags.map(([left]) => left.length));
  return [`usage: ${spec.usage}`, "", spec.summary, "", "flags:", ...flags.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`), ...(spec.notes ? ["", ...spec.notes] : [])].join("\n");
}

/**
 * Parses `argv` against a command's flags (strict: an unknown flag, a missing value or a stray
 * positional argument is a {@link UsageError} naming it). Returns undefined when `--help` was asked.
 */
export function parseFlags(spec: CommandSpec, argv: string[]): Record<string, string | boolean | undefined> | undefined {
  const options = Object.fromEntries(Object.entries({ ...spec.flags, help: helpFlag }).map(([name, flag]) => [name, { type: flag.type, ...(flag.short ? { short: flag.short } : {}) }]));
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }) as { values: Record<string, string | boolean | undefined> });
  } catch (error) {
    const message = (error as Error).message;
    const code = (error as { code?: string }).code;
    const named = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw new UsageError(`unknown flag ${named ?? message}; \`contrastive ${spec.name} --help\` lists the flags`);
    if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
      const value = /'([^']*)'/.exec(message)?.[1];
      throw new UsageError(`unexpected argument '${value}'; flags take the form --name value (see \`contrastive ${spec.name} --help\`)`);
    }
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      const flag = named?.split(" ")[0] ?? "a flag";
      if (/ambiguous/.test(message)) throw new UsageError(`${flag} needs a value; write one that starts with '-' as ${flag}=-1`);
      throw new UsageError(`${flag} ${/argument missing/.test(message) ? "needs a value" : "takes no value"} (see \`contrastive ${spec.name} --help\`)`);
    }
    throw new UsageError(message.split("\n")[0] as string);
  }
  return values.help ? undefined : values;
}

/** Reads a value (`label` names it: `--epochs`, or `epochs in run.json`) as a number within bounds (an integer when asked); a {@link UsageError} otherwise. */
export function numberFlag(label: string, text: string, bounds: { integer?: boolean; min?: number; max?: number; above?: number }): number {
  const value = Number(text);
  const { integer = false, min, max, above } = bounds;
  const ok = text.trim() !== "" && Number.isFinite(value) && (!integer || Number.isInteger(value)) && (min === undefined || value >= min) && (max === undefined || value <= max) && (above === undefined || value > above);
  if (!ok) {
    const range = [above !== undefined ? `> ${above}` : "", min !== undefined ? `≥ ${min}` : "", max !== undefined ? `≤ ${max}` : ""].filter(Boolean).join(" and ");
    throw new UsageError(`${label} must be ${integer ? "an integer" : "a number"}${range ? ` ${range}` : ""}; got '${text}'`);
  }
  return value;
}

/** Reads a value (`label` names it) as one of `choices`; a {@link UsageError} naming them otherwise. */
export function choiceFlag<T extends string>(label: string, text: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(text)) throw new UsageError(`${label} must be one of ${choices.join(", ")}; got '${text}'`);
  return text as T;
}

/** Checks that `--flag` names a folder that exists and holds at least one entry. */
export function folderFlag(flag: string, path: string | undefined): string {
  if (path === undefined || path === "") throw new UsageError(`--${flag} is required: a folder of images (class sub-folders, or flat)`);
  if (!existsSync(path)) throw new UsageError(`--${flag} ${path}: no such folder; expected a folder of images`);
  if (!statSync(path).isDirectory()) throw new UsageError(`--${flag} ${path}: not a folder; expected a folder of images`);
  if (readdirSync(path).filter((name) => !name.startsWith(".")).length === 0) throw new UsageError(`--${flag} ${path}: the folder is empty; expected images (.jpg .jpeg .png .webp), in class sub-folders or flat`);
  return path;
}

/** Checks that a required string flag is present. */
export function requiredFlag(flag: string, value: string | boolean | undefined, what: string): string {
  if (typeof value !== "string" || value === "") throw new UsageError(`--${flag} is required: ${what}`);
  return value;
}
