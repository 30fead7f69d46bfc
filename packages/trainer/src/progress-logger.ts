import type { Callback } from "@contrastive/core";

/** Options of {@link progressLogger}. */
export interface ProgressLoggerOptions {
  /** Log every this many steps (and at each epoch's end). Default 10. */
  every?: number;
  /** Where lines go. Default: standard error, so that standard output stays clean for results. */
  write?: (line: string) => void;
}

/**
 * A callback that prints training progress: epoch, step, loss, examples per second.
 *
 * @example
 * createTrainer({ ...components, callbacks: [progressLogger({ every: 5 })] });
 */
export function progressLogger(options: ProgressLoggerOptions = {}): Callback {
  const { every = 10 } = options;
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  let totalEpochs = 0;
  let recent: number[] = [];
  return {
    onTrainBegin({ epochs }) {
      totalEpochs = epochs;
    },
    onEpochBegin() {
      recent = [];
    },
    onStepEnd({ epoch, step, stepsPerEpoch, loss, examples, seconds }) {
      recent.push(loss);
      if ((step + 1) % every === 0 || step + 1 === stepsPerEpoch) {
        const mean = recent.reduce((a, b) => a + b, 0) / recent.length;
        recent = [];
        write(`epoch ${epoch + 1}/${totalEpochs}  step ${step + 1}/${stepsPerEpoch}  loss ${mean.toFixed(4)}  ${(examples / seconds).toFixed(1)} img/s`);
      }
    },
    onEpochEnd({ epoch, meanLoss, seconds, examplesPerSecond }) {
      write(`epoch ${epoch + 1}/${totalEpochs} done: mean loss ${meanLoss.toFixed(4)}, ${seconds.toFixed(1)} s, ${examplesPerSecond.toFixed(1)} img/s`);
    },
  };
}
