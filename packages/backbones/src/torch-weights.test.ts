import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, type SafetensorsTensor, parseSafetensors, serializeSafetensors } from "@contrastive/core";
import { countLeakedTensors, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { convNet } from "./conv-net.js";
import { mlp } from "./mlp.js";
import { resnet } from "./resnet.js";
import { torchArchitecture } from "./torch-architecture.js";
import { permuteAxes } from "./torch-names.js";
import { loadTorchWeights, toTorchStateDict } from "./torch-weights.js";

/** torchvision's ResNet-18 state-dict keys without fc, spelled out from its module structure. */
function torchvisionResnet18Keys(): string[] {
  const bn = (m: string) => ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"].map((p) => `${m}.${p}`);
  const keys = ["conv1.weight", ...bn("bn1")];
  for (let stage = 1; stage <= 4; stage++) {
    for (let block = 0; block < 2; block++) {
      const m = `layer${stage}.${block}`;
      keys.push(`${m}.conv1.weight`, ...bn(`${m}.bn1`), `${m}.conv2.weight`, ...bn(`${m}.bn2`));
      if (stage > 1 && block === 0) keys.push(`${m}.downsample.0.weight`, ...bn(`${m}.downsample.1`));
    }
  }
  return keys;
}

function asFile(stateDict: ReturnType<typeof toTorchStateDict>): Map<string, SafetensorsTensor> {
  return parseSafetensors(serializeSafetensors(stateDict)).tensors;
}

function expectError(fn: () => unknown, ...fragments: string[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(ContrastiveError.isInstance(caught)).toBe(true);
  for (const fragment of fragments) expect((caught as Error).message).toContain(fragment);
}

describe("torch name maps", () => {
  beforeAll(() => useBackend("cpu"));

  it("ResNet-18's state dict has torchvision's keys, shapes in OIHW and 11,176,512 parameters", () => {
    const encoder = resnet({ depth: 18, stem: "imagenet", inputShape: [32, 32, 3] });
    const stateDict = toTorchStateDict(encoder);
    expect([...stateDict.keys()].sort()).toEqual(torchvisionResnet18Keys().sort());
    expect(stateDict.get("conv1.weight")?.shape).toEqual([64, 3, 7, 7]);
    expect(stateDict.get("layer2.0.downsample.0.weight")?.shape).toEqual([128, 64, 1, 1]);
    expect(stateDict.get("bn1.num_batches_tracked")?.values).toEqual(new BigInt64Array(1));
    const trainable = [...stateDict].filter(([k]) => !/running_|num_batches/.test(k)).reduce((n, [, t]) => n + t.values.length, 0);
    expect(trainable).toBe(11_176_512);
    encoder.dispose();
  });

  it("conv kernels go HWIO → OIHW element by element, dense kernels [in, out] → [out, in]", () => {
    const [h, w, i, o] = [2, 3, 4, 5];
    const hwio = Float32Array.from({ length: h * w * i * o }, (_, k) => k * 0.5 - 7);
    const oihw = permuteAxes(hwio, [h, w, i, o], [3, 2, 0, 1]);
    for (let a = 0; a < h; a++) for (let b = 0; b < w; b++) for (let c = 0; c < i; c++) for (let d = 0; d < o; d++) {
      expect(oihw[((d * i + c) * h + a) * w + b]).toBe(hwio[((a * w + b) * i + c) * o + d]);
    }
    const dense = Float32Array.from({ length: 6 }, (_, k) => k);
    expect(Array.from(permuteAxes(dense, [2, 3], [1, 0]))).toEqual([0, 3, 1, 4, 2, 5]);
  });

  for (const depth of [18, 50] as const) {
    it(`ResNet-${depth}: weights written then read into another seed give the same outputs (cpu), no tensor leaked`, async () => {
      const source = resnet({ depth, stem: "cifar", inputShape: [8, 8, 3], seed: 1 });
      const target = resnet({ depth, stem: "cifar", inputShape: [8, 8, 3], seed: 2 });
      const x = tf.randomUniform([2, 8, 8, 3], 0, 1, "float32", 3);
      tf.dispose(source.apply(x, { training: true })); // running averages away from 0 / 1
      const file = asFile(toTorchStateDict(source));
      const { leaked, result } = await countLeakedTensors(() => loadTorchWeights(target, file));
      expect(leaked).toBe(0);
      expect(result.missing).toEqual([]);
      expect(result.loaded.length).toBe(source.weights.length);
      const want = tf.tidy(() => source.apply(x).dataSync());
      const got = tf.tidy(() => target.apply(x).dataSync());
      expect(Array.from(got)).toEqual(Array.from(want));
      for (const m of [source, target]) m.dispose();
      x.dispose();
    });
  }

  it("strict loading lists missing and unexpected keys like load_state_dict, and writes nothing", () => {
    const encoder = resnet({ depth: 18, stem: "cifar", inputShape: [8, 8, 3] });
    const file = asFile(toTorchStateDict(encoder));
    const before = encoder.weights[0]?.dataSync().slice();
    file.delete("layer4.1.bn2.running_var");
    file.set("layer5.0.conv1.weight", { dtype: "F32", shape: [1], values: new Float32Array(1) });
    file.set("fc.weight", { dtype: "F32", shape: [1000, 512], values: new Float32Array(512_000) }); // optional
    expectError(() => loadTorchWeights(encoder, file), 'Missing key(s): "layer4.1.bn2.running_var"', 'Unexpected key(s): "layer5.0.conv1.weight"');
    expect(Array.from(encoder.weights[0]?.dataSync() ?? [])).toEqual(Array.from(before ?? []));
    const report = loadTorchWeights(encoder, file, { strict: false });
    expect(report.missing).toEqual(["layer4.1.bn2.running_var"]);
    expect(report.unexpected).toEqual(["layer5.0.conv1.weight"]);
    encoder.dispose();
  });

  it("a shape mismatch names the tensor and both shapes (an ImageNet-stem file into a CIFAR-stem ResNet)", () => {
    const imagenet = resnet({ depth: 18, stem: "imagenet", inputShape: [32, 32, 3] });
    const cifar = resnet({ depth: 18, stem: "cifar", inputShape: [32, 32, 3] });
    expectError(() => loadTorchWeights(cifar, asFile(toTorchStateDict(imagenet))), 'tensor "conv1.weight"', "[64, 3, 3, 3]", "[64, 3, 7, 7]");
    const file = asFile(toTorchStateDict(cifar));
    file.set("bn1.weight", { dtype: "I64", shape: [64], values: new BigInt64Array(64) });
    expectError(() => loadTorchWeights(cifar, file), 'tensor "bn1.weight"', "dtype I64");
    for (const m of [imagenet, cifar]) m.dispose();
  });

  it("convNet and mlp use nn.Sequential indices, with a prefix; the architecture lists the same layers", () => {
    const encoder = convNet({ inputShape: [8, 8, 3], filters: [4, 6] });
    const keys = [...toTorchStateDict(encoder, { prefix: "backbone." }).keys()];
    expect(keys).toEqual(["backbone.0.weight", ...["weight", "bias", "running_mean", "running_var", "num_batches_tracked"].map((p) => `backbone.1.${p}`), "backbone.3.weight", ...["weight", "bias", "running_mean", "running_var", "num_batches_tracked"].map((p) => `backbone.4.${p}`)]);
    const architecture = torchArchitecture(encoder);
    expect(architecture.kind === "sequential" && architecture.layers.map((l) => l.type)).toEqual(["conv2d", "batchNorm", "activation", "conv2d", "batchNorm", "activation", "globalAveragePooling2d"]);
    const other = convNet({ inputShape: [8, 8, 3], filters: [4, 6], seed: 9 });
    expectError(() => loadTorchWeights(other, asFile(toTorchStateDict(encoder, { prefix: "backbone." }))), "Missing key(s)", '"0.weight"', 'Unexpected key(s)');
    expect(loadTorchWeights(other, asFile(toTorchStateDict(encoder, { prefix: "backbone." })), { prefix: "backbone." }).loaded.length).toBe(other.weights.length);
    const perceptron = mlp({ inputDim: 5, units: [7, 3] });
    expect([...toTorchStateDict(perceptron).entries()].map(([k, t]) => `${k}:${t.shape.join("x")}`).slice(0, 2)).toEqual(["0.weight:7x5", "1.weight:7"]);
    for (const m of [encoder, other, perceptron]) m.dispose();
  });

  it("refuses 'sequential' names for a functional model and a target without a model", () => {
    const encoder = resnet({ depth: 18, stem: "cifar", inputShape: [8, 8, 3] });
    expectError(() => toTorchStateDict(encoder, { names: "sequential" }), "names", "tf.Sequential");
    expectError(() => loadTorchWeights({} as never, new Map()), "loadTorchWeights: target");
    encoder.dispose();
  });
});
