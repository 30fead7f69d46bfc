import { ContrastiveError, type Sampler, assertInteger, createRng } from "@contrastive/core";

/** Options of {@link instanceSampler}. */
export interface InstanceSamplerOptions {
  /** Number of instances in the data set. */
  size: number;
  /** Instances per batch. */
  batchSize: number;
  /** Seed of the shuffles. Default 0. */
  seed?: number;
  /** Drop the last, smaller batch of each epoch (keeps batch statistics and the loss's N constant). Default true. */
  dropLast?: boolean;
}

/**
 * The batch sampler of instance discrimination: a fresh shuffle of all instances each epoch,
 * cut into batches, each instance once per epoch. Reproducible per (seed, epoch).
 *
 * @throws {ContrastiveError} when `size` or `batchSize` is not a positive integer, or when
 *   `dropLast` would leave no batch at all.
 * @example
 * const sampler = instanceSampler({ size: 8004, batchSize: 256, seed: 0 });
 * for (const indices of sampler.batches(0)) console.log(indices.length); // 256, 31 times
 */
export function instanceSampler(options: InstanceSamplerOptions): Sampler {
  const size = assertInteger("instanceSampler", "size", options.size, 1);
  const batchSize = assertInteger("instanceSampler", "batchSize", options.batchSize, 1);
  const { seed = 0, dropLast = true } = options;
  if (dropLast && batchSize > size) {
    throw new ContrastiveError({
      component: "instanceSampler",
      argument: "batchSize",
      received: `${batchSize} with size ${size} and dropLast true`,
      expected: `at most size (${size}) so that an epoch has a full batch, or dropLast: false`,
    });
  }
  const batchesPerEpoch = dropLast ? Math.floor(size / batchSize) : Math.ceil(size / batchSize);
  const root = createRng(seed);
  return {
    name: "instanceSampler",
    batchesPerEpoch: () => batchesPerEpoch,
    *batches(epoch: number) {
      const order = root.fork(`epoch:${epoch}`).permutation(size);
      for (let b = 0; b < batchesPerEpoch; b++) {
        yield order.slice(b * batchSize, Math.min(size, (b + 1) * batchSize));
      }
    },
  };
}
