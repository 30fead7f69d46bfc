import type { DataSource, Sampler } from "@contrastive/core";
import { instanceSampler, mPerClassSampler } from "@contrastive/samplers";
import type { TrainSettings } from "./settings.js";
import { UsageError } from "./usage-error.js";

/**
 * The batches of a run: shuffled instances (self-supervised), or m per class when the loss takes
 * labels; with `maxSteps` > 0 each epoch ends after that many batches (smoke runs).
 *
 * @throws {UsageError} when `--batch-size` exceeds the number of images.
 */
export function runSampler(settings: TrainSettings, train: DataSource, useLabels: boolean): Sampler {
  const { batchSize, seed, maxSteps } = settings;
  if (batchSize > train.size) throw new UsageError(`--batch-size ${batchSize} is larger than the ${train.size} images of --data ${settings.data}; expected at most ${train.size}`);
  if (useLabels && !train.labels) throw new UsageError(`--loss ${settings.loss} needs labels: --data ${settings.data} must hold class sub-folders (${settings.data}/<class>/<image>)`);
  const sampler = useLabels ? mPerClassSampler({ labels: train.labels as Int32Array, m: 2, batchSize: batchSize - (batchSize % 2), seed }) : instanceSampler({ size: train.size, batchSize, seed });
  if (maxSteps === 0 || maxSteps >= sampler.batchesPerEpoch()) return sampler;
  return {
    name: `${sampler.name} (first ${maxSteps} steps)`,
    batchesPerEpoch: () => maxSteps,
    *batches(epoch) {
      let taken = 0;
      for (const batch of sampler.batches(epoch)) {
        if (taken++ === maxSteps) return;
        yield batch;
      }
    },
  };
}
