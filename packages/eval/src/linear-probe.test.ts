import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, type Rng, createRng } from "@contrastive/core";
import { TEST_BACKENDS, countLeakedTensors, finiteDifferenceGradient, maxAbsDifference, useBackend } from "@contrastive/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeNpy } from "./encode-npy.js";
import { type LinearProbeOptions, linearProbe } from "./linear-probe.js";
import { softmaxRegressionGradients } from "./softmax-regression.js";
import { pythonHas, runPython } from "./test-python.js";

/** Gaussian classes in d dimensions, each column then scaled and shifted (to exercise standardisation). */
function blobs(rng: Rng, rows: number, d: number, classes: number, spread: number, centres?: number[][]) {
  const c = centres ?? Array.from({ length: classes }, () => Array.from({ length: d }, () => rng.normal(0, 1)));
  const scale = Array.from({ length: d }, (_, j) => 10 ** ((j % 5) - 2));
  const labels = Int32Array.from({ length: rows }, (_, i) => i % classes);
  const x = Array.from(labels, (label) => c[label]!.map((v, j) => (v + rng.normal(0, spread)) * scale[j]! + 3 * j));
  return { x, labels, centres: c };
}

/** The plain-loop algorithm in float64: standardise, zero start, per-epoch permutation, Adam with a cosine rate. */
function probeLoop(x: number[][], labels: Int32Array, classes: number, epochs: number, batchSize: number, learningRate: number, weightDecay: number, seed: number) {
  const n = x.length, d = x[0]!.length;
  const mean = Array.from({ length: d }, (_, j) => x.reduce((s, r) => s + r[j]!, 0) / n);
  const std = mean.map((m, j) => Math.sqrt(x.reduce((s, r) => s + (r[j]! - m) ** 2, 0) / n)).map((s, j) => (s <= 1e-6 * (1 + Math.abs(mean[j]!)) ? 1 : s));
  const z = x.map((r) => r.map((v, j) => (v - mean[j]!) / std[j]!));
  const p = new Float64Array(d * classes + classes), m = new Float64Array(p.length), v = new Float64Array(p.length);
  const rng = createRng(seed);
  const total = epochs * Math.ceil(n / batchSize);
  let t = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = batchSize >= n ? Int32Array.from({ length: n }, (_, i) => i) : rng.permutation(n);
    for (let start = 0; start < n; start += batchSize) {
      const batch = Array.from(order.subarray(start, start + batchSize));
      const g = new Float64Array(p.length);
      for (const i of batch) {
        const logits = Array.from({ length: classes }, (_, c) => p[d * classes + c]! + z[i]!.reduce((s, zj, j) => s + zj * p[j * classes + c]!, 0));
        const top = Math.max(...logits);
        const e = logits.map((l) => Math.exp(l - top));
        const sum = e.reduce((a, b) => a + b, 0);
        for (let c = 0; c < classes; c++) {
          const r = (e[c]! / sum - (labels[i] === c ? 1 : 0)) / batch.length;
          for (let j = 0; j < d; j++) g[j * classes + c]! += z[i]![j]! * r;
          g[d * classes + c]! += r;
        }
      }
      for (let k = 0; k < d * classes; k++) g[k]! += weightDecay * p[k]!;
      const rate = (learningRate * (1 + Math.cos((Math.PI * t) / total))) / 2;
      t++;
      for (let k = 0; k < p.length; k++) {
        m[k] = 0.9 * m[k]! + 0.1 * g[k]!;
        v[k] = 0.999 * v[k]! + 0.001 * g[k]! ** 2;
        p[k]! -= ((rate / (1 - 0.9 ** t)) * m[k]!) / (Math.sqrt(v[k]!) / Math.sqrt(1 - 0.999 ** t) + 1e-8);
      }
    }
  }
  return { weights: p.subarray(0, d * classes), bias: p.subarray(d * classes), mean, std };
}

async function probe(options: Omit<LinearProbeOptions, "trainFeatures" | "testFeatures"> & { train: number[][]; test: number[][] }) {
  const trainFeatures = tf.tensor2d(options.train), testFeatures = tf.tensor2d(options.test);
  const { result, leaked } = await countLeakedTensors(() => linearProbe({ ...options, trainFeatures, testFeatures }));
  tf.dispose([trainFeatures, testFeatures]);
  expect(leaked).toBe(0);
  return result;
}

describe.each(TEST_BACKENDS)("linearProbe on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("classifies linearly separable classes perfectly", async () => {
    const rng = createRng(1);
    const centres = [[4, 0, 0], [0, 4, 0], [0, 0, 4], [-4, -4, -4]];
    const train = blobs(rng, 200, 3, 4, 0.3, centres), test = blobs(rng, 100, 3, 4, 0.3, centres);
    const result = await probe({ train: train.x, trainLabels: train.labels, test: test.x, testLabels: test.labels });
    expect(result.trainAccuracy).toBe(1);
    expect(result.accuracy).toBe(1);
    expect(Array.from(result.perClassAccuracy)).toEqual([1, 1, 1, 1]);
    expect(result.steps).toBe(1000); // 200 rows in one batch of 256: 1000 epochs by default
  });

  it("follows the plain-loop algorithm step for step on a tiny problem (full and mini-batch)", async () => {
    const rng = createRng(2);
    const { x, labels } = blobs(rng, 10, 3, 3, 1.5);
    x.forEach((r) => (r[2] = 7)); // a constant feature: centred, not scaled
    for (const batchSize of [10, 4]) {
      const result = await probe({ train: x, trainLabels: labels, test: x.slice(0, 4), testLabels: labels.slice(0, 4), epochs: 15, batchSize, learningRate: 0.1, weightDecay: 0.01, seed: 3 });
      const expected = probeLoop(x, labels, 3, 15, batchSize, 0.1, 0.01, 3);
      expect(maxAbsDifference(result.mean, expected.mean)).toBeLessThan(1e-4);
      expect(maxAbsDifference(result.std, expected.std)).toBeLessThan(1e-4 * Math.max(...expected.std));
      expect(result.std[2]).toBe(1);
      expect(maxAbsDifference(result.weights, expected.weights)).toBeLessThan(2e-4);
      expect(maxAbsDifference(result.bias, expected.bias)).toBeLessThan(2e-4);
      expect(result.steps).toBe(15 * Math.ceil(10 / batchSize));
    }
  });

  it("is repeatable for a seed, and the seed orders the mini-batches", async () => {
    const rng = createRng(4);
    const { x, labels } = blobs(rng, 60, 4, 3, 1);
    const run = (seed: number) => probe({ train: x, trainLabels: labels, test: x, testLabels: labels, epochs: 5, batchSize: 16, seed });
    const [a, b, c] = [await run(7), await run(7), await run(8)];
    expect(Array.from(a.weights)).toEqual(Array.from(b.weights));
    expect(maxAbsDifference(a.weights, c.weights)).toBeGreaterThan(1e-4);
    expect(a.accuracy).toBe(a.trainAccuracy);
  });
});

describe("softmaxRegressionGradients", () => {
  it("equals finite differences of the plain-loop objective", async () => {
    await useBackend("cpu");
    const rng = createRng(5);
    const [n, d, classes, decay] = [7, 4, 3, 0.1];
    const x = Array.from({ length: n * d }, () => rng.normal(0, 1));
    const labels = Array.from({ length: n }, () => rng.int(classes));
    const objective = (p: Float64Array) => {
      let loss = 0;
      for (let i = 0; i < n; i++) {
        const logits = Array.from({ length: classes }, (_, c) => p[d * classes + c]! + Array.from({ length: d }, (_, j) => x[i * d + j]! * p[j * classes + c]!).reduce((a, b) => a + b, 0));
        const top = Math.max(...logits);
        loss += top + Math.log(logits.reduce((s, l) => s + Math.exp(l - top), 0)) - logits[labels[i]!]!;
      }
      return loss / n + (decay / 2) * Array.from(p.subarray(0, d * classes)).reduce((s, w) => s + w * w, 0);
    };
    const point = Float64Array.from({ length: d * classes + classes }, () => rng.normal(0, 1));
    const inputs = {
      x: tf.tensor2d(x, [n, d]),
      y: tf.cast(tf.oneHot(tf.tensor1d(labels, "int32"), classes), "float32") as tf.Tensor2D,
      weights: tf.tensor2d(Array.from(point.subarray(0, d * classes)), [d, classes]),
      bias: tf.tensor1d(Array.from(point.subarray(d * classes))),
    };
    const { result, leaked } = await countLeakedTensors(async () => {
      const g = softmaxRegressionGradients(inputs.x, inputs.y, inputs, decay);
      const values = { loss: (await g.loss.data())[0]!, gradient: [...(await g.weights.data()), ...(await g.bias.data())] };
      tf.dispose([g.loss, g.weights, g.bias]);
      return values;
    });
    expect(leaked).toBe(0);
    tf.dispose(Object.values(inputs));
    const expected = finiteDifferenceGradient(objective, point, 1e-5);
    expect(Math.abs(result.loss - objective(point))).toBeLessThan(1e-5);
    expect(maxAbsDifference(result.gradient, expected)).toBeLessThan(1e-5);
    expect(Math.max(...Array.from(expected, Math.abs))).toBeGreaterThan(0.05);
  });
});

const torch = pythonHas("torch", "numpy");
describe.skipIf(!torch.ok)(`linearProbe against PyTorch${torch.ok ? "" : ` (skipped: ${torch.reason})`}`, () => {
  const folder = mkdtempSync(join(tmpdir(), "linear-probe-torch-"));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  const script = fileURLToPath(new URL("../scripts/linear-probe-torch.py", import.meta.url));

  it("matches torch.optim.Adam on the same full-batch problem, and reaches L-BFGS's optimum with the defaults", async () => {
    await useBackend("wasm");
    const rng = createRng(6);
    const train = blobs(rng, 400, 16, 5, 1.2);
    const test = blobs(rng, 200, 16, 5, 1.2, train.centres);
    const save = (name: string, rows: number[][] | Int32Array) =>
      writeFileSync(join(folder, `${name}.npy`), rows instanceof Int32Array ? encodeNpy(Float32Array.from(rows), [rows.length]) : encodeNpy(Float32Array.from(rows.flat()), [rows.length, rows[0]!.length]));
    save("train", train.x); save("train-labels", train.labels); save("test", test.x); save("test-labels", test.labels);
    const options = { epochs: 200, learningRate: 0.05, weightDecay: 1e-3, numClasses: 5 };
    const reference = JSON.parse(runPython([script, folder, JSON.stringify(options)])) as Record<"adam" | "lbfgs", { weights: number[]; bias: number[]; trainLoss: number; objective: number; accuracy: number; trainAccuracy: number }>;
    // Round the data through float32 as the files hold it.
    const f32 = (rows: number[][]) => rows.map((r) => r.map(Math.fround));
    const same = await probe({ train: f32(train.x), trainLabels: train.labels, test: f32(test.x), testLabels: test.labels, ...options, batchSize: 400 });
    expect(maxAbsDifference(same.weights, reference.adam.weights)).toBeLessThan(1e-3);
    // Softmax ignores a shift of every bias by one constant, which Adam's per-coordinate steps drift along: compare centred biases.
    const centred = (b: ArrayLike<number>) => Array.from(b, (v) => v - Array.from(b).reduce((x, y) => x + y, 0) / b.length);
    expect(maxAbsDifference(centred(same.bias), centred(reference.adam.bias))).toBeLessThan(1e-3);
    expect(Math.abs(same.trainLoss - reference.adam.trainLoss)).toBeLessThan(1e-4);
    expect(Math.abs(same.accuracy - reference.adam.accuracy)).toBeLessThanOrEqual(1 / 200);
    expect(Math.abs(same.trainAccuracy - reference.adam.trainAccuracy)).toBeLessThanOrEqual(1 / 400);

    const optimum = JSON.parse(runPython([script, folder, JSON.stringify({ ...options, weightDecay: 1e-4 })])).lbfgs as typeof reference.lbfgs;
    const defaults = await probe({ train: f32(train.x), trainLabels: train.labels, test: f32(test.x), testLabels: test.labels });
    expect(Math.abs(defaults.accuracy - optimum.accuracy)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(defaults.trainAccuracy - optimum.trainAccuracy)).toBeLessThanOrEqual(0.02);
    // The penalised objective that both minimise: ours within 2 % of the optimum.
    const objective = defaults.trainLoss + (1e-4 / 2) * defaults.weights.reduce((sum, w) => sum + w * w, 0);
    expect(objective).toBeGreaterThan(optimum.objective - 1e-4);
    expect(objective).toBeLessThan(optimum.objective * 1.02);
    expect(optimum.accuracy).toBeGreaterThan(0.5);
    expect(optimum.accuracy).toBeLessThan(1);
    console.log(`linearProbe vs PyTorch: same Adam Δw ${maxAbsDifference(same.weights, reference.adam.weights).toExponential(1)}, accuracy ${same.accuracy} vs ${reference.adam.accuracy}; defaults ${defaults.accuracy} (objective ${objective.toFixed(5)}) vs L-BFGS ${optimum.accuracy} (${optimum.objective.toFixed(5)})`);
  });
});

describe("linearProbe input checks", () => {
  const good = () => ({ trainFeatures: tf.tensor2d([[1, 0], [0, 1]]), trainLabels: Int32Array.from([0, 1]), testFeatures: tf.tensor2d([[1, 0.1]]), testLabels: Int32Array.from([0]) });
  it.each<[string, () => Record<string, unknown>, RegExp]>([
    ["epochs 0", () => ({ epochs: 0 }), /^linearProbe: epochs must be an integer ≥ 1; got 0$/],
    ["batchSize 1.5", () => ({ batchSize: 1.5 }), /^linearProbe: batchSize must be an integer ≥ 1; got 1.5$/],
    ["learningRate 0", () => ({ learningRate: 0 }), /^linearProbe: learningRate must be a finite number > 0, e.g. 0.1; got 0$/],
    ["a negative weightDecay", () => ({ weightDecay: -1 }), /^linearProbe: weightDecay must be a finite number ≥ 0, e.g. 1e-4; got -1$/],
    ["short labels", () => ({ trainLabels: Int32Array.from([0]) }), /^linearProbe: trainLabels must be an Int32Array of 2 class ids, one per feature row; got object \(Int32Array\)$/],
    ["a label ≥ numClasses", () => ({ numClasses: 1 }), /^linearProbe: trainLabels must be class ids in \[0, 1\); got a label 1$/],
    ["other feature sizes", () => ({ testFeatures: tf.tensor2d([[1, 2, 3]]) }), /^linearProbe: testFeatures must be a tensor of shape \[any, 2\] \(the feature size of trainFeatures\); got float32 tensor of shape \[1, 3\]$/],
    ["NaN features", () => ({ trainFeatures: tf.tensor2d([[NaN, 0], [0, 1]]) }), /^linearProbe: trainFeatures, testFeatures must be finite values \(no NaN or Infinity\); got a training loss of NaN$/],
    ["an infinite test feature", () => ({ testFeatures: tf.tensor2d([[Infinity, 0]]) }), /^linearProbe: trainFeatures, testFeatures must be finite values \(no NaN or Infinity\); got a test feature that is NaN or infinite$/],
  ])("rejects %s with a ContrastiveError and leaks nothing", async (_, change, message) => {
    await useBackend("cpu");
    const base = good();
    const changes = change();
    const before = tf.memory().numTensors;
    const error = await linearProbe({ ...base, epochs: 2, ...changes }).catch((e: unknown) => e);
    expect(tf.memory().numTensors).toBe(before);
    expect(ContrastiveError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
    tf.dispose([...Object.values(base), ...Object.values(changes)].filter((v) => v instanceof tf.Tensor) as tf.Tensor[]);
  });
});
