import { ContrastiveError, type Rng, type Sampler, assertInteger, createRng, describeValue } from "@contrastive/core";

const COMPONENT = "mPerClassSampler";

/** Options of {@link mPerClassSampler}. */
export interface MPerClassSamplerOptions {
  /** The class id of every example of the data set (integers), e.g. `DataSource.labels`. */
  labels: ArrayLike<number>;
  /** Examples drawn from each class in a batch, an integer ≥ 1. */
  m: number;
  /** Examples per batch: a multiple of `m`, with batchSize / m ≤ the number of classes. */
  batchSize: number;
  /** Seed of the draws. Default 0. */
  seed?: number;
  /** Batches per epoch. Default ⌊labels.length / batchSize⌋ (at least 1), about one pass over the data. */
  batchesPerEpoch?: number;
}

/**
 * The balanced batch sampler of supervised metric learning, as pytorch-metric-learning's
 * `MPerClassSampler`: every batch holds m examples of each of batchSize / m distinct classes. For each
 * batch the classes are shuffled and the first batchSize / m taken; each then gives m distinct
 * examples drawn at random (with replacement only when the class has fewer than m examples, as
 * pytorch-metric-learning's `safe_random_choice`). Batches are independent draws, so an epoch need not
 * visit every example. Reproducible per (seed, epoch).
 *
 * @throws {ContrastiveError} when `labels` is empty or not integers, `m` or `batchSize` is not a
 *   positive integer, `batchSize` is not a multiple of `m`, or the labels have fewer than batchSize / m
 *   classes (the message says how many they have and which batch sizes would work).
 * @example
 * const sampler = mPerClassSampler({ labels: data.labels!, m: 4, batchSize: 64, seed: 0 });
 * for (const indices of sampler.batches(0)) console.log(indices.length); // 64: 16 classes × 4
 */
export function mPerClassSampler(options: MPerClassSamplerOptions): Sampler {
  const byClass = groupByClass(options.labels);
  const m = assertInteger(COMPONENT, "m", options.m, 1);
  const batchSize = assertInteger(COMPONENT, "batchSize", options.batchSize, 1);
  if (batchSize % m !== 0) {
    throw new ContrastiveError({ component: COMPONENT, argument: "batchSize", received: `${batchSize} with m = ${m}`, expected: `a multiple of m, e.g. ${[Math.floor(batchSize / m), Math.ceil(batchSize / m)].filter((k) => k > 0).map((k) => k * m).join(" or ")}` });
  }
  const classesPerBatch = batchSize / m;
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  if (classesPerBatch > classes.length) {
    throw new ContrastiveError({
      component: COMPONENT,
      argument: "batchSize",
      received: `${batchSize} = ${classesPerBatch} classes × m = ${m}, but labels hold ${classes.length} class${classes.length === 1 ? "" : "es"}`,
      expected: `at most m × classes = ${m * classes.length}: lower batchSize or raise m`,
    });
  }
  const batchesPerEpoch = assertInteger(COMPONENT, "batchesPerEpoch", options.batchesPerEpoch ?? Math.max(1, Math.floor(options.labels.length / batchSize)), 1);
  const root = createRng(options.seed ?? 0);
  return {
    name: COMPONENT,
    batchesPerEpoch: () => batchesPerEpoch,
    *batches(epoch: number) {
      const rng = root.fork(`epoch:${epoch}`);
      for (let b = 0; b < batchesPerEpoch; b++) {
        const batch = new Int32Array(batchSize);
        const chosen = rng.shuffle([...classes]).slice(0, classesPerBatch);
        chosen.forEach((label, c) => batch.set(choose(byClass.get(label)!, m, rng), c * m));
        yield batch;
      }
    },
  };
}

/** The example indices of each class; throws on empty or non-integer labels. */
function groupByClass(labels: ArrayLike<number>): Map<number, number[]> {
  if (labels === null || typeof labels !== "object" || typeof labels.length !== "number" || labels.length === 0) {
    throw new ContrastiveError({ component: COMPONENT, argument: "labels", received: describeValue(labels), expected: "a non-empty array of integer class ids, one per example" });
  }
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label)) {
      throw new ContrastiveError({ component: COMPONENT, argument: `labels[${i}]`, received: describeValue(label), expected: "an integer class id" });
    }
    const members = byClass.get(label);
    if (members === undefined) byClass.set(label, [i]);
    else members.push(i);
  }
  return byClass;
}

/** m members drawn at random: distinct when there are at least m, otherwise with replacement. */
function choose(members: number[], m: number, rng: Rng): number[] {
  if (members.length < m) return Array.from({ length: m }, () => members[rng.int(members.length)]!);
  const pool = [...members];
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(pool.length - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, m);
}
