/** Builds the page into a folder: index.html, main.js (esbuild, platform browser), the wasm binaries, digits.bin. */
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { pageDigitsBytes } from "./write-digits.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const wasmFiles = ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm", "tfjs-backend-wasm-threaded-simd.wasm"];

/** Builds the page into `outDir` (default `dist/`) and returns the folder. */
export async function buildPage(outDir = join(root, "dist")): Promise<string> {
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [join(root, "src/page/main.ts")],
    outfile: join(outDir, "main.js"),
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    sourcemap: true,
    minify: true,
    logLevel: "warning",
  });
  await copyFile(join(root, "src/page/index.html"), join(outDir, "index.html"));
  const wasmDist = join(dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist");
  for (const file of wasmFiles) await copyFile(join(wasmDist, file), join(outDir, file));
  await writeFile(join(outDir, "digits.bin"), pageDigitsBytes());
  return outDir;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const outDir = await buildPage();
  console.log(`built ${outDir}`);
}
