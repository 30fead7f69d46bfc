/**
 * The page's gradient check: one training step of a fixed tiny SimCLR model on a fixed batch, with the
 * same seeds on every backend, recording the loss and the gradients that reach the optimizer. The
 * test compares webgl, webgpu and wasm against cpu.
 */
import * as tf from "@tensorflow/tfjs-core";
import { multiView, simclrMnistAugment } from "@contrastive/augment";
import { convNet } from "@contrastive/backbones";
import { createRng } from "@contrastive/core";
import { ntXent } from "@contrastive/losses";
import { projectionHead } from "@contrastive/heads";
import { createTrainer } from "@contrastive/trainer";
import type { DigitsFile } from "../digits-file.js";

/** One backend's step: the loss, and per trainable variable (backbone then head) its shape and gradient. */
export interface GradientReport {
  backend: string;
  loss: number;
  /** Sum of all initial weights: equal on every backend when the models start equal. */
  initialWeightSum: number;
  gradients: { shape: number[]; values: number[] }[];
  /** `tf.memory().numTensors` before and after (model disposed). */
  tensorsBefore: number;
  tensorsAfter: number;
}

/** 8 digits (one of each of the classes 0 … 7), 2 views each, ConvNet [4, 8] → head 8-8-4 → NT-Xent τ 0.5. */
export async function gradientStep(digits: DigitsFile): Promise<GradientReport> {
  const tensorsBefore = tf.memory().numTensors;
  const report = await stepOnce(digits);
  return { ...report, tensorsBefore, tensorsAfter: tf.memory().numTensors };
}

async function stepOnce(digits: DigitsFile): Promise<Omit<GradientReport, "tensorsBefore" | "tensorsAfter">> {
  const pixels = 28 * 28;
  const firstOf = (label: number) => digits.train.labels.indexOf(label);
  const batch = new Float32Array(8 * pixels);
  for (let label = 0; label < 8; label++) batch.set(digits.train.images.subarray(firstOf(label) * pixels, (firstOf(label) + 1) * pixels), label * pixels);
  const images = tf.tensor4d(batch, [8, 28, 28, 1]);
  const backbone = convNet({ inputShape: [28, 28, 1], filters: [4, 8], seed: 3 });
  const head = projectionHead({ inputDim: backbone.outputDim, hiddenDims: [8], outputDim: 4, seed: 4 });
  let recorded: tf.NamedTensorMap = {};
  // An optimizer that keeps the gradients the trainer hands it, and updates nothing.
  const recorder = {
    applyGradients(grads: tf.NamedTensorMap) {
      recorded = Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, tf.keep(tf.clone(g))]));
    },
  } as unknown as tf.Optimizer;
  try {
    const trainer = createTrainer({ backbone, head, loss: ntXent({ temperature: 0.5 }), optimizer: recorder, augment: multiView(2, simclrMnistAugment()), seed: 5 });
    const variables = trainer.trainableWeights;
    const initialWeightSum = (await Promise.all(variables.map(async (v) => Array.from(await v.data(), Number).reduce((a, b) => a + b, 0)))).reduce((a, b) => a + b, 0);
    const loss = await trainer.stepAsync(images, { rng: createRng(11) });
    const gradients = await Promise.all(
      variables.map(async (v) => {
        const g = recorded[v.name];
        if (g === undefined) throw new Error(`gradient check: no gradient for ${v.name}`);
        return { shape: g.shape, values: Array.from(await g.data()) };
      }),
    );
    return { backend: tf.getBackend(), loss, initialWeightSum, gradients };
  } finally {
    tf.dispose([images, ...Object.values(recorded)]);
    backbone.dispose();
    head.dispose();
  }
}
