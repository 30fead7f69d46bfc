import * as tf from "@tensorflow/tfjs-core";
import { convNet } from "@contrastive/backbones";
import { type Augmentation, type Loss, NonFiniteError, type Rng } from "@contrastive/core";
import { useBackend } from "@contrastive/core/testing";
import { projectionHead } from "@contrastive/heads";
import { queue } from "@contrastive/samplers";
import { beforeAll, describe, expect, it } from "vitest";
import { momentumEncoder } from "./momentum-encoder.js";
import { createTrainer } from "./trainer.js";

beforeAll(() => useBackend("cpu"));

const threeViews: Augmentation<tf.Tensor4D, tf.Tensor4D[]> = {
  name: "threeViews",
  apply: (images, rng: Rng) => [0, 1, 2].map((v) => tf.tidy(() => tf.add(images, tf.randomNormal(images.shape, 0, 0.05, "float32", rng.fork(v).uint32())))) as tf.Tensor4D[],
};
const meanSquare = (name: string, extra?: (value: tf.Scalar) => tf.Scalar): Loss => ({
  name,
  compute: ({ views: [a, b], negatives }) => {
    const value = tf.tidy(() => tf.add(tf.mean(tf.square(tf.sub(a!, b!))), tf.mul(1e-3, tf.mean(tf.matMul(a!, negatives!, false, true))))) as tf.Scalar;
    return extra ? extra(value) : value;
  },
});
function pipeline(loss: Loss, learningRate = 1e-2) {
  const backbone = convNet({ inputShape: [8, 8, 1], filters: [4, 8], seed: 1 });
  const head = projectionHead({ inputDim: 8, hiddenDims: [8], outputDim: 4, seed: 1 });
  const target = { backbone: convNet({ inputShape: [8, 8, 1], filters: [4, 8], seed: 2 }), head: projectionHead({ inputDim: 8, hiddenDims: [8], outputDim: 4, seed: 2 }) };
  const optimizer = tf.train.adam(learningRate);
  const negatives = queue({ size: 8, dim: 4, seed: 1 });
  const momentum = momentumEncoder({ online: { backbone, head }, target, momentum: 0.9 });
  const trainer = createTrainer({ backbone, head, optimizer, negatives, momentumEncoder: momentum, loss, augment: threeViews });
  const everything = async () => {
    const slots = await optimizer.getWeights();
    const out = {
      weights: [backbone, head, target.backbone, target.head].flatMap((p) => p.weights.map((v) => Array.from(v.dataSync()))),
      slots: slots.map((s) => Array.from(s.tensor.dataSync())),
      bank: Array.from(negatives.state().values),
      pointer: negatives.pointer,
    };
    tf.dispose(slots.map((s) => s.tensor).filter((t) => !(t instanceof tf.Variable)));
    return out;
  };
  const dispose = () => [backbone, head, target.backbone, target.head, optimizer, negatives].forEach((x) => x.dispose());
  return { trainer, everything, dispose, backbone };
}
const images = () => tf.randomUniform([4, 8, 8, 1], 0, 1, "float32", 3) as tf.Tensor4D;
const indices = Int32Array.from([0, 1, 2, 3]);

describe("a failed step leaves all state as it was", () => {
  let fail = false;
  const cases: Array<[string, Loss, RegExp]> = [
    ["a NaN loss", meanSquare("sometimesNaN", (v) => (fail ? (tf.tidy(() => tf.mul(v, NaN)) as tf.Scalar) : v)), /loss \(sometimesNaN\) at step 2 must be finite/],
    [
      "a loss that throws (as the built-in losses do on NaN inputs)",
      meanSquare("throwing", (v) => {
        if (fail) throw new NonFiniteError({ component: "throwing", argument: "views[0]", received: "NaN", expected: "finite" });
        return v;
      }),
      /throwing: views\[0\] must be finite/,
    ],
    ["a loss with an infinite gradient", meanSquare("infiniteGradient", (v) => (fail ? (tf.tidy(() => tf.add(v, tf.sqrt(tf.sub(v, v)))) as tf.Scalar) : v)), /gradients of loss \(infiniteGradient\) at step 2 must be finite/],
  ];
  for (const [what, loss, message] of cases) {
    it(`${what}: batch-norm statistics, weights, optimizer slots, bank and momentum encoder unchanged, no tensor leaked`, async () => {
      fail = false;
      const p = pipeline(loss);
      const x = images();
      p.trainer.step(x, { indices });
      p.trainer.step(x, { indices });
      const before = await p.everything();
      expect(p.backbone.weights.length).toBeGreaterThan(p.backbone.trainableWeights.length); // there are batch-norm statistics
      const tensors = tf.memory().numTensors;
      fail = true;
      for (let i = 0; i < 3; i++) expect(() => p.trainer.step(x, { indices })).toThrow(message);
      expect(tf.memory().numTensors).toBe(tensors);
      expect(await p.everything()).toEqual(before);
      fail = false;
      expect(Number.isFinite(p.trainer.step(x, { indices }))).toBe(true); // and training goes on
      x.dispose();
      p.dispose();
    });
  }
});

describe("divergence and misbehaving losses", () => {
  it("an exploding learning rate raises NonFiniteError with the step number instead of running on", () => {
    const p = pipeline(meanSquare("meanSquare"), 1e25);
    const x = images();
    let error: unknown;
    let steps = 0;
    for (; steps < 20 && error === undefined; steps++) {
      try {
        p.trainer.step(x, { indices });
      } catch (e) {
        error = e;
      }
    }
    expect(error).toBeInstanceOf(NonFiniteError);
    expect(String((error as Error).message)).toMatch(new RegExp(`(at|of) step ${steps - 1} `));
    x.dispose();
    p.dispose();
  });

  it("refuses a maxWeightMagnitude that is not a positive number", () => {
    const p = pipeline(meanSquare("meanSquare"));
    const augment = threeViews;
    expect(() => createTrainer({ backbone: p.backbone, loss: meanSquare("m"), optimizer: tf.train.sgd(0.1), augment, maxWeightMagnitude: 0 })).toThrow(/createTrainer: maxWeightMagnitude must be a number > 0/);
    p.dispose();
  });

  it("names a custom loss that returns a non-scalar, leaking nothing", () => {
    const p = pipeline({ name: "perRow", compute: ({ views: [a] }) => tf.sum(a!, 1) as unknown as tf.Scalar });
    const x = images();
    const tensors = tf.memory().numTensors;
    expect(() => p.trainer.step(x, { indices })).toThrow(/trainer\.step: loss 'perRow' must be a loss whose compute\(\) returns a scalar \(rank-0\) tensor.*; got compute\(\) returning float32 tensor of shape \[4\]/);
    expect(tf.memory().numTensors).toBe(tensors);
    x.dispose();
    p.dispose();
  });

  it("names a loss that leaks tensors (checkLeaks is on under vitest)", () => {
    const leaky: Loss = {
      name: "leaky",
      compute: ({ views: [a, b] }) => {
        tf.keep(tf.square(a!));
        return tf.tidy(() => tf.mean(tf.square(tf.sub(a!, b!)))) as tf.Scalar;
      },
    };
    const p = pipeline(leaky);
    const x = images();
    expect(() => p.trainer.step(x, { indices })).toThrow(/trainer\.step: loss 'leaky' must be free of leaked tensors.*; got compute\(\) leaving 1 tensors behind on its own \(step 0\)/);
    x.dispose();
    p.dispose();
  });
});
