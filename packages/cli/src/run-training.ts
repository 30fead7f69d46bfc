import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type * as tf from "@tensorflow/tfjs-core";
import type { LayersBackbone } from "@contrastive/backbones";
import { saveBackbone } from "@contrastive/backbones/node";
import { type DataSource, selectBackend } from "@contrastive/core";
import type { LayersHead } from "@contrastive/heads";
import { saveHead } from "@contrastive/heads/node";
import { createTrainer, isWorkerFailure } from "@contrastive/trainer";
import { loadCheckpoint, saveCheckpoint, workerPool } from "@contrastive/trainer/node";
import { buildComponents, usesLabels } from "./components.js";
import { encoderFeatures, evaluationSets, knnOf, rawPixels } from "./evaluation.js";
import { interruptHandler } from "./interrupt.js";
import { appendMetrics, metricsLog, readMetrics } from "./metrics-log.js";
import { progressDisplay } from "./progress.js";
import { writeReport } from "./report/write-report.js";
import { runSampler } from "./run-sampler.js";
import type { ComponentOverrides, TrainSettings } from "./settings.js";
import { UsageError } from "./usage-error.js";

/** What {@link runTraining} trains on and how. */
export interface RunInput {
  settings: TrainSettings;
  overrides?: ComponentOverrides;
  train: DataSource & { readonly classNames?: readonly string[] };
  test?: DataSource;
  /** Continue from the run folder's last checkpoint. */
  resume?: boolean;
  /** Progress and messages (standard error). */
  log: (line: string) => void;
  /** Title of the report. */
  title: string;
  /** Most reference and query images of the kNN evaluation (default 4,000 and 1,000). */
  evaluationLimits?: { maxReference: number; maxQueries: number };
}

/** What a run ends with (also the `--json` line). */
export interface RunSummary {
  backend: string;
  epochs: number;
  imagesPerSecond: number;
  trainSeconds: number;
  finalLoss: number;
  knnAccuracy?: number;
  /** The kNN accuracy after each epoch recorded in the run folder (with a test set). */
  knnPerEpoch?: number[];
  untrainedKnnAccuracy?: number;
  rawPixelKnnAccuracy?: number;
  evaluatedOn?: string;
  interrupted: boolean;
  out: string;
}

/**
 * One training run into `settings.out`: `config.json`, `metrics.jsonl`, checkpoints (each epoch, and
 * on Ctrl-C), the encoder and head (`encoder/`, `head/`, loadable by loadBackbone / loadHead) and
 * `report.html`. Shared by `contrastive train` and `contrastive demo`.
 */
export async function runTraining(input: RunInput): Promise<RunSummary> {
  const { settings, train, log, resume = false } = input;
  const { out } = settings;
  const paths = { config: join(out, "config.json"), metrics: join(out, "metrics.jsonl"), checkpoints: join(out, "checkpoints"), state: join(out, "state.json") };
  if (!resume && existsSync(paths.checkpoints)) throw new UsageError(`--out ${out}: already holds a run; add --resume to continue it or --overwrite to replace it, or choose another folder`);
  if (resume && !existsSync(paths.state)) throw new UsageError(`--resume: ${out} has no checkpoint to continue from; run without --resume`);
  const sampler = runSampler(settings, train, usesLabels(settings, input.overrides)); // usage errors come before any output
  mkdirSync(out, { recursive: true });
  writeFileSync(paths.config, `${JSON.stringify(settings, null, 2)}\n`);

  const selection = await selectBackend(settings.backend);
  log(`backend: ${selection.backend} (${selection.packageName})${selection.skipped.map((s) => `; skipped ${s.packageName}: ${s.reason}`).join("")}`);
  const components = buildComponents(settings, input.overrides, typeof train.readImages === "function");
  const { backbone, head, optimizer } = components;
  const sets = evaluationSets(train, input.test, input.evaluationLimits);
  log(`data: ${train.size} images${train.classNames?.length ? ` in ${train.classNames.length} classes` : ", unlabelled"}; ${sampler.batchesPerEpoch()} steps of ${settings.batchSize} per epoch${sets ? `; kNN on ${sets.description}` : ""}`);

  let initialEpoch = 0;
  const parts = { backbone, ...(head ? { head } : {}), optimizer };
  if (resume) {
    const { epoch } = await loadCheckpoint(paths.checkpoints, parts);
    const state = JSON.parse(readFileSync(paths.state, "utf8")) as { nextEpoch: number };
    initialEpoch = state.nextEpoch;
    if (initialEpoch >= settings.epochs) throw new UsageError(`--epochs ${settings.epochs}: the run in ${out} has done ${initialEpoch}; pass a larger --epochs to continue`);
    appendMetrics(paths.metrics, { type: "resume", epoch: initialEpoch });
    log(`resumed from ${paths.checkpoints} (epoch ${epoch + 1}); continuing at epoch ${initialEpoch + 1}/${settings.epochs}`);
  } else {
    rmSync(paths.metrics, { force: true });
    if (sets) {
      for (const [name, encode] of [["raw pixels", rawPixels], ["untrained encoder", encoderFeatures(backbone)]] as const) {
        const knnAccuracy = await knnOf(encode, sets);
        appendMetrics(paths.metrics, { type: "baseline", name, knnAccuracy });
        log(`kNN accuracy, ${name}: ${knnAccuracy.toFixed(4)}`);
      }
    }
  }

  const checkpoint = async (epoch: number, nextEpoch: number) => {
    await saveCheckpoint(paths.checkpoints, parts, { epoch });
    writeFileSync(paths.state, `${JSON.stringify({ nextEpoch })}\n`);
  };
  const interrupt = interruptHandler(log);
  const learningRate = () => {
    // Our optimizers (sgd, adamW, lars of @contrastive/trainer) may follow a schedule; tfjs's keep a number.
    const scheduled = (optimizer as unknown as { currentLearningRate?: () => number }).currentLearningRate;
    if (typeof scheduled === "function") return scheduled.call(optimizer);
    const value = (optimizer as unknown as { learningRate?: unknown }).learningRate;
    return typeof value === "number" ? value : settings.learningRate;
  };
  const workers = settings.workers === 1 ? undefined : workerPool({ count: settings.workers });
  if (workers) log(`workers: ${workers.count} threads, data parallel`);
  let epochNow = initialEpoch;
  const trainer = createTrainer({
    ...(workers ? { workers } : {}),
    backbone,
    ...(head ? { head } : {}),
    loss: components.loss,
    optimizer: optimizer as tf.Optimizer,
    augment: components.augment,
    seed: settings.seed,
    callbacks: [
      { onEpochBegin: (epoch) => void (epochNow = epoch) },
      interrupt.callback(() => trainer.stop()),
      progressDisplay({ every: settings.logEvery, write: log }),
      metricsLog({ path: paths.metrics, every: settings.logEvery, learningRate, ...(sets ? { epochExtras: async () => ({ knnAccuracy: await knnOf(encoderFeatures(backbone), sets) }) } : {}) }),
      { onEpochEnd: async ({ epoch, steps }) => (steps === sampler.batchesPerEpoch() ? checkpoint(epoch, epoch + 1) : undefined) },
      ...(input.overrides?.callbacks ?? []),
    ],
  });
  let history;
  try {
    history = await trainer.fit({ data: train, sampler, epochs: settings.epochs, initialEpoch, useLabels: components.useLabels });
  } catch (error) {
    // a failed worker leaves the last completed step's weights: save them, to run this epoch again on --resume
    if (isWorkerFailure(error)) {
      await checkpoint(epochNow, epochNow);
      log(`a worker failed: checkpoint saved in ${paths.checkpoints}; continue with: contrastive train --out ${out} --resume`);
    }
    throw error;
  } finally {
    interrupt.dispose();
    await trainer.dispose();
  }
  const lastRun = history.epochs.at(-1);
  // an interrupted epoch is run again on --resume, from the weights it had reached
  const interruptedEpoch = interrupt.requested ? (lastRun ? lastRun.epoch + (lastRun.steps === sampler.batchesPerEpoch() ? 1 : 0) : initialEpoch) : undefined;
  if (interruptedEpoch !== undefined) {
    await checkpoint(lastRun?.epoch ?? initialEpoch, interruptedEpoch);
    log(`interrupted: checkpoint saved in ${paths.checkpoints}; continue with: contrastive train --out ${out} --resume`);
  }
  if (typeof (backbone as Partial<LayersBackbone>).model?.save === "function") await saveBackbone(backbone as LayersBackbone, join(out, "encoder"));
  if (head && typeof (head as Partial<LayersHead>).model?.save === "function") await saveHead(head as LayersHead, join(out, "head"));
  const metrics = readMetrics(paths.metrics);
  const epochs = metrics.filter((m) => m.type === "epoch");
  const baseline = (name: string) => metrics.find((m) => m.type === "baseline" && m.name === name) as { knnAccuracy: number } | undefined;
  const trainSeconds = epochs.reduce((s, e) => s + e.seconds, 0);
  const examples = epochs.reduce((s, e) => s + e.imagesPerSecond * e.seconds, 0);
  const last = epochs.at(-1);
  await writeReport({ path: join(out, "report.html"), title: input.title, settings, metrics, backbone, ...(sets ? { sets } : {}), classNames: train.classNames ?? [], log });
  log(`wrote ${join(out, "report.html")}`);
  backbone.dispose();
  head?.dispose();
  optimizer.dispose();
  return {
    backend: selection.backend,
    epochs: epochs.length,
    imagesPerSecond: Number((examples / Math.max(trainSeconds, 1e-9)).toFixed(1)),
    trainSeconds: Number(trainSeconds.toFixed(1)),
    finalLoss: Number((last?.meanLoss ?? Number.NaN).toFixed(4)),
    ...(last?.knnAccuracy !== undefined ? { knnAccuracy: Number(last.knnAccuracy.toFixed(4)) } : {}),
    ...(sets ? { knnPerEpoch: epochs.filter((e) => typeof e.knnAccuracy === "number").map((e) => Number((e.knnAccuracy as number).toFixed(4))) } : {}),
    ...(baseline("untrained encoder") ? { untrainedKnnAccuracy: Number(baseline("untrained encoder")!.knnAccuracy.toFixed(4)) } : {}),
    ...(baseline("raw pixels") ? { rawPixelKnnAccuracy: Number(baseline("raw pixels")!.knnAccuracy.toFixed(4)) } : {}),
    ...(sets ? { evaluatedOn: sets.description } : {}),
    interrupted: interruptedEpoch !== undefined,
    out,
  };
}

/** Removes what a run wrote in `out` (encoder, head, checkpoints, metrics, config, state, report), and nothing else there. */
export function removeRun(out: string): void {
  for (const name of ["config.json", "metrics.jsonl", "state.json", "report.html", "checkpoints", "encoder", "head"]) rmSync(join(out, name), { recursive: true, force: true });
}
