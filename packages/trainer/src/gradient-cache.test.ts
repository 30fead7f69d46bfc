import * as tf from "@tensorflow/tfjs-core";
import { convNet } from "@contrastive/backbones";
import type { Backbone, Head } from "@contrastive/core";
import { TEST_BACKENDS, useBackend } from "@contrastive/core/testing";
import { projectionHead } from "@contrastive/heads";
import { ntXent } from "@contrastive/losses";
import { beforeAll, describe, expect, it } from "vitest";
import { cachedGradients } from "./gradient-cache.js";

/** The plain step's gradient: one taped pass over all V·N images. */
function fullGradients(backbone: Backbone, head: Head, views: tf.Tensor4D[], lossOf: (z: tf.Tensor2D[]) => tf.Scalar) {
  const variables = [...backbone.trainableWeights, ...head.trainableWeights];
  return tf.variableGrads(() => {
    const z = head.apply(backbone.apply(tf.concat(views, 0), { training: true }), { training: true });
    return lossOf(tf.split(z, views.length, 0) as tf.Tensor2D[]);
  }, variables);
}

function setup(batchNorm: boolean) {
  const backbone = convNet({ inputShape: [8, 8, 1], filters: [4, 8], batchNorm, seed: 3 });
  const head = projectionHead({ inputDim: backbone.outputDim, hiddenDims: [16], outputDim: 8, batchNorm });
  const views = [0, 1].map((k) => tf.randomUniform([6, 8, 8, 1], 0, 1, "float32", 10 + k) as tf.Tensor4D);
  const loss = ntXent({ temperature: 0.5 });
  const lossOf = (z: tf.Tensor2D[]) => loss.compute({ views: z });
  const embed = (images: tf.Tensor4D) => head.apply(backbone.apply(images, { training: true }), { training: true });
  const variables = [...backbone.trainableWeights, ...head.trainableWeights];
  const trainable = new Set(variables);
  const state = [...backbone.weights, ...head.weights].filter((v) => !trainable.has(v));
  return { backbone, head, views, lossOf, embed, variables, state, dispose: () => { backbone.dispose(); head.dispose(); tf.dispose(views); } };
}

/** Largest gap between two gradient maps, relative to the largest |b| of each variable; variables matched by position. */
async function maxRelativeGap(a: tf.NamedTensorMap, aVariables: tf.Variable[], b: tf.NamedTensorMap, bVariables: tf.Variable[]): Promise<number> {
  let gap = 0;
  for (const [i, variable] of aVariables.entries()) {
    const [x, y] = [await a[variable.name]!.data(), await b[bVariables[i]!.name]!.data()];
    const scale = Math.max(1e-3, ...Array.from(y, Math.abs));
    for (let i = 0; i < x.length; i++) gap = Math.max(gap, Math.abs(x[i]! - y[i]!) / scale);
  }
  return gap;
}

describe.each(TEST_BACKENDS)("cachedGradients on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it.each([1, 5, 12])("without batch norm, chunks of %i give the full batch's loss and parameter gradients within 1e-5", async (chunkSize) => {
    const before = tf.memory().numTensors;
    const s = setup(false);
    const full = fullGradients(s.backbone, s.head, s.views, s.lossOf);
    const cached = cachedGradients({ ...s, chunkSize });
    expect(Object.keys(cached.grads).sort()).toEqual(Object.keys(full.grads).sort());
    expect(Math.abs((await cached.value.data())[0]! - (await full.value.data())[0]!)).toBeLessThan(1e-5);
    expect(await maxRelativeGap(cached.grads, s.variables, full.grads, s.variables)).toBeLessThan(1e-5);
    expect(cached.perView.map((v) => v.shape)).toEqual([[6, 8], [6, 8]]);
    tf.dispose([full.value, ...Object.values(full.grads), cached.value, ...Object.values(cached.grads), ...cached.perView]);
    s.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("with batch norm and one chunk holding the whole batch: the plain step's gradients, and running statistics moved once", async () => {
    const before = tf.memory().numTensors;
    const plain = setup(true);
    const cachedSetup = setup(true); // same seeds: same weights
    const full = fullGradients(plain.backbone, plain.head, plain.views, plain.lossOf);
    const cached = cachedGradients({ ...cachedSetup, chunkSize: 12 });
    expect(await maxRelativeGap(cached.grads, cachedSetup.variables, full.grads, plain.variables)).toBeLessThan(1e-5);
    expect(plain.state.length).toBeGreaterThan(0);
    for (const [i, v] of plain.state.entries()) {
      const [x, y] = [await v.data(), await cachedSetup.state[i]!.data()];
      x.forEach((value, k) => expect(y[k]).toBeCloseTo(value, 5));
    }
    tf.dispose([full.value, ...Object.values(full.grads), cached.value, ...Object.values(cached.grads), ...cached.perView]);
    plain.dispose();
    cachedSetup.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rejects a bad chunk size, naming it", () => {
    const s = setup(false);
    expect(() => cachedGradients({ ...s, chunkSize: 0 })).toThrow(/^gradientCache: chunkSize must be an integer ≥ 1, e\.g\. 256/);
    s.dispose();
  });
});
