import * as tf from "@tensorflow/tfjs-core";
import { extractFeatures, knnAccuracy, linearProbe, retrievalMetrics } from "@contrastive/eval";
import { encoderFeatures } from "../evaluation.js";
import { type CommandSpec, helpText, numberFlag, parseFlags } from "../flags.js";
import { openImageFolder } from "../image-data.js";
import { loadRunEncoder } from "../load-run.js";
import { BACKENDS } from "../settings.js";
import { UsageError } from "../usage-error.js";

/** `contrastive eval`: its flags and help. */
export const evalSpec: CommandSpec = {
  name: "eval",
  short: "kNN accuracy and retrieval figures of a trained encoder",
  summary: "Evaluates a trained encoder's frozen features on labelled folders: weighted kNN accuracy (test images classified by\ntheir k nearest training images), a linear probe (logistic regression on standardised features, top-1 accuracy), and\nretrieval of the test images among the training images (precision@1, R-precision, MAP@R as pytorch-metric-learning).",
  usage: "contrastive eval --model RUN --train DIR --test DIR [--json]",
  flags: {
    model: { type: "string", value: "RUN", description: "run folder of contrastive train (or an encoder folder)" },
    train: { type: "string", value: "DIR", description: "labelled reference images, DIR/<class>/<image>" },
    test: { type: "string", value: "DIR", description: "labelled test images, with the same class folders" },
    k: { type: "string", value: "N", description: "neighbours of the kNN vote (default 20)" },
    backend: { type: "string", value: "NAME", description: `${BACKENDS.join(" | ")} (default auto)` },
    smoke: { type: "boolean", description: "at most 64 images of each folder (checks that everything runs)" },
    json: { type: "boolean", description: "print the figures as one JSON line" },
  },
  notes: ["example: contrastive eval --model ./runs/digits --train ./digits --test ./digits-test"],
};

/** Runs `contrastive eval`. */
export async function evaluate(argv: string[]): Promise<number> {
  const values = parseFlags(evalSpec, argv);
  if (!values) return (console.log(helpText(evalSpec)), 0);
  const k = numberFlag("--k", (values.k as string | undefined) ?? "20", { integer: true, min: 1 });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  for (const flag of ["train", "test"]) if (values[flag] === undefined) throw new UsageError(`--${flag} is required: a folder of labelled images, DIR/<class>/<image>`);
  const encoder = await loadRunEncoder(values.model as string | undefined, values.backend as string | undefined, log);
  const [size, , channels] = encoder.inputShape;
  const open = (flag: string) => openImageFolder(flag, values[flag] as string, { size, channels: channels === 1 ? 1 : 3, requireLabels: true, onWarning: log, ...(values.smoke ? { limit: 64 } : {}) });
  const [train, test] = [open("train"), open("test")];
  if (train.classNames.join("\n") !== test.classNames.join("\n")) {
    throw new UsageError(`--test ${values.test}: its classes (${test.classNames.join(", ")}) differ from those of --train (${train.classNames.join(", ")}); expected the same class folders`);
  }
  if (k > train.size) throw new UsageError(`--k ${k} is larger than the ${train.size} images of --train; expected at most ${train.size}`);
  const encode = encoderFeatures(encoder);
  const trainFeatures = await extractFeatures({ source: train, encode, batchSize: 256 });
  const testFeatures = await extractFeatures({ source: test, encode, batchSize: 256 });
  try {
    const knn = await knnAccuracy({ trainFeatures, trainLabels: train.labels as Int32Array, testFeatures, testLabels: test.labels as Int32Array, k, temperature: 0.1, numClasses: train.classNames.length });
    const probe = await linearProbe({ trainFeatures, trainLabels: train.labels as Int32Array, testFeatures, testLabels: test.labels as Int32Array, numClasses: train.classNames.length });
    const retrieval = await retrievalMetrics(testFeatures, test.labels as Int32Array, { distance: "cosine", reference: { embeddings: trainFeatures, labels: train.labels as Int32Array } });
    const result = {
      train: train.size,
      test: test.size,
      classes: train.classNames.length,
      dimension: trainFeatures.shape[1],
      knnAccuracy: Number(knn.accuracy.toFixed(4)),
      linearProbeAccuracy: Number(probe.accuracy.toFixed(4)),
      precisionAt1: Number(retrieval.precisionAt1.toFixed(4)),
      rPrecision: Number(retrieval.rPrecision.toFixed(4)),
      mapAtR: Number(retrieval.mapAtR.toFixed(4)),
    };
    if (values.json) console.log(JSON.stringify(result));
    else {
      console.log(`${result.test} test images against ${result.train} training images, ${result.classes} classes, ${result.dimension}-d features`);
      console.log(`  weighted kNN accuracy (k ${k}, cosine, τ 0.1)   ${result.knnAccuracy.toFixed(4)}`);
      console.log(`  linear probe accuracy (top-1)                ${result.linearProbeAccuracy.toFixed(4)}`);
      console.log(`  retrieval among training images: precision@1 ${result.precisionAt1.toFixed(4)}, R-precision ${result.rPrecision.toFixed(4)}, MAP@R ${result.mapAtR.toFixed(4)}`);
    }
  } finally {
    tf.dispose([trainFeatures, testFeatures]);
    encoder.dispose();
  }
  return 0;
}
