import cliProgress from "cli-progress";
import type { Callback } from "@contrastive/core";

/** Options of {@link progressDisplay}. */
export interface ProgressDisplayOptions {
  /** Plain lines every this many steps when not on a terminal. */
  every: number;
  /** Where plain lines go. Default standard error. */
  write?: (line: string) => void;
  /** Draw a live bar. Default: standard error is a terminal and `CI` is not set. */
  live?: boolean;
}

const formatSeconds = (s: number) => (!Number.isFinite(s) ? "?" : s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, "0")}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s` : `${Math.round(s)}s`);

/**
 * Training progress: a live bar (cli-progress) with step, loss, images/s and time left on a
 * terminal; plain lines every `every` steps and at each epoch's end otherwise (pipes, CI logs).
 */
export function progressDisplay(options: ProgressDisplayOptions): Callback {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const live = options.live ?? (Boolean(process.stderr.isTTY) && !process.env.CI);
  let bar: cliProgress.SingleBar | undefined;
  let epochs = 0;
  let stepsPerEpoch = 0;
  let firstEpoch: number | undefined;
  let seconds = 0;
  let recent: number[] = [];
  const left = (epoch: number, step: number, elapsed: number) => {
    const stepsDone = (epoch - (firstEpoch ?? epoch)) * stepsPerEpoch + step + 1;
    const remaining = (epochs - epoch) * stepsPerEpoch - step - 1;
    return ((seconds + elapsed) / stepsDone) * remaining;
  };
  return {
    onTrainBegin(info) {
      ({ epochs, stepsPerEpoch } = info);
      if (live) {
        bar = new cliProgress.SingleBar({ format: "epoch {epoch} [{bar}] step {value}/{total} | loss {loss} | {speed} img/s | {left} left", barsize: 24, hideCursor: true, stream: process.stderr, clearOnComplete: false }, cliProgress.Presets.shades_classic);
      }
    },
    onEpochBegin(epoch) {
      firstEpoch ??= epoch;
      recent = [];
      bar?.start(stepsPerEpoch, 0, { epoch: `${epoch + 1}/${epochs}`, loss: "-", speed: "-", left: "?" });
    },
    onStepEnd({ epoch, step, loss, examples, seconds: elapsed }) {
      recent.push(loss);
      const speed = (examples / elapsed).toFixed(1);
      if (bar) {
        bar.update(step + 1, { loss: loss.toFixed(4), speed, left: formatSeconds(left(epoch, step, elapsed)) });
      } else if ((step + 1) % options.every === 0 || step + 1 === stepsPerEpoch) {
        const mean = recent.reduce((a, b) => a + b, 0) / recent.length;
        recent = [];
        write(`epoch ${epoch + 1}/${epochs}  step ${step + 1}/${stepsPerEpoch}  loss ${mean.toFixed(4)}  ${speed} img/s  ${formatSeconds(left(epoch, step, elapsed))} left`);
      }
    },
    onEpochEnd({ epoch, meanLoss, seconds: epochSeconds, examplesPerSecond, dataWaitSeconds }) {
      bar?.stop();
      seconds += epochSeconds;
      const wait = dataWaitSeconds === undefined ? "" : `, ${((100 * dataWaitSeconds) / epochSeconds).toFixed(1)}% of it waiting for data`;
      write(`epoch ${epoch + 1}/${epochs} done: mean loss ${meanLoss.toFixed(4)}, ${epochSeconds.toFixed(1)} s, ${examplesPerSecond.toFixed(1)} img/s${wait}`);
    },
    onTrainEnd() {
      bar?.stop();
    },
  };
}
