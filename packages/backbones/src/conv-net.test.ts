import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError } from "@contrastive/core";
import { TEST_BACKENDS, countLeakedTensors, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { convNet } from "./conv-net.js";

const count = (vars: tf.Variable[]) => vars.reduce((n, v) => n + v.size, 0);

describe.each(TEST_BACKENDS)("convNet on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("has the PyTorch recipe's parameter count and output shape", async () => {
    const net = convNet({ inputShape: [28, 28, 1] });
    // conv 1→32 (288) + BN 64, conv 32→64 (18,432) + BN 128, conv 64→128 (73,728) + BN 256 = nn.Sequential's 92,896
    expect(count(net.trainableWeights)).toBe(92_896);
    expect(count(net.weights)).toBe(92_896 + 2 * (32 + 64 + 128)); // + running means and variances
    expect(net.outputDim).toBe(128);
    const { leaked, result } = await countLeakedTensors(() =>
      tf.tidy(() => net.apply(tf.zeros([3, 28, 28, 1])).shape),
    );
    expect(result).toEqual([3, 128]);
    expect(leaked).toBe(0);
    net.dispose();
  });

  it("initialises conv weights uniformly within ±1/√fan_in, reproducibly from the seed", () => {
    const a = convNet({ inputShape: [12, 12, 3], filters: [8, 16], seed: 3 });
    const b = convNet({ inputShape: [12, 12, 3], filters: [8, 16], seed: 3 });
    const c = convNet({ inputShape: [12, 12, 3], filters: [8, 16], seed: 4 });
    const kernel = a.trainableWeights[0]!.dataSync();
    const bound = 1 / Math.sqrt(3 * 3 * 3);
    expect(Math.max(...kernel.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...kernel.map(Math.abs))).toBeGreaterThan(0.8 * bound);
    expect(Array.from(b.trainableWeights[0]!.dataSync())).toEqual(Array.from(kernel));
    expect(Array.from(c.trainableWeights[0]!.dataSync())).not.toEqual(Array.from(kernel));
    [a, b, c].forEach((m) => m.dispose());
  });

  it("uses batch statistics in training and running averages in inference", () => {
    const net = convNet({ inputShape: [8, 8, 1], filters: [4], seed: 1 });
    const x = tf.randomUniform([6, 8, 8, 1], 0, 1, "float32", 5);
    const inference1 = net.apply(x).dataSync();
    const training = net.apply(x, { training: true }).dataSync(); // also updates the running averages
    const inference2 = net.apply(x).dataSync();
    expect(Array.from(training)).not.toEqual(Array.from(inference1));
    expect(Array.from(inference2)).not.toEqual(Array.from(inference1));
    x.dispose();
    net.dispose();
  });

  it("trains: a few Adam steps reduce a regression loss", () => {
    const net = convNet({ inputShape: [8, 8, 1], filters: [8, 8], seed: 2 });
    const x = tf.randomUniform([16, 8, 8, 1], 0, 1, "float32", 7);
    const target = tf.randomNormal([16, 8], 0, 1, "float32", 8);
    const optimizer = tf.train.adam(0.01);
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let i = 0; i < 15; i++) {
      const loss = optimizer.minimize(() => tf.losses.meanSquaredError(target, net.apply(x, { training: true })) as tf.Scalar, true, net.trainableWeights)!;
      losses.push(loss.dataSync()[0]!);
      loss.dispose();
    }
    expect(losses.at(-1)!).toBeLessThan(0.7 * losses[0]!);
    optimizer.dispose();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
    tf.dispose([x, target]);
    net.dispose();
  });

  it("rejects bad options and inputs with a ContrastiveError naming the argument", () => {
    expect(() => convNet({ inputShape: [28, 28] as unknown as [number, number, number] })).toThrow(/convNet: inputShape must be/);
    expect(() => convNet({ inputShape: [28, 28, 1], filters: [] })).toThrow(ContrastiveError);
    expect(() => convNet({ inputShape: [28, 28, 1], filters: [8, 8], strides: [1] })).toThrow(/strides/);
    const net = convNet({ inputShape: [28, 28, 1], filters: [4] });
    const wrong = tf.zeros([2, 32, 32, 1]);
    expect(() => net.apply(wrong)).toThrow(/convNet: inputs must be a tensor of shape \[N, 28, 28, 1\]; got float32 tensor of shape \[2, 32, 32, 1\]/);
    wrong.dispose();
    net.dispose();
  });
});
