/**
 * The page's backends. A bundle cannot import a package by a name computed at run time, so every
 * backend is imported here statically (which registers it); `selectBackend` from @contrastive/core then
 * finds it registered. The cpu backend is there for the gradient check's reference.
 */
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-webgl";
import "@tensorflow/tfjs-backend-webgpu";
import * as tf from "@tensorflow/tfjs-core";
import { getThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { type BackendSelection, selectBackend } from "@contrastive/core";

/** The backends a user can pick, best first. */
export const pageBackends = ["webgpu", "webgl", "wasm"] as const;
export type PageBackend = (typeof pageBackends)[number] | "cpu";

// The .wasm binaries are copied next to the page by the build.
setWasmPaths(new URL("./", location.href).href);

/** Whether this browser can run `backend`, and if not, why (cheap probes; nothing is initialised). */
export async function probeBackend(backend: PageBackend): Promise<{ present: boolean; reason: string }> {
  if (backend === "webgpu") {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    if (gpu === undefined) return { present: false, reason: "no navigator.gpu (WebGPU off or unsupported)" };
    const adapter = await gpu.requestAdapter().catch(() => null);
    return adapter ? { present: true, reason: "" } : { present: false, reason: "navigator.gpu gave no adapter" };
  }
  if (backend === "webgl") {
    const canvas = document.createElement("canvas");
    return canvas.getContext("webgl2") ? { present: true, reason: "" } : { present: false, reason: "no WebGL2 context" };
  }
  if (backend === "wasm") return typeof WebAssembly === "object" ? { present: true, reason: "" } : { present: false, reason: "no WebAssembly" };
  return { present: true, reason: "" };
}

/** Makes `backend` the active one through the project's `selectBackend`. */
export function useBackend(backend: PageBackend): Promise<BackendSelection> {
  return selectBackend(backend);
}

/** A line on the active backend: wasm threads, the WebGL version, the WebGPU adapter. */
export function describeActiveBackend(): string {
  const backend = tf.getBackend();
  if (backend === "wasm") return `${getThreadsCount()} thread(s)${crossOriginIsolated ? "" : " (page not cross-origin isolated)"}`;
  if (backend === "webgl") return `WebGL ${tf.env().getNumber("WEBGL_VERSION")}`;
  if (backend === "webgpu") {
    const info = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
    return `adapter ${info?.vendor || "?"} ${info?.architecture || ""}`.trim();
  }
  return backend;
}
