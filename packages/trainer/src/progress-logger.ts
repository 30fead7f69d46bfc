import type { Callback } from "@contrastive/core";

/** Options of {@link progressLogger}. */
export interface ProgressLoggerOptions {
  /** Log every this many steps (and at each epoch's end). Default 10. */
  every?: number;
  /** Log also when this many seconds have passed since the last line, whatever the step. Default 10. */
  seconds?: number;
  /** Where lines go. Default: standard error, so that standard output stays clean for results. */
  write?: (line: string) => void;
  /** The clock, in milliseconds. Default `performance.now`. */
  now?: () => number;
}

/**
 * A callback that prints training progress: epoch, step, mean loss since the last line, examples per
 * second, the time left in the epoch and how long the trainer waited for data. It speaks at the first
 * step at once, then every `every` steps or `seconds` seconds, whichever comes first, and at each
 * epoch's end.
 *
 * @example
 * createTrainer({ ...components, callbacks: [progressLogger({ every: 5, seconds: 2 })] });
 */
export function progressLogger(options: ProgressLoggerOptions = {}): Callback {
  const { every = 10, seconds: interval = 10, now = () => performance.now() } = options;
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  let totalEpochs = 0;
  let recent: number[] = [];
  let waited = 0;
  let lastLine = Number.NEGATIVE_INFINITY;
  return {
    onTrainBegin({ epochs }) {
      totalEpochs = epochs;
      lastLine = Number.NEGATIVE_INFINITY;
    },
    onEpochBegin() {
      recent = [];
      waited = 0;
    },
    onStepEnd({ epoch, step, stepsPerEpoch, loss, examples, seconds, dataWaitMs = 0 }) {
      recent.push(loss);
      waited += dataWaitMs;
      const time = now();
      if ((step + 1) % every === 0 || step + 1 === stepsPerEpoch || time - lastLine >= interval * 1000) {
        lastLine = time;
        const mean = recent.reduce((a, b) => a + b, 0) / recent.length;
        recent = [];
        const left = (seconds / (step + 1)) * (stepsPerEpoch - step - 1);
        const wait = seconds > 0 ? ` (${((100 * waited) / 1000 / seconds).toFixed(0)} % waiting for data)` : "";
        write(`epoch ${epoch + 1}/${totalEpochs}  step ${step + 1}/${stepsPerEpoch}  loss ${mean.toFixed(4)}  ${(examples / seconds).toFixed(1)} img/s${wait}  ${left.toFixed(0)} s left in epoch`);
      }
    },
    onEpochEnd({ epoch, meanLoss, seconds, examplesPerSecond }) {
      write(`epoch ${epoch + 1}/${totalEpochs} done: mean loss ${meanLoss.toFixed(4)}, ${seconds.toFixed(1)} s, ${examplesPerSecond.toFixed(1)} img/s`);
    },
  };
}
