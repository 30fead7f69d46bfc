import { appendFileSync, existsSync, readFileSync } from "node:fs";
import type { Callback } from "@contrastive/core";

/** One line of `metrics.jsonl`. */
export type MetricsLine =
  | { type: "baseline"; name: string; knnAccuracy: number }
  | { type: "step"; epoch: number; step: number; globalStep: number; loss: number; learningRate: number; imagesPerSecond: number; seconds: number }
  | { type: "epoch"; epoch: number; meanLoss: number; steps: number; seconds: number; imagesPerSecond: number; knnAccuracy?: number }
  | { type: "resume"; epoch: number };

/** Appends one line to a metrics file. */
export function appendMetrics(path: string, line: MetricsLine): void {
  appendFileSync(path, `${JSON.stringify(line)}\n`);
}

/**
 * A trainer callback that appends to `metrics.jsonl`: a `step` line every `every` steps (mean loss
 * since the last line, learning rate, images/s) and an `epoch` line at each epoch's end, with the
 * figures `epochExtras` adds (the kNN accuracy).
 */
export function metricsLog(options: { path: string; every: number; learningRate: () => number; epochExtras?: (epoch: number) => Promise<{ knnAccuracy?: number }> }): Callback {
  const { path, every } = options;
  let recent: number[] = [];
  return {
    onEpochBegin() {
      recent = [];
    },
    onStepEnd({ epoch, step, stepsPerEpoch, loss, examples, seconds }) {
      recent.push(loss);
      if ((step + 1) % every !== 0 && step + 1 !== stepsPerEpoch) return;
      const mean = recent.reduce((a, b) => a + b, 0) / recent.length;
      recent = [];
      appendMetrics(path, { type: "step", epoch, step, globalStep: epoch * stepsPerEpoch + step, loss: mean, learningRate: options.learningRate(), imagesPerSecond: examples / seconds, seconds });
    },
    async onEpochEnd({ epoch, meanLoss, steps, seconds, examplesPerSecond }) {
      const extras = (await options.epochExtras?.(epoch)) ?? {};
      appendMetrics(path, { type: "epoch", epoch, meanLoss, steps, seconds, imagesPerSecond: examplesPerSecond, ...extras });
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
