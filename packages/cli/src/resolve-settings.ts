import { existsSync, readFileSync } from "node:fs";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { choiceFlag, numberFlag } from "./flags.js";
import { AUGMENTS, BACKBONES, BACKENDS, type ComponentOverrides, DEFAULT_SETTINGS, HEADS, LOSSES, SETTING_FLAGS, type TrainSettings } from "./settings.js";
import { UsageError } from "./usage-error.js";

type Raw = Record<string, unknown>;
const COMPONENT_KEYS = ["backbone", "head", "loss", "augment", "optimizer", "callbacks"] as const;

/**
 * Loads a config file: JSON (the settings, as `config.json` of a run), or a JS/TS module whose
 * default export holds settings and components as values (TypeScript through `tsx` when it is installed).
 */
export async function loadConfigFile(path: string): Promise<{ settings: Raw; components: ComponentOverrides; module?: string }> {
  if (!existsSync(path)) throw new UsageError(`--config ${path}: no such file; expected a .json file or a .js/.mjs/.ts module`);
  const extension = extname(path).toLowerCase();
  if (extension === ".json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, "utf8"));
    } catch (error) {
      throw new UsageError(`--config ${path}: not valid JSON (${(error as Error).message})`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new UsageError(`--config ${path}: expected a JSON object of settings`);
    const { configModule, ...settings } = parsed as Raw;
    if (typeof configModule === "string") {
      const loaded = await loadConfigFile(configModule);
      return { settings: { ...loaded.settings, ...settings }, components: loaded.components, ...(loaded.module ? { module: loaded.module } : {}) };
    }
    return { settings, components: {} };
  }
  if (![".js", ".mjs", ".cjs", ".ts", ".mts"].includes(extension)) throw new UsageError(`--config ${path}: expected a .json file or a .js/.mjs/.ts module; got '${extension || "no extension"}'`);
  const url = pathToFileURL(resolve(path)).href;
  let exported: unknown;
  if (extension === ".ts" || extension === ".mts") {
    let tsx: { tsImport: (specifier: string, parent: string) => Promise<unknown> };
    try {
      tsx = (await import("tsx/esm/api")) as typeof tsx;
    } catch {
      throw new UsageError(`--config ${path}: a TypeScript config needs tsx (npm i tsx), or write it as .js/.mjs`);
    }
    exported = await tsx.tsImport(url, import.meta.url);
  } else exported = await import(url);
  const value = (exported as { default?: unknown }).default ?? exported;
  if (value === null || typeof value !== "object") throw new UsageError(`--config ${path}: the module must export (default) an object of settings and components`);
  const settings: Raw = {};
  const components: Raw = {};
  for (const [key, item] of Object.entries(value as Raw)) {
    const isComponent = (COMPONENT_KEYS as readonly string[]).includes(key) && typeof item !== "string";
    (isComponent ? components : settings)[key] = item;
  }
  return { settings, components: components as ComponentOverrides, module: resolve(path) };
}

/**
 * The settings of a run: the defaults, then the config file, then the flags (`flags` holds the
 * given flags by setting name, as strings). Each value is checked; a bad one is a {@link UsageError}
 * naming the flag (or the key of the config file) and what is expected.
 */
export function resolveSettings(fromFile: Raw, flags: Partial<Record<keyof TrainSettings, string>>, configPath?: string): TrainSettings {
  const known = new Set(Object.keys(SETTING_FLAGS));
  for (const key of Object.keys(fromFile)) {
    if (!known.has(key)) throw new UsageError(`--config ${configPath}: unknown setting '${key}'; expected some of ${[...known].join(", ")}`);
  }
  const pick = (key: keyof TrainSettings): { text: string | undefined; label: string } => {
    if (flags[key] !== undefined) return { text: flags[key], label: `--${SETTING_FLAGS[key as keyof typeof SETTING_FLAGS]}` };
    if (fromFile[key] !== undefined) return { text: String(fromFile[key]), label: `${key} in ${configPath}` };
    const fallback = (DEFAULT_SETTINGS as Raw)[key];
    return { text: fallback === undefined ? undefined : String(fallback), label: `--${SETTING_FLAGS[key as keyof typeof SETTING_FLAGS]}` };
  };
  const text = (key: keyof TrainSettings) => pick(key).text;
  const num = (key: keyof TrainSettings, bounds: Parameters<typeof numberFlag>[2]) => numberFlag(pick(key).label, text(key) as string, bounds);
  const choice = <T extends string>(key: keyof TrainSettings, choices: readonly T[]) => choiceFlag(pick(key).label, text(key) as string, choices);
  const required = (key: "data" | "out", what: string) => {
    const value = text(key);
    if (!value) throw new UsageError(`--${key} is required: ${what}`);
    return value;
  };
  const test = text("test");
  return {
    data: required("data", "a folder of training images (class sub-folders, or flat)"),
    ...(test ? { test } : {}),
    out: required("out", "the run folder to write the encoder, checkpoints, metrics and report to"),
    imageSize: num("imageSize", { integer: true, min: 8, max: 1024 }),
    channels: choice("channels", ["1", "3"] as const) === "1" ? 1 : 3,
    backbone: choice("backbone", BACKBONES),
    head: choice("head", HEADS),
    headDim: num("headDim", { integer: true, min: 1 }),
    loss: choice("loss", LOSSES),
    temperature: num("temperature", { above: 0 }),
    augment: choice("augment", AUGMENTS),
    epochs: num("epochs", { integer: true, min: 1 }),
    batchSize: num("batchSize", { integer: true, min: 2 }),
    learningRate: num("learningRate", { above: 0 }),
    seed: num("seed", { integer: true, min: 0 }),
    backend: choice("backend", BACKENDS),
    logEvery: num("logEvery", { integer: true, min: 1 }),
    maxSteps: num("maxSteps", { integer: true, min: 0 }),
    workers: text("workers") === "auto" ? "auto" : num("workers", { integer: true, min: 1 }),
  };
}
