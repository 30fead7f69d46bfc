import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { type ModuleImporter, ensureGradients, hasGradients, selectBackend } from "./backend.js";
import { ContrastiveError, MissingDependencyError } from "./errors.js";

tf.enableProdMode();

const failingImporter: ModuleImporter = async (name) => {
  throw new Error(`blocked import of ${name}\nsecond line that is not part of the reason`);
};

describe("selectBackend", () => {
  it("'cpu' sets the cpu backend and reports gradients", async () => {
    const selection = await selectBackend("cpu");
    expect(selection).toEqual({ backend: "cpu", packageName: "@tensorflow/tfjs-backend-cpu", skipped: [], gradients: true });
    expect(tf.getBackend()).toBe("cpu");
  });

  it("'wasm' sets the wasm backend with the training kernels registered", async () => {
    const selection = await selectBackend("wasm");
    expect(selection).toEqual({ backend: "wasm", packageName: "@tensorflow/tfjs-backend-wasm", skipped: [], gradients: true });
    expect(tf.getBackend()).toBe("wasm");
    expect(tf.getKernel("Conv2DBackpropFilter", "wasm")).toBeDefined();
    // Training works: a conv2d gradient runs on wasm.
    const before = tf.memory().numTensors;
    const grad = tf.tidy(() => tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, w as tf.Tensor4D, 1, "valid")))(tf.ones([2, 2, 1, 1])).dataSync());
    expect(Array.from(grad)).toEqual([9, 9, 9, 9]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("'auto' skips the native packages that are not installed and picks wasm", async () => {
    await tf.setBackend("cpu");
    const selection = await selectBackend("auto");
    expect(selection.backend).toBe("wasm");
    expect(selection.packageName).toBe("@tensorflow/tfjs-backend-wasm");
    expect(selection.skipped).toEqual([
      { packageName: "@tensorflow/tfjs-node-gpu", reason: "not installed" },
      { packageName: "@tensorflow/tfjs-node", reason: "not installed" },
    ]);
    expect(selection.gradients).toBe(true);
    expect(tf.getBackend()).toBe("wasm");
  });

  it("defaults to 'auto'", async () => {
    expect((await selectBackend()).backend).toBe("wasm");
  });

  it("rejects an invalid preference, listing the valid ones", async () => {
    for (const preference of ["gpu", "WebGL", "", "CPU"]) {
      const error = await selectBackend(preference as "cpu").catch((e: unknown) => e);
      expect(ContrastiveError.isInstance(error)).toBe(true);
      expect(error).not.toBeInstanceOf(MissingDependencyError);
      expect((error as Error).message).toBe(
        `selectBackend: preference must be one of 'auto', 'tensorflow-gpu', 'tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'; got ${JSON.stringify(preference)}`,
      );
    }
  });

  it("throws MissingDependencyError listing every candidate tried and its reason when nothing loads", async () => {
    const imported: string[] = [];
    const importModule: ModuleImporter = (name) => {
      imported.push(name);
      return failingImporter(name);
    };
    // webgpu is registered by nothing in Node, so a failed import leaves nothing to use.
    const error = await selectBackend("webgpu", { importModule }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingDependencyError);
    expect(ContrastiveError.isInstance(error)).toBe(true);
    const { component, argument, received, message } = error as MissingDependencyError;
    expect(component).toBe("selectBackend");
    expect(argument).toBe("preference");
    expect(imported).toEqual(["@tensorflow/tfjs-backend-webgpu"]);
    expect(received).toBe("'webgpu' (@tensorflow/tfjs-backend-webgpu: blocked import of @tensorflow/tfjs-backend-webgpu)");
    expect(message).toContain("npm install @tensorflow/tfjs @tensorflow/tfjs-backend-wasm");
  });

  it("'auto' in Node tries the native packages first, never webgpu or webgl, and uses a backend registered by a static import when its import by name fails (as in a bundle)", async () => {
    await tf.setBackend("cpu");
    const imported: string[] = [];
    const importModule: ModuleImporter = (name) => {
      imported.push(name);
      return failingImporter(name);
    };
    const selection = await selectBackend("auto", { importModule });
    expect(imported).toEqual(["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node", "@tensorflow/tfjs-backend-wasm"]);
    expect(selection.backend).toBe("wasm");
    expect(selection.skipped).toEqual([
      { packageName: "@tensorflow/tfjs-node-gpu", reason: "blocked import of @tensorflow/tfjs-node-gpu" },
      { packageName: "@tensorflow/tfjs-node", reason: "blocked import of @tensorflow/tfjs-node" },
    ]);
  });

  it("maps module-not-found errors to 'not installed' and tries only the named preference", async () => {
    const importModule: ModuleImporter = async (name) => {
      const error = new Error(`Cannot find package '${name}' imported from /x.js`) as Error & { code: string };
      error.code = "ERR_MODULE_NOT_FOUND";
      throw error;
    };
    const error = (await selectBackend("tensorflow", { importModule }).catch((e: unknown) => e)) as MissingDependencyError;
    expect(error).toBeInstanceOf(MissingDependencyError);
    expect(error.received).toBe("'tensorflow' (@tensorflow/tfjs-node: not installed)");
  });

  it("reports a missing file inside an installed package by its message, not as 'not installed'", async () => {
    const importModule: ModuleImporter = async () => {
      throw new Error("Cannot find module '/app/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node'\nRequire stack: …");
    };
    const error = (await selectBackend("tensorflow", { importModule }).catch((e: unknown) => e)) as MissingDependencyError;
    expect(error.received).toBe(
      "'tensorflow' (@tensorflow/tfjs-node: Cannot find module '/app/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node')",
    );
  });

  it("skips a candidate whose backend fails to initialise and falls back to the next", async () => {
    // The package "loads" but registers no backend named 'tensorflow': setBackend fails.
    const importModule: ModuleImporter = async (name) => (name.includes("tfjs-node") ? {} : import(name));
    const selection = await selectBackend("auto", { importModule });
    expect(selection.backend).toBe("wasm");
    expect(selection.skipped.map((s) => s.packageName)).toEqual(["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]);
    for (const skipped of selection.skipped) expect(skipped.reason).not.toBe("not installed");
  });
});

describe("ensureGradients", () => {
  it("returns true once @tensorflow/tfjs has registered gradients", async () => {
    expect(await ensureGradients()).toBe(true);
    expect(hasGradients()).toBe(true);
    expect(tf.getGradient("BatchMatMul")).toBeDefined();
    // Already registered: the importer is not even asked.
    expect(await ensureGradients({ importModule: failingImporter })).toBe(true);
  });
});
