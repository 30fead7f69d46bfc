import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, createRng, euclideanDistanceMatrix, l2Normalize } from "@contrastive/core";
import type { MinedTriplets, Miner } from "@contrastive/core";
import { TEST_BACKENDS, countLeakedTensors, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { allPairs } from "./all-pairs.js";
import { allTriplets } from "./all-triplets.js";
import { batchHardMiner } from "./batch-hard-miner.js";
import { hardTripletMiner, semiHardMiner, tripletMarginMiner } from "./triplet-margin-miner.js";

type Triplet = [number, number, number];

/** Runs `miner`, expects it to leave only its three outputs allocated, and returns the triplets. */
async function mine(miner: Miner, rows: number[][], labels: number[]): Promise<Triplet[]> {
  const embeddings = tf.tensor2d(rows);
  const labelTensor = tf.tensor1d(labels, "int32");
  const { result, leaked } = await countLeakedTensors(() => miner.mine(embeddings, labelTensor));
  expect(leaked).toBe(3);
  const out = result as MinedTriplets;
  for (const t of [out.anchors, out.positives, out.negatives]) expect(t.dtype).toBe("int32");
  const [a, p, n] = [out.anchors, out.positives, out.negatives].map((t) => Array.from(t.dataSync()));
  tf.dispose([embeddings, labelTensor, out.anchors, out.positives, out.negatives]);
  return a!.map((anchor, i) => [anchor, p![i]!, n![i]!]);
}

/** The float32 distances the miners see (Euclidean of L2-normalised rows), as a lookup. */
function distanceLookup(rows: number[][]): (i: number, j: number) => number {
  const matrix = tf.tidy(() => euclideanDistanceMatrix(l2Normalize(tf.tensor2d(rows))));
  const values = matrix.arraySync();
  matrix.dispose();
  return (i, j) => values[i]![j]!;
}

/** Brute force: every (a, p, n) in [0, N)³ tested against the definition, in row-major order. */
function bruteTriplets(labels: number[], keep: (a: number, p: number, n: number) => boolean = () => true): Triplet[] {
  const result: Triplet[] = [];
  const N = labels.length;
  for (let a = 0; a < N; a++)
    for (let p = 0; p < N; p++)
      for (let n = 0; n < N; n++) {
        const valid = a !== p && labels[a] === labels[p] && labels[a] !== labels[n];
        if (valid && keep(a, p, n)) result.push([a, p, n]);
      }
  return result;
}

function randomRows(seed: number, count: number, columns: number): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => Array.from({ length: columns }, () => rng.normal()));
}

// Random batches, and tie batches: duplicated rows give exactly equal distances (0 and repeated values).
const tieRows = [[1, 0], [1, 0], [0, 1], [0, 1], [1, 0], [-1, 0], [0, 1]];
const tieLabels = [0, 0, 0, 1, 1, 2, 2];
const cases: { name: string; rows: number[][]; labels: number[] }[] = [
  { name: "random N = 12, 4 classes", rows: randomRows(1, 12, 5), labels: [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3] },
  { name: "random N = 10 with singleton classes", rows: randomRows(2, 10, 3), labels: [0, 0, 0, 1, 1, 2, 3, 4, 4, 4] },
  { name: "ties from duplicated rows", rows: tieRows, labels: tieLabels },
];

describe.each(TEST_BACKENDS)("miners on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it.each(cases)("allTriplets equals brute-force enumeration: $name", async ({ rows, labels }) => {
    expect(await mine(allTriplets(), rows, labels)).toEqual(bruteTriplets(labels));
  });

  it.each(cases)("batchHardMiner picks the farthest positive and closest negative: $name", async ({ rows, labels }) => {
    const d = distanceLookup(rows);
    const N = labels.length;
    const expected: Triplet[] = [];
    for (let a = 0; a < N; a++) {
      const pos = [...Array(N).keys()].filter((b) => b !== a && labels[b] === labels[a]);
      const neg = [...Array(N).keys()].filter((b) => labels[b] !== labels[a]);
      if (pos.length === 0 || neg.length === 0) continue;
      // the first index attaining the extreme value
      const p = pos.find((b) => pos.every((q) => d(a, q) <= d(a, b)))!;
      const n = neg.find((b) => neg.every((q) => d(a, q) >= d(a, b)))!;
      expected.push([a, p, n]);
    }
    const mined = await mine(batchHardMiner(), rows, labels);
    expect(mined).toEqual(expected);
    for (const [a, p, n] of mined) expect(a !== p && a !== n && labels[a] === labels[p] && labels[a] !== labels[n]).toBe(true);
  });

  it.each(cases)("tripletMarginMiner keeps exactly the triplets its type names: $name", async ({ rows, labels }) => {
    const d = distanceLookup(rows);
    const m = (a: number, p: number, n: number): number => d(a, n) - d(a, p);
    for (const margin of [0, 0.2, 1]) {
      expect(await mine(semiHardMiner({ margin }), rows, labels)).toEqual(bruteTriplets(labels, (a, p, n) => m(a, p, n) > 0 && m(a, p, n) <= margin));
      expect(await mine(hardTripletMiner({ margin }), rows, labels)).toEqual(bruteTriplets(labels, (a, p, n) => m(a, p, n) <= 0));
      expect(await mine(tripletMarginMiner({ margin }), rows, labels)).toEqual(bruteTriplets(labels, (a, p, n) => m(a, p, n) <= margin));
      expect(await mine(tripletMarginMiner({ margin, type: "easy" }), rows, labels)).toEqual(bruteTriplets(labels, (a, p, n) => m(a, p, n) > margin));
    }
  });

  it("ties: a negative exactly as far as the positive is hard, not semi-hard", async () => {
    // rows 0 and 1 coincide (label 0), row 2 coincides with them too but has label 1: d(0,1) = d(0,2) = 0.
    const rows = [[1, 0], [1, 0], [1, 0], [0, 1]];
    const labels = [0, 0, 1, 1];
    const semi = await mine(semiHardMiner({ margin: 0.5 }), rows, labels);
    const hard = await mine(hardTripletMiner({ margin: 0.5 }), rows, labels);
    expect(semi).not.toContainEqual([0, 1, 2]);
    expect(hard).toContainEqual([0, 1, 2]);
    // batch hard: every positive is at distance 0 — the positive is still a positive, never the anchor itself.
    expect(await mine(batchHardMiner(), rows, labels)).toEqual([[0, 1, 2], [1, 0, 2], [2, 3, 0], [3, 2, 0]]);
  });

  it("leaves out rows with no positive or no negative, and never pairs a row with itself", async () => {
    const rows = randomRows(3, 5, 4);
    expect(await mine(allTriplets(), rows, [0, 0, 0, 0, 0])).toEqual([]);
    expect(await mine(batchHardMiner(), rows, [0, 1, 2, 3, 4])).toEqual([]);
    const mined = await mine(batchHardMiner(), rows, [7, 7, 8, 9, 9]);
    expect(mined.map(([a]) => a)).toEqual([0, 1, 3, 4]);
  });

  it("allPairs returns the ordered positive and negative pairs of get_all_pairs_indices", async () => {
    const labels = [3, 1, 3, 3, 1];
    const embeddings = tf.tensor2d(randomRows(4, 5, 2));
    const labelTensor = tf.tensor1d(labels, "int32");
    const { result, leaked } = await countLeakedTensors(() => allPairs().mine(embeddings, labelTensor));
    expect(leaked).toBe(4);
    const read = (t: tf.Tensor1D) => Array.from(t.dataSync());
    const positive: [number, number][] = [];
    const negative: [number, number][] = [];
    for (let a = 0; a < 5; a++) for (let b = 0; b < 5; b++) if (a !== b) (labels[a] === labels[b] ? positive : negative).push([a, b]);
    expect(read(result.positiveAnchors)).toEqual(positive.map(([a]) => a));
    expect(read(result.positives)).toEqual(positive.map(([, b]) => b));
    expect(read(result.negativeAnchors)).toEqual(negative.map(([a]) => a));
    expect(read(result.negatives)).toEqual(negative.map(([, b]) => b));
    tf.dispose([embeddings, labelTensor, ...Object.values(result)]);
  });

  it("rejects bad inputs with errors that name the miner and the argument", () => {
    const embeddings = tf.tensor2d([[1, 0], [0, 1], [1, 1]]);
    const labels = tf.tensor1d([0, 1], "int32");
    const nan = tf.tensor2d([[1, 0], [Number.NaN, 1]]);
    const two = tf.tensor1d([0, 1], "int32");
    expect(() => batchHardMiner().mine(embeddings, labels)).toThrow(/batchHardMiner: labels must be a tensor of shape \[3\]/);
    expect(() => allTriplets().mine(tf.tensor1d([1, 2]) as unknown as tf.Tensor2D, labels)).toThrow(/allTriplets: embeddings/);
    expect(() => semiHardMiner({ margin: -0.1 })).toThrow(/semiHardMiner: margin must be a finite number ≥ 0/);
    expect(() => tripletMarginMiner({ type: "medium" as "all" })).toThrow(/type must be one of/);
    expect(() => semiHardMiner().mine(nan, two)).toThrow(ContrastiveError);
    expect(() => semiHardMiner().mine(nan, two)).toThrow(/non-finite/);
    tf.dispose([embeddings, labels, nan, two]);
  });
});
