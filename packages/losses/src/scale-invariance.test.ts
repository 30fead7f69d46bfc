import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, type Loss, NonFiniteError } from "@contrastive/core";
import { TEST_BACKENDS, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { dcl } from "./dcl.js";
import { evaluateLoss, randomViews } from "./evaluate-loss.js";
import { infoNce } from "./info-nce.js";
import { negativeCosine } from "./negative-cosine.js";
import { ntXent } from "./nt-xent.js";
import { supCon } from "./sup-con.js";
import { tripletMargin } from "./triplet-margin.js";

const rows = 6;
const columns = 8;
const labels = [0, 1, 0, 1, 2, 2];
// Every loss that normalises its embeddings first: its value cannot depend on their scale.
const cases: Array<[string, Loss, { labels?: number[]; negatives?: boolean }]> = [
  ["ntXent (two views)", ntXent({ temperature: 0.1 }), {}],
  ["ntXent (three views)", ntXent({ temperature: 0.1 }), {}],
  ["infoNce with a queue", infoNce({ temperature: 0.07 }), { negatives: true }],
  ["supCon", supCon({ temperature: 0.1 }), { labels }],
  ["dcl", dcl({ temperature: 0.1 }), {}],
  ["negativeCosine", negativeCosine(), {}],
];

describe.each(TEST_BACKENDS)("scale-invariant losses on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  for (const [name, loss, input] of cases) {
    it(`${name}: the same value for embeddings scaled 1e-30 … 1e30, with gradients scaled by 1/scale`, () => {
      const count = name.includes("three") ? 3 : 2;
      const base = randomViews(7, count, rows, columns);
      const negatives = input.negatives ? randomViews(8, 1, 5, columns)[0]! : undefined;
      const run = (scale: number) =>
        evaluateLoss(loss, base.map((v) => v.map((x) => x * scale)), [rows, columns], input.labels, negatives ? { values: negatives.map((x) => x * scale), shape: [5, columns] } : undefined);
      const reference = run(1);
      for (const scale of [1e-30, 1e-20, 1e-10, 1e10, 1e20, 1e30]) {
        const scaled = run(scale);
        expect(scaled.value, `${name} at scale ${scale}`).toBeCloseTo(reference.value, 4);
        // the gradient with respect to x·s is the gradient at x divided by s: compare g·s with g
        const gradient = Array.from(scaled.gradients[0]!, (g) => g * scale);
        const want = Array.from(reference.gradients[0]!);
        const size = Math.max(...want.map(Math.abs));
        expect(size).toBeGreaterThan(0);
        gradient.forEach((g, i) => expect(Math.abs(g - want[i]!), `${name} gradient at scale ${scale}`).toBeLessThan(1e-3 * size));
      }
    });
  }

  it("embeddings beyond float32 (scaled 1e39 → Infinity) give a NonFiniteError, not a silent value", () => {
    const [a, b] = randomViews(3, 2, rows, columns);
    for (const [, loss, input] of cases.filter(([n]) => !n.includes("three"))) {
      const negatives = input.negatives ? { values: new Float64Array(5 * columns).fill(1), shape: [5, columns] as [number, number] } : undefined;
      expect(() => evaluateLoss(loss, [a!.map((x) => x * 1e39), b!], [rows, columns], input.labels, negatives), loss.name).toThrow(NonFiniteError);
    }
  });

  it("supervised losses refuse labels that are not integers, naming the first", () => {
    const [a, b] = randomViews(4, 2, rows, columns);
    for (const loss of [supCon(), tripletMargin({ margin: 0.2 })]) {
      const views = [tf.tensor2d(Float32Array.from(a!), [rows, columns]), tf.tensor2d(Float32Array.from(b!), [rows, columns])];
      const floats = tf.tensor1d([0, 1, 0.5, 1, 2, 2]);
      const whole = tf.tensor1d([0, 1, 0, 1, 2, 2]); // float32 holding integers: accepted
      const numTensors = tf.memory().numTensors;
      expect(() => loss.compute({ views, labels: floats })).toThrow(ContrastiveError);
      expect(() => loss.compute({ views, labels: floats })).toThrow(new RegExp(`${loss.name}: labels must be integer class ids.*; got labels\\[2\\] = 0\\.5 \\(not an integer\\)`));
      expect(tf.memory().numTensors).toBe(numTensors);
      tf.dispose(loss.compute({ views, labels: whole }));
      tf.dispose([...views, floats, whole]);
    }
  });
});
