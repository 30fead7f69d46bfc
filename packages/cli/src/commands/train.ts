import { existsSync } from "node:fs";
import { join } from "node:path";
import { type CommandSpec, helpText, parseFlags } from "../flags.js";
import { openImageFolder } from "../image-data.js";
import { loadConfigFile, resolveSettings } from "../resolve-settings.js";
import { removeRun, runTraining } from "../run-training.js";
import { AUGMENTS, BACKBONES, BACKENDS, DEFAULT_SETTINGS as D, HEADS, LOSSES, SETTING_FLAGS, type TrainSettings } from "../settings.js";
import { UsageError } from "../usage-error.js";

/** `contrastive train`: its flags and help. */
export const trainSpec: CommandSpec = {
  name: "train",
  short: "train an encoder on a folder of images; writes the run folder and report.html",
  summary: "Trains an encoder on a folder of images (self-supervised: two augmented views of each image) and writes the run folder:\nencoder/ and head/ (loadBackbone / loadHead), checkpoints/, metrics.jsonl, config.json and report.html.",
  usage: "contrastive train --data DIR --out RUN [--config FILE] [flags]",
  flags: {
    data: { type: "string", value: "DIR", description: "training images: DIR/<class>/<image> (labels for kNN and supcon) or images directly in DIR" },
    out: { type: "string", value: "RUN", description: "run folder to write (must not hold a run unless --resume)" },
    config: { type: "string", value: "FILE", description: "settings: a .json file (e.g. a run's config.json) or a .js/.mjs/.ts module (TypeScript needs tsx) whose default export may hold components as values; flags override it" },
    test: { type: "string", value: "DIR", description: "labelled images to evaluate kNN on (default: every 5th training image)" },
    "image-size": { type: "string", value: "N", description: `side of the square images the encoder sees (default ${D.imageSize})` },
    channels: { type: "string", value: "1|3", description: `grey or RGB (default ${D.channels})` },
    backbone: { type: "string", value: "NAME", description: `${BACKBONES.join(" | ")} (default ${D.backbone}; ResNets use the CIFAR stem up to 64 px)` },
    head: { type: "string", value: "NAME", description: `projection head: ${HEADS.join(" | ")} (default ${D.head})` },
    "head-dim": { type: "string", value: "N", description: `output size of the head (default ${D.headDim})` },
    loss: { type: "string", value: "NAME", description: `${LOSSES.join(" | ")} (default ${D.loss}; supcon uses the class folders)` },
    temperature: { type: "string", value: "T", description: `temperature of ntxent, dcl, supcon (default ${D.temperature})` },
    augment: { type: "string", value: "NAME", description: `views: ${AUGMENTS.join(" | ")} (default ${D.augment}; digits: crop + brightness/contrast)` },
    epochs: { type: "string", value: "N", description: `epochs (default ${D.epochs})` },
    "batch-size": { type: "string", value: "N", description: `images per step (default ${D.batchSize})` },
    "learning-rate": { type: "string", value: "LR", description: `Adam's learning rate (default ${D.learningRate})` },
    seed: { type: "string", value: "N", description: `seed of weights, batches and views (default ${D.seed})` },
    backend: { type: "string", value: "NAME", description: `${BACKENDS.join(" | ")} (default ${D.backend}: the best one installed)` },
    "log-every": { type: "string", value: "N", description: `progress line and metrics line every N steps (default ${D.logEvery})` },
    "max-steps": { type: "string", value: "N", description: "stop each epoch after N steps (quick trials; default: all)" },
    workers: { type: "string", value: "N|auto", description: `train on N worker threads, data parallel (auto: one per core; default ${D.workers}); batch norm then normalises each worker's share of a batch, so results change with N` },
    resume: { type: "boolean", description: "continue the run in --out from its last checkpoint (its config.json; flags override, e.g. a larger --epochs)" },
    overwrite: { type: "boolean", description: "replace a run already in --out (its encoder, head, checkpoints, metrics, config and report)" },
    json: { type: "boolean", description: "print the result as one JSON line on standard output" },
    smoke: { type: "boolean", description: "1 epoch of 2 steps (checks that everything runs; figures mean nothing)" },
  },
  notes: ["Ctrl-C saves a checkpoint and exits with 130; --resume continues from it.", "example: contrastive train --data ./digits --out ./runs/digits --image-size 28 --channels 1 --augment digits --epochs 3"],
};

/** Runs `contrastive train` with `argv` (the arguments after `train`). */
export async function train(argv: string[]): Promise<number> {
  const values = parseFlags(trainSpec, argv);
  if (!values) return (console.log(helpText(trainSpec)), 0);
  const resume = values.resume === true;
  let configPath = values.config as string | undefined;
  if (resume) {
    if (typeof values.out !== "string") throw new UsageError("--resume needs --out RUN, the run folder to continue");
    const saved = join(values.out, "config.json");
    if (!existsSync(saved)) throw new UsageError(`--resume: ${saved} not found; expected a run folder written by contrastive train`);
    if (configPath) throw new UsageError("--resume takes the settings of the run's config.json; leave out --config (flags still override)");
    configPath = saved;
  }
  const file = configPath ? await loadConfigFile(configPath) : { settings: {}, components: {} };
  const flags: Partial<Record<keyof TrainSettings, string>> = {};
  for (const [key, flag] of Object.entries(SETTING_FLAGS)) {
    if (typeof values[flag] === "string") flags[key as keyof TrainSettings] = values[flag] as string;
  }
  if (values.smoke) Object.assign(flags, { epochs: "1", maxSteps: "2", logEvery: "1" });
  const settings = { ...resolveSettings(file.settings, flags, configPath), ...("module" in file && file.module ? { configModule: file.module } : {}) };
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const folder = (flag: string, path: string | undefined, requireLabels = false) => openImageFolder(flag, path, { size: settings.imageSize, channels: settings.channels, requireLabels, onWarning: log });
  const trainData = folder("data", settings.data);
  const test = settings.test ? folder("test", settings.test, true) : undefined;
  if (values.overwrite && !resume) removeRun(settings.out);
  const summary = await runTraining({ settings, overrides: file.components, train: trainData, ...(test ? { test } : {}), resume, log, title: `contrastive train: ${settings.data}` });
  if (values.json) console.log(JSON.stringify(summary));
  else if (!summary.interrupted) {
    console.log(`trained ${summary.epochs} epoch${summary.epochs === 1 ? "" : "s"} in ${summary.trainSeconds} s (${summary.imagesPerSecond} img/s, ${summary.backend}); final loss ${summary.finalLoss}`);
    if (summary.knnAccuracy !== undefined) console.log(`weighted kNN accuracy ${summary.knnAccuracy} (raw pixels ${summary.rawPixelKnnAccuracy}, untrained encoder ${summary.untrainedKnnAccuracy}) on ${summary.evaluatedOn}`);
    console.log(`run folder: ${summary.out} (report: ${join(summary.out, "report.html")})`);
  }
  return summary.interrupted ? 130 : 0;
}
