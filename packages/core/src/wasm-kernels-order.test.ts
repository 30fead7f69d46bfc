import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { MissingDependencyError } from "./errors.js";
import { registerWasmTrainingKernels } from "./wasm-kernels.js";

// A file of its own: this process must not have imported @tensorflow/tfjs-backend-wasm yet.
describe("registerWasmTrainingKernels before the wasm backend is imported", () => {
  it("says to import the backend first instead of registering kernels that its import would overwrite", async () => {
    expect(tf.getKernel("Conv2D", "wasm")).toBeUndefined();
    expect(() => registerWasmTrainingKernels()).toThrow(MissingDependencyError);
    expect(() => registerWasmTrainingKernels()).toThrow(/import '@tensorflow\/tfjs-backend-wasm'/);
    await import("@tensorflow/tfjs-backend-wasm");
    registerWasmTrainingKernels();
    expect(tf.getKernel("Conv2DBackpropFilter", "wasm")).toBeDefined();
  });
});
