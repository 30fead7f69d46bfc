import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { ContrastiveError, createRng } from "@contrastive/core";
import { TEST_BACKENDS, countLeakedTensors, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { conv } from "./resnet-blocks.js";
import { resnet } from "./resnet.js";

const count = (vars: tf.Variable[]) => vars.reduce((n, v) => n + v.size, 0);

describe("resnet: structure", () => {
  beforeAll(() => useBackend("cpu"));

  // torchvision.models.resnetXX(): sum(p.numel() for p in m.parameters()) minus fc (512·1000 + 1000, or 2048·1000 + 1000).
  // The CIFAR stem replaces the 7×7×3×64 conv (9,408) with a 3×3×3×64 one (1,728): 7,680 fewer.
  it.each([
    [18, "imagenet", 11_176_512, 2 * 4_800, 512],
    [18, "cifar", 11_176_512 - 7_680, 2 * 4_800, 512],
    [34, "imagenet", 21_284_672, 2 * 8_512, 512],
    [34, "cifar", 21_284_672 - 7_680, 2 * 8_512, 512],
    [50, "imagenet", 23_508_032, 2 * 26_560, 2048],
    [50, "cifar", 23_508_032 - 7_680, 2 * 26_560, 2048],
  ] as const)("ResNet-%i with the %s stem has torchvision's parameter count (without fc)", (depth, stem, params, runningStats, outputDim) => {
    const backbone = resnet({ depth, stem, inputShape: [32, 32, 3] });
    expect(count(backbone.trainableWeights)).toBe(params);
    expect(count(backbone.weights) - params).toBe(runningStats); // BN running means and variances
    expect(backbone.outputDim).toBe(outputDim);
    backbone.dispose();
  });

  it("uses torchvision's layer names and stem", () => {
    const imagenet = resnet({ depth: 18, stem: "imagenet", inputShape: [32, 32, 3] });
    const names = imagenet.model.layers.map((l) => l.name);
    expect(names).toEqual(expect.arrayContaining(["conv1", "bn1", "maxpool", "layer1.1.conv2", "layer2.0.downsample.0", "layer4.1.bn2", "avgpool"]));
    expect((imagenet.model.getLayer("conv1").getWeights()[0] as tf.Tensor).shape).toEqual([7, 7, 3, 64]);
    imagenet.dispose();
    const cifar = resnet({ depth: 18, stem: "cifar", inputShape: [32, 32, 3] });
    expect(cifar.model.layers.some((l) => l.name === "maxpool")).toBe(false);
    expect((cifar.model.getLayer("conv1").getWeights()[0] as tf.Tensor).shape).toEqual([3, 3, 3, 64]);
    cifar.dispose();
  });

  it("samples stride-2 3×3 convs on PyTorch's grid (padding 1 on both sides), not TF 'same''s", () => {
    // A 3×3 kernel that picks its centre tap: PyTorch (padding 1, stride 2) gives y[i, j] = x[2i, 2j];
    // TF 'same' would pad 0 before / 1 after and give x[2i + 1, 2j + 1].
    const input = tfl.input({ shape: [6, 6, 1] });
    const model = tfl.model({ inputs: input, outputs: conv(input, "c", 1, 3, 2, createRng(0)) });
    const kernel = tf.tensor4d([0, 0, 0, 0, 1, 0, 0, 0, 0], [3, 3, 1, 1]);
    model.getLayer("c").setWeights([kernel]);
    const x = tf.tensor4d(Array.from({ length: 36 }, (_, i) => i), [1, 6, 6, 1]);
    const y = model.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 3, 3, 1]);
    expect(Array.from(y.dataSync())).toEqual([0, 2, 4, 12, 14, 16, 24, 26, 28]);
    tf.dispose([kernel, x, y]);
    model.dispose();
  });

  it("initialises convs as torchvision (kaiming normal, fan-out) and BN with γ = 1, β = 0", () => {
    const backbone = resnet({ depth: 18, stem: "cifar", inputShape: [8, 8, 3], seed: 1 });
    const w = backbone.model.getLayer("layer3.0.conv2").getWeights()[0] as tf.Tensor;
    const { variance } = tf.moments(w);
    expect(Math.sqrt(variance.dataSync()[0] as number)).toBeCloseTo(Math.sqrt(2 / (3 * 3 * 256)), 3);
    const [gamma, beta] = backbone.model.getLayer("layer3.0.bn2").getWeights() as tf.Tensor[];
    expect(Array.from(new Set(gamma!.dataSync()))).toEqual([1]);
    expect(Array.from(new Set(beta!.dataSync()))).toEqual([0]);
    variance.dispose();
    backbone.dispose();
  });

  it("rejects bad options with a ContrastiveError naming the argument", () => {
    expect(() => resnet({ depth: 101 as 50, stem: "cifar", inputShape: [32, 32, 3] })).toThrow(/resnet: depth must be 18, 34 or 50; got 101/);
    expect(() => resnet({ depth: 18, stem: "tiny" as "cifar", inputShape: [32, 32, 3] })).toThrow(ContrastiveError);
    expect(() => resnet({ depth: 18, stem: "imagenet", inputShape: [16, 16, 3] })).toThrow(/inputShape must be at least 32×32 for the imagenet stem/);
    expect(() => resnet({ depth: 18, stem: "cifar", inputShape: [32, 32] as unknown as [number, number, number] })).toThrow(/inputShape/);
  });
});

describe.each(TEST_BACKENDS)("resnet on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("maps [N, H, W, C] to [N, 512] / [N, 2048] without leaking tensors", async () => {
    for (const [options, dim] of [
      [{ depth: 18, stem: "cifar", inputShape: [8, 8, 3] }, 512],
      [{ depth: 18, stem: "imagenet", inputShape: [32, 32, 3] }, 512],
      [{ depth: 50, stem: "cifar", inputShape: [8, 8, 3] }, 2048],
    ] as const) {
      const backbone = resnet({ ...options, inputShape: [...options.inputShape] });
      const { result, leaked } = await countLeakedTensors(() => tf.tidy(() => backbone.apply(tf.ones([2, ...options.inputShape]), { training: true }).shape));
      expect(result).toEqual([2, dim]);
      expect(leaked).toBe(0);
      expect(() => backbone.apply(tf.zeros([1, 9, 9, 3]))).toThrow(/resnet(18|50): inputs must be a tensor of shape \[N, (8, 8|32, 32), 3\]/);
      backbone.dispose();
    }
  });

  // tfjs-backend-cpu has no fast conv gradients: one ResNet-18 step at 8×8 takes ~30 s there (2 s on wasm),
  // so cpu runs one Adam update at 8×8 and wasm three at 16×16.
  const [size, steps] = backend === "cpu" ? [8, 2] : [16, 4];
  it(`trains: ResNet-18 (CIFAR stem, ${size}×${size}, batch 4) lowers a regression loss in ${steps - 1} Adam step(s)`, () => {
    const backbone = resnet({ depth: 18, stem: "cifar", inputShape: [size, size, 3], seed: 3 });
    const x = tf.randomUniform([4, size, size, 3], 0, 1, "float32", 1);
    const target = tf.randomNormal([4, 512], 0, 1, "float32", 2);
    const optimizer = tf.train.adam(1e-3);
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) {
      const loss = optimizer.minimize(() => tf.losses.meanSquaredError(target, backbone.apply(x, { training: true })) as tf.Scalar, true, backbone.trainableWeights)!;
      losses.push(loss.dataSync()[0]!);
      loss.dispose();
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(0.97 * losses[0]!);
    optimizer.dispose();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
    tf.dispose([x, target]);
    backbone.dispose();
  }, 300_000);
});
