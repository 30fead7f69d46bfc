import * as tf from "@tensorflow/tfjs-core";
import { convNet } from "@contrastive/backbones";
import type { Augmentation } from "@contrastive/core";
import { TEST_BACKENDS, useBackend } from "@contrastive/core/testing";
import { projectionHead } from "@contrastive/heads";
import { crossView, negativeCosine, ntXent } from "@contrastive/losses";
import { beforeAll, describe, expect, it } from "vitest";
import { momentumEncoder } from "./momentum-encoder.js";
import { sgd } from "./optimizers/sgd.js";
import { momentumTarget, stopGradient, stopGradientTarget } from "./target-branch.js";
import { createTrainer } from "./trainer.js";

/** Two fixed "views": the batch and its mirror image (deterministic, so a manual reference can redo them). */
const twoViews: Augmentation<tf.Tensor4D, tf.Tensor4D[]> = { name: "identity-and-flip", apply: (x) => [tf.clone(x), tf.reverse(x, 2)] };

const parts = (seed: number) => ({
  backbone: convNet({ inputShape: [8, 8, 1], filters: [4, 8], batchNorm: false, seed }),
  head: projectionHead({ inputDim: 8, hiddenDims: [16], outputDim: 8, batchNorm: false, seed: seed + 1 }),
  predictor: projectionHead({ inputDim: 8, hiddenDims: [8], outputDim: 8, batchNorm: false, seed: seed + 2 }),
});

const values = (vs: tf.Variable[]) => vs.map((v) => Array.from(v.dataSync()));

describe.each(TEST_BACKENDS)("branches by composition on %s", (backend) => {
  beforeAll(() => useBackend(backend));
  const images = () => tf.randomUniform([6, 8, 8, 1], 0, 1, "float32", 7) as tf.Tensor4D;

  it("stopGradient: the value passes, no gradient does", () => {
    const x = tf.tensor1d([1, -2, 3]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(stopGradient(v), v)))(x); // d/dv [sg(v)·v] = sg(v) = v
    expect(Array.from(g.dataSync())).toEqual([1, -2, 3]);
    tf.dispose([x, g]);
  });

  it("SimSiam (predictor, stop-gradient target, symmetric negative cosine): the update equals the gradient with the targets as constants", () => {
    const before = tf.memory().numTensors;
    const { backbone, head, predictor } = parts(11);
    const x = images();
    const variables = [...backbone.trainableWeights, ...head.trainableWeights, ...predictor.trainableWeights];
    const loss = crossView(negativeCosine());
    // The reference: targets computed outside the tape are constants of the gradient.
    const reference = tf.tidy(() => {
      const views = twoViews.apply(x, undefined as never);
      const z = views.map((v) => head.apply(backbone.apply(v, { training: true }), { training: true }));
      const { grads } = tf.variableGrads(() => {
        const zt = views.map((v) => head.apply(backbone.apply(v, { training: true }), { training: true }));
        const p = zt.map((t) => predictor.apply(t, { training: true }));
        return loss.compute({ views: [...p, ...z] });
      }, variables);
      return variables.map((v) => Array.from((grads[v.name] as tf.Tensor).dataSync()));
    });
    const start = values(variables);
    const trainer = createTrainer({ backbone, head, predictor, target: stopGradientTarget(), loss, augment: twoViews, optimizer: sgd({ learningRate: 1 }) });
    const value = trainer.step(x);
    expect(Math.abs(value)).toBeLessThanOrEqual(1); // a negative cosine
    const moved = values(variables).map((after, i) => after.map((a, k) => start[i]![k]! - a));
    // The trainer embeds both views in one pass (no batch norm here, so the same as one per view).
    moved.forEach((m, i) => m.forEach((d, k) => expect(d).toBeCloseTo(reference[i]![k]!, 4)));
    [backbone, head, predictor].forEach((p) => p.dispose());
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("BYOL (predictor, EMA target of backbone + projector): no gradient reaches the target, which moves only by its EMA", () => {
    const before = tf.memory().numTensors;
    const online = parts(21);
    const target = parts(31);
    const ema = momentumEncoder({ online: { backbone: online.backbone, head: online.head }, target: { backbone: target.backbone, head: target.head }, momentum: 1 });
    const targetVariables = [...target.backbone.trainableWeights, ...target.head.trainableWeights];
    const onlineVariables = [...online.backbone.trainableWeights, ...online.head.trainableWeights, ...online.predictor.trainableWeights];
    const [targetStart, onlineStart] = [values(targetVariables), values(onlineVariables)];
    const trainer = createTrainer({ ...online, target: momentumTarget(ema), loss: crossView(negativeCosine()), augment: twoViews, optimizer: sgd({ learningRate: 0.5 }) });
    const x = images();
    for (let i = 0; i < 3; i++) trainer.step(x);
    expect(values(targetVariables)).toEqual(targetStart); // m = 1: the EMA keeps it; no optimizer update reached it
    expect(values(onlineVariables)).not.toEqual(onlineStart);
    expect(ema.updates).toBe(3);
    [online, target].forEach((p) => [p.backbone, p.head, p.predictor].forEach((m) => m.dispose()));
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("gradientCache in the trainer: the same update as the plain step (no batch norm)", () => {
    const before = tf.memory().numTensors;
    const run = (gradientCache?: { chunkSize: number }) => {
      const { backbone, head, predictor } = parts(41);
      predictor.dispose();
      const trainer = createTrainer({ backbone, head, loss: ntXent({ temperature: 0.5 }), augment: twoViews, optimizer: sgd({ learningRate: 0.1 }), ...(gradientCache ? { gradientCache } : {}) });
      const x = images();
      const loss = trainer.step(x);
      const after = values([...backbone.trainableWeights, ...head.trainableWeights]);
      [backbone, head].forEach((m) => m.dispose());
      x.dispose();
      return { loss, after };
    };
    const plain = run();
    const middle = tf.memory().numTensors;
    const cachedRun = run({ chunkSize: 5 });
    expect(tf.memory().numTensors).toBe(middle);
    expect(cachedRun.loss).toBeCloseTo(plain.loss, 5);
    cachedRun.after.forEach((w, i) => w.forEach((v, k) => expect(v).toBeCloseTo(plain.after[i]![k]!, 5)));
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(["simsiam", "byol"] as const)("gradientCache with a predictor and a %s target: the plain step's update within 1e-5 (no batch norm)", (method) => {
    const before = tf.memory().numTensors;
    const run = (gradientCache?: { chunkSize: number }) => {
      const online = parts(61);
      const target = parts(71);
      target.predictor.dispose();
      const ema = momentumEncoder({ online: { backbone: online.backbone, head: online.head }, target: { backbone: target.backbone, head: target.head }, momentum: 0.9 });
      const branch = method === "simsiam" ? stopGradientTarget() : momentumTarget(ema);
      const trainer = createTrainer({ ...online, target: branch, loss: crossView(negativeCosine()), augment: twoViews, optimizer: sgd({ learningRate: 0.5 }), ...(gradientCache ? { gradientCache } : {}) });
      const x = images();
      const losses = [trainer.step(x), trainer.step(x)];
      const after = values([...online.backbone.trainableWeights, ...online.head.trainableWeights, ...online.predictor.trainableWeights, ...target.backbone.trainableWeights]);
      [online.backbone, online.head, online.predictor, target.backbone, target.head].forEach((m) => m.dispose());
      x.dispose();
      return { losses, after };
    };
    const plain = run();
    const cachedRun = run({ chunkSize: 5 }); // 12 rows in chunks of 5, 5, 2: chunks straddle the two views
    cachedRun.losses.forEach((l, i) => expect(Math.abs(l - plain.losses[i]!)).toBeLessThan(1e-5));
    const gap = Math.max(...cachedRun.after.flatMap((w, i) => w.map((v, k) => Math.abs(v - plain.after[i]![k]!))));
    expect(gap).toBeLessThan(1e-5);
    expect(plain.losses[1]).not.toBe(plain.losses[0]); // the first update moved the weights
    expect(tf.memory().numTensors).toBe(before);
  });

  it("refuses what cannot compose, naming it", () => {
    const { backbone, head, predictor } = parts(51);
    const base = { backbone, head, loss: crossView(negativeCosine()), augment: twoViews, optimizer: sgd({ learningRate: 0.1 }) };
    expect(() => createTrainer({ ...base, gradientCache: { chunkSize: 0 } })).toThrow(/^createTrainer: gradientCache\.chunkSize must be an integer ≥ 1/);
    const x = images();
    expect(() => createTrainer(base).step(x)).toThrow(/crossView\(negativeCosine\): views must be V ≥ 2 online embeddings followed by their V targets/);
    [backbone, head, predictor].forEach((m) => m.dispose());
    x.dispose();
  });
});
