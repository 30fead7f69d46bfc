import * as tf from "@tensorflow/tfjs-core";
import type { Backbone } from "@contrastive/core";
import { TEST_BACKENDS, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { momentumEncoder } from "./momentum-encoder.js";
import { cosineMomentumSchedule } from "./schedules.js";

/** A one-variable backbone: enough to watch θ_k ← m·θ_k + (1 − m)·θ_q. */
function scalarBackbone(value: number): Backbone {
  const v = tf.tidy(() => tf.variable(tf.scalar(value), true));
  return { name: "scalar", inputShape: [1], outputDim: 1, trainableWeights: [v], weights: [v], dispose: () => v.dispose(), apply: (x) => tf.mul(x, v) as tf.Tensor2D };
}

describe.each(TEST_BACKENDS)("momentumEncoder with a momentum schedule on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("follows BYOL's cosine τ per update: the target equals the plain loop of m_k", async () => {
    const before = tf.memory().numTensors;
    const online = scalarBackbone(0);
    const target = scalarBackbone(5);
    const schedule = cosineMomentumSchedule({ base: 0.9, totalSteps: 4 });
    const encoder = momentumEncoder({ online: { backbone: online }, target: { backbone: target }, momentum: schedule });
    expect((await target.trainableWeights[0]!.data())[0]).toBe(0); // copied from the online network
    tf.tidy(() => online.trainableWeights[0]!.assign(tf.scalar(1)));
    let expected = 0;
    for (let k = 0; k < 6; k++) {
      expect(encoder.momentum).toBeCloseTo(schedule(k), 12);
      expected = schedule(k) * expected + (1 - schedule(k)) * 1;
      encoder.update();
      expect((await target.trainableWeights[0]!.data())[0]).toBeCloseTo(expected, 6);
    }
    expect(encoder.updates).toBe(6);
    expect(encoder.momentum).toBe(1); // past the end, τ stays at 1: the target is frozen
    online.dispose();
    target.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("reads an outside clock (e.g. the optimizer's step) so that a resumed run continues the schedule", () => {
    let step = 3;
    const [online, target] = [scalarBackbone(0), scalarBackbone(0)];
    const schedule = (s: number) => 0.5 + s / 100;
    const encoder = momentumEncoder({ online: { backbone: online }, target: { backbone: target }, momentum: schedule, step: () => step });
    expect(encoder.momentum).toBeCloseTo(0.53, 12);
    step = 10;
    expect(encoder.momentum).toBeCloseTo(0.6, 12);
    const bad = momentumEncoder({ online: { backbone: online }, target: { backbone: target }, momentum: () => 1.5 });
    expect(() => bad.update()).toThrow(/^momentumEncoder: momentum at step 0 must be a number in \[0, 1\] from the schedule; got 1\.5$/);
    online.dispose();
    target.dispose();
  });
});
