import { appendFileSync, existsSync, readFileSync } from "node:fs";
import type { Callback } from "@contrastive/core";

/** One line of `metrics.jsonl`. */
export type MetricsLine =
  | { type: "baseline"; name: string; knnAccuracy: number }
  | { type: "step"; epoch: number; step: number; globalStep: number; loss: number; learningRate: number; imagesPerSecond: number; seconds: number; dataWaitFraction?: number }
  | { type: "epoch"; epoch: number; meanLoss: number; steps: number; seconds: number; imagesPerSecond: number; dataWaitFraction?: number; knnAccuracy?: number }
  | { type: "resume"; epoch: number };

/** Appends one line to a metrics file. */
export function appendMetrics(path: string, line: MetricsLine): void {
  appendFileSync(path, `${JSON.stringify(line)}\n`);
}

/**
 * A trainer callback that appends to `metrics.jsonl`: a `step` line every `every` steps (mean loss
 * since the last line, learning rate, images/s, the share of the time since the last line spent waiting
 * for data) and an `epoch` line at each epoch's end, with the figures `epochExtras` adds (the kNN accuracy).
 */
export function metricsLog(options: { path: string; every: number; learningRate: () => number; epochExtras?: (epoch: number) => Promise<{ knnAccuracy?: number }> }): Callback {
  const { path, every } = options;
  let recent: number[] = [];
  let waitMs = 0;
  let since = 0;
  return {
    onEpochBegin() {
      recent = [];
      waitMs = 0;
      since = 0;
    },
    onStepEnd({ epoch, step, stepsPerEpoch, loss, examples, seconds, dataWaitMs }) {
      recent.push(loss);
      waitMs += dataWaitMs ?? 0;
      if ((step + 1) % every !== 0 && step + 1 !== stepsPerEpoch) return;
      const mean = recent.reduce((a, b) => a + b, 0) / recent.length;
      const dataWait = dataWaitMs === undefined ? {} : { dataWaitFraction: waitMs / 1000 / Math.max(1e-9, seconds - since) };
      recent = [];
      [waitMs, since] = [0, seconds];
      appendMetrics(path, { type: "step", epoch, step, globalStep: epoch * stepsPerEpoch + step, loss: mean, learningRate: options.learningRate(), imagesPerSecond: examples / seconds, seconds, ...dataWait });
    },
    async onEpochEnd({ epoch, meanLoss, steps, seconds, examplesPerSecond, dataWaitSeconds }) {
      const extras = (await options.epochExtras?.(epoch)) ?? {};
      const dataWait = dataWaitSeconds === undefined ? {} : { dataWaitFraction: dataWaitSeconds / seconds };
      appendMetrics(path, { type: "epoch", epoch, meanLoss, steps, seconds, imagesPerSecond: examplesPerSecond, ...dataWait, ...extras });
    },
  };
}

/**
 * Reads `metrics.jsonl`; after a `resume` line, the earlier lines of the epochs that were run again
 * are dropped, so each step and epoch appears once.
 */
export function readMetrics(path: string): MetricsLine[] {
  if (!existsSync(path)) return [];
  let lines: MetricsLine[] = [];
  for (const text of readFileSync(path, "utf8").split("\n")) {
    if (text.trim() === "") continue;
    const line = JSON.parse(text) as MetricsLine;
    if (line.type === "resume") lines = lines.filter((l) => !("epoch" in l) || l.epoch < line.epoch);
    else lines.push(line);
  }
  return lines;
}
