import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createRng } from "./rng.js";
import { finiteDifferenceGradient, loadTestBackends, maxAbsDifference, useBackend } from "./testing.js";
import { registerWasmTrainingKernels } from "./wasm-kernels.js";

beforeAll(loadTestBackends);

type Padding = "same" | "valid" | tf.backend_util.ExplicitPadding;
type Stride = number | [number, number];

interface ConvCase {
  input: [number, number, number, number];
  kernel: [number, number];
  outChannels: number;
  strides: Stride;
  pad: Padding;
}

function randomArray(size: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: size }, () => rng.normal());
}

/** dx and dW of Σ conv2d(x, w) · r (r a fixed random tensor, so that every output position matters). */
function convGradients(c: ConvCase, seed: number): Float32Array[] {
  const [kh, kw] = c.kernel;
  const ci = c.input[3];
  return tf.tidy(() => {
    const x = tf.tensor4d(randomArray(c.input.reduce((a, b) => a * b), seed), c.input);
    const w = tf.tensor4d(randomArray(kh * kw * ci * c.outChannels, seed + 1), [kh, kw, ci, c.outChannels]);
    const outShape = tf.conv2d(x, w, c.strides, c.pad).shape;
    const r = tf.tensor(randomArray(outShape.reduce((a, b) => a * b), seed + 2), outShape);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), r)));
    return g([x, w]).map((t) => t.dataSync() as Float32Array);
  });
}

async function onBackend<T>(name: "cpu" | "wasm", fn: () => T): Promise<T> {
  await tf.setBackend(name);
  const before = tf.memory().numTensors;
  const result = fn();
  expect(tf.memory().numTensors).toBe(before);
  return result;
}

const describeCase = (c: ConvCase) =>
  `x ${c.input.join("×")}, kernel ${c.kernel.join("×")}, stride ${JSON.stringify(c.strides)}, pad ${JSON.stringify(c.pad)}`;

describe("wasm training kernels", () => {
  it("shares one tfjs-core with the umbrella (gradients visible)", () => {
    expect(tf.getGradient("Conv2D")).toBeDefined();
    expect(tf.getGradient("BatchMatMul")).toBeDefined();
  });

  it("registering twice is harmless", async () => {
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    const cpu = await onBackend("cpu", () => convGradients({ input: [1, 5, 5, 2], kernel: [3, 3], outChannels: 2, strides: 2, pad: "same" }, 3));
    const wasm = await onBackend("wasm", () => convGradients({ input: [1, 5, 5, 2], kernel: [3, 3], outChannels: 2, strides: 2, pad: "same" }, 3));
    expect(maxAbsDifference(cpu[0]!, wasm[0]!)).toBeLessThan(1e-4);
    expect(maxAbsDifference(cpu[1]!, wasm[1]!)).toBeLessThan(1e-4);
  });

  it("conv2d gradients (dx and dW) on wasm equal the cpu backend's over a grid of shapes", async () => {
    const strides: Stride[] = [1, 2, 3, [2, 3]];
    const pads: Padding[] = ["same", "valid", [[0, 0], [1, 2], [2, 0], [0, 0]]];
    const kernels: [number, number][] = [[1, 1], [2, 2], [3, 3], [5, 5], [4, 2]];
    const sizes: [number, number][] = [[7, 7], [8, 8], [9, 6]];
    const batchAndChannels: [number, number, number][] = [[1, 1, 1], [3, 4, 5], [1, 3, 2], [3, 1, 3]];
    const failures: string[] = [];
    let count = 0;
    for (const s of strides) for (const pad of pads) for (const kernel of kernels) for (const [h, w] of sizes) {
      const [batch, ci, co] = batchAndChannels[count % batchAndChannels.length]!;
      const c: ConvCase = { input: [batch, h, w, ci], kernel, outChannels: co, strides: s, pad };
      const seed = 100 + count++;
      const cpu = await onBackend("cpu", () => convGradients(c, seed));
      const wasm = await onBackend("wasm", () => convGradients(c, seed));
      for (const [i, name] of [[0, "dx"], [1, "dW"]] as const) {
        const scale = Math.max(1, ...Array.from(cpu[i]!, Math.abs));
        const diff = maxAbsDifference(cpu[i]!, wasm[i]!);
        if (!(diff < 1e-5 * scale * 10)) failures.push(`${describeCase(c)}: ${name} differs by ${diff}`);
      }
    }
    expect(count).toBe(180);
    expect(failures).toEqual([]);
  });

  it("every batch × channel combination, on the strided 'same' case", async () => {
    const failures: string[] = [];
    for (const batch of [1, 3]) for (const ci of [1, 3]) for (const co of [1, 4]) {
      const c: ConvCase = { input: [batch, 8, 7, ci], kernel: [3, 3], outChannels: co, strides: [2, 3], pad: "same" };
      const cpu = await onBackend("cpu", () => convGradients(c, 7));
      const wasm = await onBackend("wasm", () => convGradients(c, 7));
      if (maxAbsDifference(cpu[0]!, wasm[0]!) > 1e-4 || maxAbsDifference(cpu[1]!, wasm[1]!) > 1e-4) failures.push(describeCase(c));
    }
    expect(failures).toEqual([]);
  });

  it("conv2d gradients on wasm equal float64 finite differences of a plain-loop convolution", async () => {
    // x [2, 5, 6, 2], w [3, 2, 2, 3], stride [2, 1], explicit padding top 1, bottom 0, left 0, right 1.
    const [n, h, wd, ci, kh, kw, co, sh, sw, top, bottom, left, right] = [2, 5, 6, 2, 3, 2, 3, 2, 1, 1, 0, 0, 1];
    const oh = Math.floor((h + top + bottom - kh) / sh) + 1;
    const ow = Math.floor((wd + left + right - kw) / sw) + 1;
    const xData = randomArray(n * h * wd * ci, 11);
    const wData = randomArray(kh * kw * ci * co, 12);
    const rData = randomArray(n * oh * ow * co, 13);
    const xSize = xData.length;
    const loss = (flat: Float64Array) => {
      let total = 0;
      for (let b = 0; b < n; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let o = 0; o < co; o++) {
        let y = 0;
        for (let p = 0; p < kh; p++) for (let q = 0; q < kw; q++) {
          const yy = i * sh + p - top, xx = j * sw + q - left;
          if (yy < 0 || yy >= h || xx < 0 || xx >= wd) continue;
          for (let c = 0; c < ci; c++) y += flat[((b * h + yy) * wd + xx) * ci + c]! * flat[xSize + ((p * kw + q) * ci + c) * co + o]!;
        }
        total += y * rData[((b * oh + i) * ow + j) * co + o]!;
      }
      return total;
    };
    const numeric = finiteDifferenceGradient(loss, Float64Array.from([...xData, ...wData]), 1e-3);
    await tf.setBackend("wasm");
    const before = tf.memory().numTensors;
    const [dx, dw] = tf.tidy(() => {
      const pad: tf.backend_util.ExplicitPadding = [[0, 0], [top, bottom], [left, right], [0, 0]];
      const r = tf.tensor4d(rData, [n, oh, ow, co]);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, [sh, sw], pad), r)));
      return g([tf.tensor4d(xData, [n, h, wd, ci]), tf.tensor4d(wData, [kh, kw, ci, co])]).map((t) => t.dataSync());
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(maxAbsDifference(dx!, numeric.subarray(0, xSize))).toBeLessThan(1e-4);
    expect(maxAbsDifference(dw!, numeric.subarray(xSize))).toBeLessThan(1e-4);
  });

  it("rejects NCHW on wasm with a message that says what to use, leaking nothing", async () => {
    await tf.setBackend("wasm");
    const dy = tf.ones([1, 2, 3, 3]);
    const filter = tf.ones([2, 2, 2, 2]);
    const before = tf.memory().numTensors;
    const attrs = { strides: [1, 1], pad: "valid", dataFormat: "NCHW", dimRoundingMode: undefined, inputShape: [1, 2, 4, 4] };
    expect(() => tf.engine().runKernel("Conv2DBackpropInput", { dy, filter }, attrs as unknown as tf.NamedAttrMap)).toThrow(
      "dataFormat NCHW is not supported on wasm; use NHWC (channels last)",
    );
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([dy, filter]);
  });

  it("tile: broadcasts of size-1 dimensions and plain tiles on wasm equal the cpu backend's", async () => {
    const cases: [number[], number[], "float32" | "int32"][] = [
      [[1, 4], [3, 1], "float32"],
      [[2, 1, 3], [1, 4, 1], "float32"],
      [[1, 1, 1, 5], [2, 3, 4, 1], "float32"],
      [[3], [1], "float32"],
      // Not broadcasts: fall back to the original wasm kernel.
      [[2, 3], [2, 2], "float32"],
      [[2, 1], [3, 2], "float32"],
      [[1, 4], [3, 1], "int32"],
    ];
    for (const [shape, reps, dtype] of cases) {
      const size = shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: size }, (_, i) => (dtype === "int32" ? i - 2 : i * 0.5 - 1.25));
      const results = [];
      for (const backend of ["cpu", "wasm"] as const) {
        results.push(await onBackend(backend, () => tf.tidy(() => {
          const out = tf.tile(tf.tensor(values, shape, dtype), reps);
          return { shape: out.shape, dtype: out.dtype, data: Array.from(out.dataSync()) };
        })));
      }
      expect(results[1], `tile ${JSON.stringify(shape)} × ${JSON.stringify(reps)} ${dtype}`).toEqual(results[0]);
      expect(results[1]!.shape).toEqual(shape.map((s, i) => s * reps[i]!));
    }
  });

  it("the gradient of a broadcast (batch-norm style) is equal on wasm and cpu", async () => {
    const x = randomArray(4 * 3 * 3 * 5, 21);
    const run = () => tf.tidy(() => {
      const t = tf.tensor4d(x, [4, 3, 3, 5]);
      const g = tf.grad((gamma: tf.Tensor) => tf.sum(tf.square(tf.mul(t, tf.tile(gamma, [4, 3, 3, 1])))));
      return g(tf.tensor4d([1, 2, 3, 4, 5], [1, 1, 1, 5])).dataSync();
    });
    const cpu = await onBackend("cpu", run);
    const wasm = await onBackend("wasm", run);
    expect(maxAbsDifference(cpu, wasm)).toBeLessThan(1e-3);
  });

  it("sum and mean over (N, H, W) and (H, W) on wasm equal the cpu backend's; other reductions fall back", async () => {
    const x = randomArray(3 * 5 * 4 * 6, 31);
    const failures: string[] = [];
    const axesList: number[][] = [[0, 1, 2], [1, 2], [2, 1], [0], [3], [1], [0, 1, 2, 3]];
    for (const op of ["sum", "mean"] as const) for (const axes of axesList) for (const keepDims of [false, true]) {
      const run = () => tf.tidy(() => {
        const out = tf[op](tf.tensor4d(x, [3, 5, 4, 6]), axes, keepDims);
        return { shape: out.shape, data: out.dataSync() };
      });
      const cpu = await onBackend("cpu", run);
      const wasm = await onBackend("wasm", run);
      if (JSON.stringify(cpu.shape) !== JSON.stringify(wasm.shape) || maxAbsDifference(cpu.data, wasm.data) > 1e-4) {
        failures.push(`${op} axes ${JSON.stringify(axes)} keepDims ${keepDims}`);
      }
    }
    // 1×1 images and int32 go to the original kernels.
    const fallbacks: [[number, number, number, number], "float32" | "int32"][] = [[[2, 1, 1, 3], "float32"], [[2, 2, 2, 3], "int32"]];
    for (const [shape, dtype] of fallbacks) {
      const values = Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i);
      const run = () => tf.tidy(() => Array.from(tf.sum(tf.tensor4d(values, shape, dtype), [0, 1, 2]).dataSync()));
      const cpu = await onBackend("cpu", run);
      const wasm = await onBackend("wasm", run);
      if (JSON.stringify(cpu) !== JSON.stringify(wasm)) failures.push(`sum of ${dtype} ${JSON.stringify(shape)}`);
    }
    expect(failures).toEqual([]);
  });

  it("the gradient through batch-norm style moments is equal on wasm and cpu", async () => {
    const x = randomArray(4 * 6 * 6 * 3, 41);
    const run = () => tf.tidy(() => {
      const g = tf.grad((t: tf.Tensor) => {
        const { mean, variance } = tf.moments(t, [0, 1, 2], true);
        return tf.sum(tf.square(tf.div(tf.sub(t, mean), tf.sqrt(tf.add(variance, 1e-5)))).mul(tf.range(0, 3).reshape([1, 1, 1, 3])));
      });
      return g(tf.tensor4d(x, [4, 6, 6, 3])).dataSync();
    });
    const cpu = await onBackend("cpu", run);
    const wasm = await onBackend("wasm", run);
    expect(maxAbsDifference(cpu, wasm)).toBeLessThan(1e-3);
  });
});

describe("wasm BatchMatMul with transposes", () => {
  beforeAll(() => useBackend("cpu"));

  it("equals the cpu backend for every transpose combination, 2-D and batched, leaking nothing", async () => {
    const rng = createRng(11);
    const cases: Array<[number[], number[], boolean, boolean]> = [
      [[5, 7], [7, 3], false, false],
      [[7, 5], [7, 3], true, false],
      [[5, 7], [3, 7], false, true],
      [[7, 5], [3, 7], true, true],
      [[2, 4, 6], [2, 3, 6], false, true],
      [[2, 6, 4], [2, 6, 3], true, false],
    ];
    for (const [aShape, bShape, transposeA, transposeB] of cases) {
      const a = tf.tensor(Array.from({ length: aShape.reduce((m, s) => m * s, 1) }, () => rng.normal()), aShape);
      const b = tf.tensor(Array.from({ length: bShape.reduce((m, s) => m * s, 1) }, () => rng.normal()), bShape);
      await tf.setBackend("cpu");
      const cpu = tf.tidy(() => tf.matMul(a, b, transposeA, transposeB).dataSync());
      await tf.setBackend("wasm");
      const before = tf.memory().numTensors;
      const wasm = tf.tidy(() => tf.matMul(a, b, transposeA, transposeB).dataSync());
      expect(tf.memory().numTensors).toBe(before);
      expect(maxAbsDifference(cpu, wasm)).toBeLessThan(1e-5);
      tf.dispose([a, b]);
    }
  });

  it("dense-layer gradients (which use transposed products) are equal on wasm and cpu", async () => {
    const x = tf.randomNormal([6, 5], 0, 1, "float32", 3);
    const w = tf.randomNormal([5, 4], 0, 1, "float32", 4);
    const g = tf.grads((xs: tf.Tensor, ws: tf.Tensor) => tf.sum(tf.square(tf.matMul(xs as tf.Tensor2D, ws as tf.Tensor2D))));
    await tf.setBackend("cpu");
    const cpu = tf.tidy(() => g([x, w]).map((t) => t.dataSync()));
    await tf.setBackend("wasm");
    const wasm = tf.tidy(() => g([x, w]).map((t) => t.dataSync()));
    expect(maxAbsDifference(cpu[0]!, wasm[0]!)).toBeLessThan(1e-4);
    expect(maxAbsDifference(cpu[1]!, wasm[1]!)).toBeLessThan(1e-4);
    tf.dispose([x, w]);
  });
});
