/**
 * Every published package bundles for the browser: each entry a browser may import (the main entry
 * and every subpath but `node`, `image`, `mnist` and `testing`) is bundled by esbuild with
 * `platform: "browser"`, resolved through the package's own `exports` as a user's bundler would, with
 * TensorFlow.js external. Any Node built-in or sharp in the bundle fails, naming the package, the
 * entry, the import and the file that makes it. Needs the packages built (`pnpm turbo run build`).
 */
import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import { describe, expect, it } from "vitest";

const packagesFolder = resolve(dirname(fileURLToPath(import.meta.url)), "../../../packages");
/** Subpaths meant for Node only. */
const nodeOnly = new Set(["./node", "./image", "./mnist", "./testing"]);
const builtins = new Set(builtinModules);

/** Why `specifier` cannot be in a browser bundle, or undefined when it can. */
function forbidden(specifier: string): string | undefined {
  if (specifier.startsWith("node:") || builtins.has(specifier) || builtins.has(specifier.split("/")[0] as string)) return "a Node built-in";
  if (specifier === "sharp" || specifier.startsWith("sharp/")) return "sharp (native, Node only)";
  return undefined;
}

/** The forbidden imports (and any other bundling errors) of the module `contents`, resolved from `folder`. */
async function browserBundleFaults(contents: string, folder: string): Promise<string[]> {
  const faults: string[] = [];
  const forbid: Plugin = {
    name: "forbid-node",
    setup(bundle) {
      bundle.onResolve({ filter: /.*/ }, (args) => {
        const why = forbidden(args.path);
        if (why === undefined) return undefined;
        faults.push(`imports "${args.path}" (${why}) from ${isAbsolute(args.importer) ? relative(packagesFolder, args.importer) : args.importer}`);
        return { path: args.path, external: true };
      });
    },
  };
  const result = await build({
    stdin: { contents, resolveDir: folder, loader: "js" },
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    logLevel: "silent",
    external: ["@tensorflow/*"],
    plugins: [forbid],
  }).catch((error: { errors?: { text: string; location?: { file: string } | null }[] }) => ({ errors: error.errors ?? [{ text: String(error), location: null }] }));
  for (const error of result.errors) faults.push(`${error.text}${error.location ? ` (${error.location.file})` : ""}`);
  return faults;
}

interface Entry {
  packageName: string;
  subpath: string;
  folder: string;
}

const entries: Entry[] = readdirSync(packagesFolder).flatMap((name) => {
  const folder = join(packagesFolder, name);
  const manifest = JSON.parse(readFileSync(join(folder, "package.json"), "utf8")) as { name: string; private?: boolean; exports?: Record<string, unknown> };
  // The command line is a Node program (a `bin`), not a library for pages.
  if (manifest.private || manifest.name === "@contrastive/cli") return [];
  return Object.keys(manifest.exports ?? { ".": "" })
    .filter((subpath) => subpath !== "./package.json" && !nodeOnly.has(subpath))
    .map((subpath) => ({ packageName: manifest.name, subpath, folder }));
});

describe("every published package bundles for the browser (esbuild, platform browser)", () => {
  it("finds the packages and their browser entries", () => {
    expect(entries.length).toBeGreaterThanOrEqual(9);
    expect(entries.map((e) => e.packageName)).toContain("@contrastive/core");
  });

  it.each(entries)("$packageName $subpath has no Node built-in and no sharp", async ({ packageName, subpath, folder }) => {
    const specifier = subpath === "." ? packageName : `${packageName}/${subpath.slice(2)}`;
    const faults = await browserBundleFaults(`export * from ${JSON.stringify(specifier)};`, folder);
    expect(faults, `${specifier} in a browser bundle`).toEqual([]);
  });

  it("catches what it is meant to: @contrastive/core/node imports fs/promises and path", async () => {
    const faults = await browserBundleFaults(`export * from "@contrastive/core/node";`, join(packagesFolder, "core"));
    expect(faults.some((f) => f.startsWith('imports "fs/promises" (a Node built-in) from core/dist/'))).toBe(true);
    expect(faults.some((f) => f.startsWith('imports "path" (a Node built-in)'))).toBe(true);
  });

  it("catches sharp and node: imports, and lets TensorFlow.js and plain packages through", async () => {
    const contents = `import sharp from "sharp"; import { Worker } from "node:worker_threads"; import * as tf from "@tensorflow/tfjs-core"; export { sharp, Worker, tf };`;
    const faults = await browserBundleFaults(contents, join(packagesFolder, "augment"));
    expect(faults).toEqual(['imports "sharp" (sharp (native, Node only)) from <stdin>', 'imports "node:worker_threads" (a Node built-in) from <stdin>']);
  });
});
