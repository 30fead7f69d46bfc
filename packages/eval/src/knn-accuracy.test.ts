import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, createRng } from "@contrastive/core";
import { TEST_BACKENDS, countLeakedTensors, useBackend } from "@contrastive/core/testing";
import { describe, expect, it } from "vitest";
import { type KnnAccuracyOptions, knnAccuracy } from "./knn-accuracy.js";

type Rows = number[][];

/**
 * The reference: bench/pytorch/torch_simclr_mnist.py's `knn` as plain float64 loops. Cosine similarity of
 * normalised rows, the k most similar train rows (equal similarities: lower index first),
 * votes exp(s / τ) per class, argmax with ties to the lowest class id.
 */
function knnLoop(train: Rows, trainLabels: number[], test: Rows, k: number, temperature: number, numClasses: number): number[] {
  const normalize = (row: number[]) => {
    const norm = Math.max(Math.sqrt(row.reduce((s, v) => s + v * v, 0)), 1e-12);
    return row.map((v) => v / norm);
  };
  const trainN = train.map(normalize);
  return test.map((row) => {
    const q = normalize(row);
    const sims = trainN.map((t, index) => ({ s: t.reduce((acc, v, i) => acc + v * (q[i] as number), 0), index }));
    sims.sort((a, b) => b.s - a.s || a.index - b.index);
    const votes = new Array<number>(numClasses).fill(0);
    for (const { s, index } of sims.slice(0, k)) votes[trainLabels[index] as number]! += Math.exp(s / temperature);
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (votes[c]! > votes[best]!) best = c;
    return best;
  });
}

function randomRows(n: number, d: number, rng: ReturnType<typeof createRng>): Rows {
  return Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));
}

/** Runs knnAccuracy on plain arrays, checking that it leaves no tensors behind. */
async function run(train: Rows, trainLabels: number[], test: Rows, testLabels: number[], extra: Partial<KnnAccuracyOptions> = {}) {
  const trainFeatures = tf.tensor2d(train), testFeatures = tf.tensor2d(test);
  const { result, leaked } = await countLeakedTensors(() =>
    knnAccuracy({ trainFeatures, trainLabels: Int32Array.from(trainLabels), testFeatures, testLabels: Int32Array.from(testLabels), ...extra }),
  );
  tf.dispose([trainFeatures, testFeatures]);
  expect(leaked).toBe(0);
  return result;
}

const degrees = (angle: number) => [Math.cos((angle * Math.PI) / 180), Math.sin((angle * Math.PI) / 180)];

describe.each(TEST_BACKENDS)("knnAccuracy on %s", (backend) => {
  it("gives the known answer on a hand-made case, where k and τ change the prediction", async () => {
    await useBackend(backend);
    // Train rows at 0°, 10°, 20° (classes 0, 1, 1) and 90° (class 2); test rows at 0° and 90°.
    const train = [degrees(0), degrees(10), degrees(20), degrees(90)].map((r) => r.map((v) => 3 * v));
    const trainLabels = [0, 1, 1, 2], test = [degrees(0), degrees(90)], testLabels = [0, 2];
    // k 3, τ 0.1: class 1 gets e^{9.85} + e^{9.40} ≈ 30966 > e^{10} ≈ 22026 for class 0.
    let result = await run(train, trainLabels, test, testLabels, { k: 3, temperature: 0.1 });
    expect(Array.from(result.predictions)).toEqual([1, 2]);
    expect(result.accuracy).toBe(0.5);
    expect(result.correct).toBe(1);
    expect(Array.from(result.perClassAccuracy)).toEqual([0, NaN, 1]);
    // τ 0.01 sharpens the votes: e^{100} beats e^{98.5} + e^{94.0}.
    result = await run(train, trainLabels, test, testLabels, { k: 3, temperature: 0.01 });
    expect(Array.from(result.predictions)).toEqual([0, 2]);
    expect(result.accuracy).toBe(1);
    // k 1 is the nearest neighbour.
    result = await run(train, trainLabels, test, testLabels, { k: 1 });
    expect(Array.from(result.predictions)).toEqual([0, 2]);
    // k 4, τ 1: every row votes. At 0°, class 1 (e^{0.98} + e^{0.94} ≈ 5.24) beats class 0 (e^{1});
    // at 90°, class 2 (e^{1} ≈ 2.72) still beats class 1 (e^{0.17} + e^{0.34} ≈ 2.60).
    result = await run(train, trainLabels, test, testLabels, { k: 4, temperature: 1, numClasses: 5 });
    expect(Array.from(result.predictions)).toEqual([1, 2]);
    expect(Array.from(result.perClassAccuracy)).toEqual([0, NaN, 1, NaN, NaN]);
  });

  it("matches the plain-loop reference on random data over several k and τ, including ties", async () => {
    await useBackend(backend);
    const rng = createRng(2024);
    let disagreements = 0, total = 0;
    for (const [trials, k, temperature] of [[3, 1, 0.1], [3, 5, 0.1], [3, 20, 0.1], [2, 7, 0.5], [2, 20, 0.05], [2, 40, 1], [2, 3, 0.01]] as const) {
      for (let trial = 0; trial < trials; trial++) {
        const numClasses = 2 + rng.int(5);
        const distinct = randomRows(30, 6, rng);
        // Every distinct row appears twice with independent labels: exact ties in similarity (at the
        // k-th neighbour too) and, with k = 1 or pairs split over two classes, exact ties in the votes.
        const train = [...distinct, ...distinct.map((r) => [...r])];
        const trainLabels = train.map(() => rng.int(numClasses));
        const test = [...randomRows(25, 6, rng), ...distinct.slice(0, 5).map((r) => r.map((v) => 2 * v)), new Array<number>(6).fill(0)];
        const testLabels = test.map(() => rng.int(numClasses));
        const expected = knnLoop(train, trainLabels, test, k, temperature, numClasses);
        const result = await run(train, trainLabels, test, testLabels, { k, temperature, numClasses, batchSize: 7 });
        total += expected.length;
        disagreements += expected.filter((p, i) => p !== result.predictions[i]).length;
        const correct = expected.filter((p, i) => p === testLabels[i]).length;
        expect(result.correct).toBe(correct);
        expect(result.accuracy).toBe(correct / test.length);
      }
    }
    expect(total).toBe(17 * 31);
    expect(disagreements).toBe(0);
  });

  it("breaks exact vote ties towards the lowest class id, and similarity ties towards the lower train index", async () => {
    await useBackend(backend);
    const v = [1, 2, 3], w = [-3, 1, 0];
    // The same vector under classes 4 and 2: equal votes → class 2.
    let result = await run([v, v, w], [4, 2, 0], [v], [2], { k: 2 });
    expect(Array.from(result.predictions)).toEqual([2]);
    // k = 1 between two copies: the lower index (class 4) is the nearer.
    result = await run([v, v, w], [4, 2, 0], [v], [4], { k: 1 });
    expect(Array.from(result.predictions)).toEqual([4]);
    // A zero test row is equally similar (0) to everything: the first k train rows vote equally.
    result = await run([v, w, v], [3, 1, 0], [[0, 0, 0]], [0], { k: 2 });
    expect(Array.from(result.predictions)).toEqual([1]);
  });

  it("gives the same result for every batchSize, with test sets larger than one block", async () => {
    await useBackend(backend);
    const rng = createRng(7);
    const train = randomRows(120, 8, rng), test = randomRows(53, 8, rng);
    const trainLabels = train.map(() => rng.int(4)), testLabels = test.map(() => rng.int(4));
    const reference = knnLoop(train, trainLabels, test, 10, 0.1, 4);
    for (const batchSize of [1, 10, 53, 1000]) {
      const result = await run(train, trainLabels, test, testLabels, { k: 10, batchSize });
      expect(Array.from(result.predictions)).toEqual(reference);
    }
  });

  it("stays finite at tiny temperatures where exp(s / τ) overflows", async () => {
    await useBackend(backend);
    const train = [degrees(0), degrees(1), degrees(2), degrees(3)], test = [degrees(0.2)];
    // τ 1e-4: e^{1/τ} = e^{10000} is infinite; the nearest row (0°, class 0) still outweighs two others.
    const result = await run(train, [0, 1, 1, 1], test, [0], { k: 3, temperature: 1e-4 });
    expect(Array.from(result.predictions)).toEqual([0]);
  });
});

describe("knnAccuracy input checks", () => {
  const good = () => ({
    trainFeatures: tf.tensor2d([[1, 0], [0, 1], [1, 1]]),
    trainLabels: Int32Array.from([0, 1, 1]),
    testFeatures: tf.tensor2d([[1, 0.1]]),
    testLabels: Int32Array.from([0]),
    k: 2,
  });

  it.each<[string, (o: ReturnType<typeof good>) => Partial<KnnAccuracyOptions> & Record<string, unknown>, RegExp]>([
    ["k = 0", () => ({ k: 0 }), /^knnAccuracy: k must be an integer ≥ 1; got 0$/],
    ["k < 0", () => ({ k: -2 }), /^knnAccuracy: k must be an integer ≥ 1; got -2$/],
    ["fractional k", () => ({ k: 1.5 }), /k must be an integer ≥ 1; got 1.5/],
    ["k > train size", () => ({ k: 4 }), /^knnAccuracy: k must be at most the 3 rows of trainFeatures; got 4$/],
    ["temperature 0", () => ({ temperature: 0 }), /^knnAccuracy: temperature must be a finite number > 0, e.g. 0.1; got 0$/],
    ["temperature < 0", () => ({ temperature: -0.1 }), /temperature must be a finite number > 0, e.g. 0.1; got -0.1/],
    ["batchSize 0", () => ({ batchSize: 0 }), /batchSize must be an integer ≥ 1; got 0/],
    ["train labels too short", () => ({ trainLabels: Int32Array.from([0, 1]) }), /^knnAccuracy: trainLabels must be an Int32Array of 3 class ids, one per feature row; got object \(Int32Array\)$/],
    ["test labels too long", () => ({ testLabels: Int32Array.from([0, 1]) }), /testLabels must be an Int32Array of 1 class ids/],
    ["labels as a plain array", () => ({ trainLabels: [0, 1, 1] as unknown as Int32Array }), /trainLabels must be an Int32Array of 3 class ids.*; got \[0, 1, 1\]/],
    ["a negative label", () => ({ trainLabels: Int32Array.from([0, -1, 1]) }), /^knnAccuracy: trainLabels must be class ids ≥ 0; got a label -1$/],
    ["a label ≥ numClasses", () => ({ numClasses: 1 }), /^knnAccuracy: trainLabels must be class ids in \[0, 1\); got a label 1$/],
    ["feature sizes differ", () => ({ testFeatures: tf.tensor2d([[1, 0, 0]]) }), /^knnAccuracy: testFeatures must be a tensor of shape \[any, 2\] \(the feature size of trainFeatures\); got float32 tensor of shape \[1, 3\]$/],
    ["rank-1 train features", () => ({ trainFeatures: tf.tensor1d([1, 2, 3]) as unknown as tf.Tensor2D }), /trainFeatures must be a tensor of shape \[any, any\]; got float32 tensor of shape \[3\]/],
    ["no test rows", () => ({ testFeatures: tf.zeros([0, 2]) as tf.Tensor2D, testLabels: new Int32Array(0) }), /testFeatures must be at least one row to classify; got float32 tensor of shape \[0, 2\]/],
    ["NaN features", () => ({ testFeatures: tf.tensor2d([[NaN, 1]]) }), /knnAccuracy: trainFeatures, testFeatures must be finite values \(no NaN or Infinity\); got a similarity of NaN for test row 0/],
  ])("rejects %s with a ContrastiveError and leaks nothing", async (_, change, message) => {
    await useBackend("cpu");
    const base = good();
    const changes = change(base);
    const before = tf.memory().numTensors;
    const error = await knnAccuracy({ ...base, ...changes } as KnnAccuracyOptions).catch((e: unknown) => e);
    expect(tf.memory().numTensors).toBe(before);
    expect(ContrastiveError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
    tf.dispose([base.trainFeatures, base.testFeatures, ...Object.values(changes).filter((v) => v instanceof tf.Tensor)] as tf.Tensor[]);
  });
});
