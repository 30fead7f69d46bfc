import * as tf from "@tensorflow/tfjs-core";
import { ntXent } from "@contrastive/losses";
import { subset } from "@contrastive/data";
import { mnistDigits } from "@contrastive/data/mnist";
import { createRng } from "@contrastive/core";
import { useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { hardNegativeInfoNce } from "./hard-negative-info-nce.js";
import { trainWithLoss } from "./pipeline.js";

/** Robinson et al.'s loss as a plain float64 loop over the 2N anchors. */
function reference(a: number[][], b: number[][], temperature: number, beta: number): number {
  const rows = [...a, ...b].map((row) => {
    const norm = Math.hypot(...row);
    return row.map((x) => x / norm);
  });
  const n = a.length;
  const s = (i: number, j: number) => rows[i]!.reduce((total, x, k) => total + x * rows[j]![k]!, 0) / temperature;
  let total = 0;
  for (let i = 0; i < 2 * n; i++) {
    const p = (i + n) % (2 * n);
    const negatives = [...rows.keys()].filter((j) => j !== i && j !== p);
    const meanImportance = negatives.reduce((sum, j) => sum + Math.exp(beta * s(i, j)), 0) / negatives.length;
    const weighted = negatives.reduce((sum, j) => sum + (Math.exp(beta * s(i, j)) / meanImportance) * Math.exp(s(i, j)), 0);
    total += -Math.log(Math.exp(s(i, p)) / (Math.exp(s(i, p)) + weighted));
  }
  return total / (2 * n);
}

describe("a user's own loss (hard-negative InfoNCE) on wasm", () => {
  beforeAll(() => useBackend("wasm"));

  it.each([
    [0.5, 1],
    [0.2, 0.5],
    [1, 0],
  ])("τ = %s, β = %s: equals the float64 loop; β = 0 is NT-Xent", (temperature, beta) => {
    const rng = createRng(Math.round(temperature * 10 + beta));
    const [a, b] = [0, 1].map(() => Array.from({ length: 6 }, () => Array.from({ length: 5 }, () => rng.normal())));
    const views = [tf.tensor2d(a!), tf.tensor2d(b!)];
    const before = tf.memory().numTensors;
    const scalar = tf.tidy(() => hardNegativeInfoNce({ temperature, beta }).compute({ views }));
    const value = scalar.dataSync()[0]!;
    scalar.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(value).toBeCloseTo(reference(a!, b!, temperature, beta), 5);
    if (beta === 0) expect(value).toBeCloseTo(tf.tidy(() => ntXent({ temperature }).compute({ views }).dataSync()[0]!), 5);
    tf.dispose(views);
  });

  it("trains through createTrainer on a slice of MNIST: finite, falling loss, no leaked tensors", async () => {
    const every = (step: number, count: number) => Array.from({ length: count }, (_, i) => i * step);
    const train = subset(mnistDigits({ subset: "train" }), every(20, 384));
    const test = subset(mnistDigits({ subset: "test" }), every(10, 150));
    const steps: number[] = [];
    const before = tf.memory().numTensors;
    const { history, knnAfter } = await trainWithLoss({
      loss: hardNegativeInfoNce({ beta: 1 }), train, test, epochs: 2, batchSize: 64,
      callbacks: [{ onStepEnd: ({ loss }) => void steps.push(loss) }],
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(steps.every(Number.isFinite)).toBe(true);
    const means = history.epochs.map((epoch) => epoch.meanLoss);
    expect(means.at(-1)!).toBeLessThan(means[0]!);
    expect(knnAfter).toBeGreaterThan(0.1);
  });
});
