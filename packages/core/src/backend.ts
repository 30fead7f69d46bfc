import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, MissingDependencyError, describeValue } from "./errors.js";
import { registerWasmTrainingKernels } from "./wasm-kernels.js";

/** Which backend to use; `'auto'` takes the best one installed. */
export type BackendPreference = "auto" | "tensorflow-gpu" | "tensorflow" | "webgpu" | "webgl" | "wasm" | "cpu";

/** A backend package that was tried and not used. */
export interface SkippedBackend {
  packageName: string;
  reason: string;
}

/** What {@link selectBackend} did. */
export interface BackendSelection {
  /** The tfjs backend name now active (`tensorflow`, `wasm` or `cpu`). */
  backend: string;
  /** The npm package that provided it. */
  packageName: string;
  /** The better candidates that were not used, and why. */
  skipped: SkippedBackend[];
  /** True when gradients are registered (training possible), see {@link ensureGradients}. */
  gradients: boolean;
}

interface Candidate {
  preference: Exclude<BackendPreference, "auto">;
  packageName: string;
  backend: string;
  /** Where `'auto'` tries it: native TensorFlow only in Node, webgpu and webgl only in browsers. */
  where: "node" | "browser" | "both";
}

const candidates: Candidate[] = [
  { preference: "tensorflow-gpu", packageName: "@tensorflow/tfjs-node-gpu", backend: "tensorflow", where: "node" },
  { preference: "tensorflow", packageName: "@tensorflow/tfjs-node", backend: "tensorflow", where: "node" },
  { preference: "webgpu", packageName: "@tensorflow/tfjs-backend-webgpu", backend: "webgpu", where: "browser" },
  { preference: "webgl", packageName: "@tensorflow/tfjs-backend-webgl", backend: "webgl", where: "browser" },
  { preference: "wasm", packageName: "@tensorflow/tfjs-backend-wasm", backend: "wasm", where: "both" },
  { preference: "cpu", packageName: "@tensorflow/tfjs-backend-cpu", backend: "cpu", where: "both" },
];

/** True in Node (and Deno/Bun's Node mode), false in browsers and web workers. */
function inNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === "string";
}

/** Imports a module by name; replaceable so that bundlers and tests can supply modules. */
export type ModuleImporter = (packageName: string) => Promise<unknown>;

// The comments keep webpack and Vite from trying to resolve a computed name at build time; in a
// bundled page, import the backend statically instead (selectBackend then finds it registered).
const defaultImporter: ModuleImporter = (packageName) => import(/* webpackIgnore: true */ /* @vite-ignore */ packageName);

/** Why importing `packageName` failed: "not installed" when the package itself could not be resolved. */
function reasonOf(error: unknown, packageName: string): string {
  const message = error instanceof Error ? error.message : String(error);
  // Node (ESM and CommonJS), Vite/vitest and webpack word it differently. A missing file inside an
  // installed package (e.g. an unbuilt native binding) is not "not installed": report its message.
  const notFound = /Cannot find (module|package)|Could not resolve|Failed to resolve|Can't resolve|ERR_MODULE_NOT_FOUND|MODULE_NOT_FOUND/;
  const namesPackage = message.includes(`'${packageName}'`) || message.includes(`"${packageName}"`);
  if (namesPackage && notFound.test(message)) return "not installed";
  return message.split("\n")[0] ?? message;
}

/**
 * Sets the best TensorFlow.js backend present and says which it chose and what it skipped.
 *
 * `'auto'` tries, in order, in Node: `@tensorflow/tfjs-node-gpu` (CUDA), `@tensorflow/tfjs-node` (native
 * CPU), `@tensorflow/tfjs-backend-wasm`, `@tensorflow/tfjs-backend-cpu`; in a browser: webgpu, webgl,
 * wasm, cpu. A named preference tries only that one.
 *
 * A backend already registered (because your code imported its package) is used without importing
 * anything. That is the way under bundlers: `import "@tensorflow/tfjs-backend-webgl"` statically, then
 * `selectBackend("auto")`; a bundle cannot import a package by a name computed at run time. Pass
 * `importModule` to supply modules yourself.
 * On wasm it also registers the training kernels wasm lacks (see `registerWasmTrainingKernels`), and it
 * loads the `@tensorflow/tfjs` umbrella when present so that gradients are registered.
 *
 * @throws {MissingDependencyError} when no candidate can be loaded and initialised.
 * @example
 * const { backend, skipped } = await selectBackend("auto");
 * console.log(`backend ${backend}; skipped ${skipped.map((s) => `${s.packageName} (${s.reason})`).join(", ")}`);
 */
export async function selectBackend(
  preference: BackendPreference = "auto",
  options: { importModule?: ModuleImporter } = {},
): Promise<BackendSelection> {
  const importModule = options.importModule ?? defaultImporter;
  const valid: BackendPreference[] = ["auto", ...candidates.map((c) => c.preference)];
  if (!valid.includes(preference)) {
    throw new ContrastiveError({
      component: "selectBackend",
      argument: "preference",
      received: describeValue(preference),
      expected: `one of ${valid.map((v) => `'${v}'`).join(", ")}`,
    });
  }
  const here = inNode() ? "node" : "browser";
  const tried = preference === "auto" ? candidates.filter((c) => c.where === "both" || c.where === here) : candidates.filter((c) => c.preference === preference);
  const skipped: SkippedBackend[] = [];
  for (const candidate of tried) {
    try {
      try {
        await importModule(candidate.packageName);
      } catch (error) {
        // A bundled page cannot import by name, but the backend may be registered by a static import.
        if (tf.findBackendFactory(candidate.backend) === null) throw error;
      }
      if (candidate.backend === "wasm") registerWasmTrainingKernels();
      const ok = await tf.setBackend(candidate.backend);
      if (!ok) throw new Error(`tf.setBackend('${candidate.backend}') returned false`);
      await tf.ready();
      const gradients = await ensureGradients({ importModule, throwIfMissing: false });
      return { backend: tf.getBackend(), packageName: candidate.packageName, skipped, gradients };
    } catch (error) {
      skipped.push({ packageName: candidate.packageName, reason: reasonOf(error, candidate.packageName) });
    }
  }
  throw new MissingDependencyError({
    component: "selectBackend",
    argument: "preference",
    received: `'${preference}' (${skipped.map((s) => `${s.packageName}: ${s.reason}`).join("; ")})`,
    expected: "a backend that is installed: npm install @tensorflow/tfjs @tensorflow/tfjs-backend-wasm (or @tensorflow/tfjs-node)",
  });
}

/**
 * Makes sure gradient functions are registered. In Node, `@tensorflow/tfjs-core` alone registers
 * none; they come with the `@tensorflow/tfjs` umbrella (also loaded by tfjs-node), which this imports
 * when present. Returns whether gradients are available.
 *
 * @throws {MissingDependencyError} when they are not and `throwIfMissing` is true (the default).
 */
export async function ensureGradients(options: { importModule?: ModuleImporter; throwIfMissing?: boolean } = {}): Promise<boolean> {
  if (hasGradients()) return true;
  const importModule = options.importModule ?? defaultImporter;
  let reason = "";
  try {
    await importModule("@tensorflow/tfjs");
  } catch (error) {
    reason = reasonOf(error, "@tensorflow/tfjs");
  }
  if (hasGradients()) return true;
  if (options.throwIfMissing === false) return false;
  throw new MissingDependencyError({
    component: "ensureGradients",
    argument: "@tensorflow/tfjs",
    received: reason || "a copy of @tensorflow/tfjs-core other than the one @tensorflow/tfjs registered its gradients in",
    expected: "installed beside your backend (npm install @tensorflow/tfjs) with the same tfjs-core version, so that gradients are registered",
  });
}

/** True when the gradients training needs are registered with this copy of tfjs-core. */
export function hasGradients(): boolean {
  // tf.matMul runs the kernel "BatchMatMul"; there is no kernel (or gradient) named "MatMul".
  return tf.getGradient("BatchMatMul") !== undefined && tf.getGradient("Conv2D") !== undefined;
}
