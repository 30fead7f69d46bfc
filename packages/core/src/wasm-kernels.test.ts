import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { loadTestBackends, maxAbsDifference } from "./testing.js";

beforeAll(loadTestBackends);

describe("wasm training kernels", () => {
  it("shares one tfjs-core with the umbrella (gradients visible)", () => {
    expect(tf.getGradient("Conv2D")).toBeDefined();
  });

  it("conv2d gradients on wasm equal the cpu backend's", async () => {
    await tf.setBackend("cpu");
    const x = tf.randomNormal([2, 9, 9, 3], 0, 1, "float32", 1) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 3, 4], 0, 1, "float32", 2) as tf.Tensor4D;
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, "same"))));
    await tf.setBackend("cpu");
    const cpu = g([x, w]).map((t) => t.dataSync());
    await tf.setBackend("wasm");
    const before = tf.memory().numTensors;
    const out = g([x, w]);
    const wasm = out.map((t) => t.dataSync());
    tf.dispose(out);
    expect(tf.memory().numTensors).toBe(before);
    expect(maxAbsDifference(cpu[0]!, wasm[0]!)).toBeLessThan(1e-3);
    expect(maxAbsDifference(cpu[1]!, wasm[1]!)).toBeLessThan(1e-3);
  });
});
