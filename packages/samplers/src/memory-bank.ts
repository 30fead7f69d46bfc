import * as tf from "@tensorflow/tfjs-core";
import { type BankContext, type BankState, ContrastiveError, type NegativeBank, assertInteger, createRng, describeValue } from "@contrastive/core";
import { checkKeys, checkState, normalizeRowsInPlace, normalizedRows, randomUnitRows } from "./bank-checks.js";

/** Options of {@link memoryBank}. */
export interface MemoryBankOptions {
  /** Number of training instances (one entry each). */
  size: number;
  /** Embedding size d. */
  dim: number;
  /** Momentum of the update v ← normalize(m·v + (1 − m)·f). Default 0.5 (InstDisc). */
  momentum?: number;
  /** Negatives drawn per batch, K. Default 4096 (InstDisc). */
  negativesPerBatch?: number;
  /** Leave the batch's own instances out of its negatives. Default true. */
  excludeBatch?: boolean;
  /** Seed of the initial entries and of the draws. Default 0. */
  seed?: number;
}

/**
 * The memory bank of InstDisc (Wu et al. 2018, "Unsupervised Feature Learning via Non-Parametric
 * Instance Discrimination"): one L2-normalised feature per training instance, initialised at random
 * on the unit sphere, updated by momentum from the current batch, v_i ← normalize(m·v_i + (1 − m)·f_i).
 * `negatives()` draws K entries uniformly (without the batch's own instances by default); `positives()`
 * returns the batch's own entries. Stored on the host (a Float32Array of size × dim), so any size fits
 * and reading it never enters the gradient.
 *
 * @throws {ContrastiveError} for bad options, keys of the wrong shape, indices out of range.
 * @example
 * const bank = memoryBank({ size: 8004, dim: 128, momentum: 0.5, negativesPerBatch: 4096 });
 * const negatives = bank.negatives({ indices }); // [4096, 128]
 */
export function memoryBank(options: MemoryBankOptions): NegativeBank {
  const component = "memoryBank";
  const size = assertInteger(component, "size", options.size, 1);
  const dim = assertInteger(component, "dim", options.dim, 1);
  const { momentum = 0.5, excludeBatch = true, seed = 0 } = options;
  const count = assertInteger(component, "negativesPerBatch", options.negativesPerBatch ?? 4096, 1);
  if (!(momentum >= 0 && momentum < 1)) {
    throw new ContrastiveError({ component, argument: "momentum", received: describeValue(momentum), expected: "a number in [0, 1)" });
  }
  const values = randomUnitRows(seed, size, dim);
  const draws = createRng(seed).fork("draws");

  const checkIndices = (context: BankContext) => {
    const bad = context?.indices?.findIndex((i) => !Number.isInteger(i) || i < 0 || i >= size) ?? -2;
    if (bad !== -1) {
      throw new ContrastiveError({ component, argument: bad === -2 ? "context.indices" : `context.indices[${bad}]`, received: bad === -2 ? describeValue(context) : String(context.indices[bad]), expected: `instance indices in [0, ${size})` });
    }
  };
  const gather = (rows: ArrayLike<number>) => {
    const out = new Float32Array(rows.length * dim);
    for (let r = 0; r < rows.length; r++) out.set(values.subarray((rows[r] as number) * dim, ((rows[r] as number) + 1) * dim), r * dim);
    return tf.tensor2d(out, [rows.length, dim]);
  };

  return {
    name: component,
    dim,
    negatives(context) {
      checkIndices(context);
      const excluded = excludeBatch ? new Set(context.indices) : new Set<number>();
      const available = size - excluded.size;
      if (available <= 0) {
        throw new ContrastiveError({ component, argument: "size", received: `${size} entries, all in the batch`, expected: "more entries than the batch has instances" });
      }
      const rows = new Int32Array(count);
      for (let k = 0; k < count; k++) {
        let row = draws.int(size);
        while (excluded.has(row)) row = draws.int(size);
        rows[k] = row;
      }
      return gather(rows);
    },
    positives(context) {
      checkIndices(context);
      return gather(context.indices);
    },
    update(keys, context) {
      checkIndices(context);
      checkKeys(component, keys, dim, context);
      const fresh = normalizedRows(component, keys);
      context.indices.forEach((index, r) => {
        const row = values.subarray(index * dim, (index + 1) * dim);
        for (let c = 0; c < dim; c++) row[c] = momentum * (row[c] as number) + (1 - momentum) * (fresh[r * dim + c] as number);
        normalizeRowsInPlace(row, 1, dim);
      });
    },
    state: (): BankState => ({ name: component, shape: [size, dim], values: values.slice() }),
    restore(state) {
      checkState(component, state, component, size, dim);
      values.set(state.values);
    },
    dispose() {},
  };
}
