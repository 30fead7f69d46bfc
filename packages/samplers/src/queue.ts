import * as tf from "@tensorflow/tfjs-core";
import { type BankState, ContrastiveError, type NegativeBank, assertInteger } from "@contrastive/core";
import { checkKeys, checkState, normalizedRows, randomUnitRows } from "./bank-checks.js";

/** Options of {@link queue}. */
export interface QueueOptions {
  /** Number of keys kept, K. MoCo: 65536 on ImageNet, 4096 on small data sets. */
  size: number;
  /** Embedding size d. */
  dim: number;
  /** Seed of the initial random keys. Default 0. */
  seed?: number;
}

/**
 * MoCo's dictionary (He et al. 2020, "Momentum Contrast for Unsupervised Visual Representation
 * Learning"): a first-in-first-out queue of K L2-normalised keys, initialised with random unit
 * vectors. `update(keys)` overwrites the oldest N entries (a ring buffer with a write position, as
 * MoCo's `_dequeue_and_enqueue`, wrapping around the end); `negatives()` returns all K. The trainer
 * enqueues only after the loss that read the queue was computed, and the queue is a constant: no
 * gradient flows into it. It lives on the backend (no host round trip per step).
 *
 * @throws {ContrastiveError} for bad options, keys of the wrong shape or more keys than the queue holds.
 * @example
 * const keys = queue({ size: 4096, dim: 128 });
 * const negatives = keys.negatives({ indices }); // [4096, 128]
 * keys.update(momentumKeys, { indices });        // after the loss
 */
export function queue(options: QueueOptions): NegativeBank & { readonly pointer: number } {
  const component = "queue";
  const size = assertInteger(component, "size", options.size, 1);
  const dim = assertInteger(component, "dim", options.dim, 1);
  let contents = tf.keep(tf.tensor2d(randomUnitRows(options.seed ?? 0, size, dim), [size, dim]));
  let pointer = 0;

  const replace = (next: tf.Tensor2D) => {
    const old = contents;
    contents = tf.keep(next);
    old.dispose();
  };

  return {
    name: component,
    dim,
    get pointer() {
      return pointer;
    },
    negatives: () => tf.clone(contents),
    update(keys) {
      checkKeys(component, keys, dim);
      const n = keys.shape[0];
      if (n > size) {
        throw new ContrastiveError({ component, argument: "keys", received: `${n} keys`, expected: `at most the queue's size (${size}) per update` });
      }
      const fresh = normalizedRows(component, keys);
      const firstPart = Math.min(n, size - pointer);
      replace(
        tf.tidy(() => {
          const incoming = tf.tensor2d(fresh, [n, dim]);
          const head = tf.slice(incoming, [0, 0], [firstPart, dim]);
          const parts: tf.Tensor2D[] = [];
          if (firstPart < n) parts.push(tf.slice(incoming, [firstPart, 0], [n - firstPart, dim])); // wrapped to the front
          const keepFrom = firstPart < n ? n - firstPart : 0;
          if (pointer > keepFrom) parts.push(tf.slice(contents, [keepFrom, 0], [pointer - keepFrom, dim]));
          parts.push(head);
          if (pointer + firstPart < size) parts.push(tf.slice(contents, [pointer + firstPart, 0], [size - pointer - firstPart, dim]));
          return tf.concat(parts, 0);
        }),
      );
      pointer = (pointer + n) % size;
    },
    state: (): BankState => ({ name: component, shape: [size, dim], values: Float32Array.from(contents.dataSync() as Float32Array), extra: { pointer } }),
    restore(state) {
      checkState(component, state, component, size, dim);
      const saved = state.extra?.pointer ?? 0;
      if (!Number.isInteger(saved) || saved < 0 || saved >= size) {
        throw new ContrastiveError({ component, argument: "state.extra.pointer", received: String(saved), expected: `an integer in [0, ${size})` });
      }
      replace(tf.tensor2d(state.values, [size, dim]));
      pointer = saved;
    },
    dispose() {
      contents.dispose();
    },
  };
}
