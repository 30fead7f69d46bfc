import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { ContrastiveError } from "@contrastive/core";
import { TEST_BACKENDS, countLeakedTensors, useBackend } from "@contrastive/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromModel } from "./from-model.js";
import { loadBackbone, saveBackbone } from "./save-backbone.js";

/** A user-defined layer: y = x · s with one learnable scale per channel (LayerScale). */
class ChannelScale extends tfl.layers.Layer {
  static className = "TestChannelScale";
  private scale?: tfl.LayerVariable;
  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    this.scale = this.addWeight("scale", [shape[shape.length - 1] as number], "float32", tfl.initializers.constant({ value: 0.5 }));
    this.built = true;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.mul(Array.isArray(inputs) ? inputs[0]! : inputs, this.scale!.read()));
  }
}
tf.serialization.registerClass(ChannelScale);

function userModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [8, 8, 1] });
  let x = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: "same", name: "conv", kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }).apply(input) as tfl.SymbolicTensor;
  x = new ChannelScale({ name: "scale" }).apply(x) as tfl.SymbolicTensor;
  const pooled = tfl.layers.globalAveragePooling2d({ name: "features" }).apply(x) as tfl.SymbolicTensor;
  const logits = tfl.layers.dense({ units: 10, name: "classifier" }).apply(pooled) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: logits, name: "user_net" });
}

describe.each(TEST_BACKENDS)("fromModel on %s", (backend) => {
  let root: string;
  beforeAll(async () => {
    await useBackend(backend);
    root = await mkdtemp(join(tmpdir(), "contrastive-from-model-"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("cuts a model with a custom layer at a named layer; its weights train", async () => {
    const model = userModel();
    const backbone = fromModel(model, { outputLayer: "features" });
    expect([backbone.name, backbone.inputShape, backbone.outputDim]).toEqual(["user_net", [8, 8, 1], 4]);
    expect(backbone.trainableWeights.map((w) => w.size)).toEqual([36, 4, 4]); // conv kernel, bias, scale (no classifier)
    const x = tf.randomUniform([3, 8, 8, 1], 0, 1, "float32", 2);
    const { leaked } = await countLeakedTensors(() => {
      const grads = tf.variableGrads(() => tf.sum(backbone.apply(x, { training: true })), backbone.trainableWeights);
      expect(Object.keys(grads.grads).length).toBe(3);
      tf.dispose([grads.value, ...Object.values(grads.grads)]);
    });
    expect(leaked).toBe(0);
    x.dispose();
    backbone.dispose();
  });

  it("freezes the backbone when trainable is false, and pools a 4-D output on request", () => {
    const model = userModel();
    expect(() => fromModel(model, { outputLayer: "scale" })).toThrow(/fromModel: pooling must be 'average' or 'flatten'.*; got undefined for an output of shape \[N, 8, 8, 4\]/);
    const frozen = fromModel(model, { outputLayer: "scale", pooling: "flatten", trainable: false });
    expect(frozen.outputDim).toBe(8 * 8 * 4);
    expect(frozen.trainableWeights).toEqual([]);
    expect(frozen.weights.length).toBe(3);
    model.dispose();
  });

  it("lists the layer names when the output layer is unknown", () => {
    const model = userModel();
    let error: unknown;
    try {
      fromModel(model, { outputLayer: "feature" });
    } catch (e) {
      error = e;
    }
    expect(ContrastiveError.isInstance(error)).toBe(true);
    expect(String(error)).toMatch(/fromModel: outputLayer must be the name of a layer of model "user_net": input\d*, conv, scale, features, classifier; got "feature"/);
    expect(() => fromModel({} as tfl.LayersModel)).toThrow(/fromModel: model must be a tf.LayersModel/);
    model.dispose();
  });

  it("saves and loads the cut model with its registered custom layer", async () => {
    const backbone = fromModel(userModel(), { outputLayer: "features", name: "userEncoder" });
    const x = tf.randomUniform([2, 8, 8, 1], 0, 1, "float32", 3);
    await saveBackbone(backbone, join(root, backend));
    const loaded = await loadBackbone(join(root, backend));
    expect(loaded.name).toBe("userEncoder");
    expect(loaded.model.layers.some((l) => l instanceof ChannelScale)).toBe(true);
    expect(Array.from(tf.tidy(() => loaded.apply(x).dataSync()))).toEqual(Array.from(tf.tidy(() => backbone.apply(x).dataSync())));
    tf.dispose(x);
    loaded.dispose();
    backbone.dispose();
  });
});
