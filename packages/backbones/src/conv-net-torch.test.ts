/*
 * The PyTorch scripts of the quality benchmark (bench/pytorch/mnist_common.py of the repository,
 * `conv_net(same_padding=True)`) claim to be convNet's architecture: TensorFlow's 'same' padding, batch
 * norm (ε 1e-5) after each bias-free conv, ReLU, global average pooling. This checks it, when
 * /usr/bin/python3 has torch: our weights, batch-norm statistics included, are loaded into the script's
 * module, and both give the same features in inference and in training mode (batch statistics). The
 * natural PyTorch padding (1 on every side) is checked to differ, so the comparison can tell. Without
 * torch the test is skipped with the reason.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { TEST_BACKENDS, maxAbsDifference, useBackend } from "@contrastive/core/testing";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { convNet } from "./conv-net.js";

const PYTHON = "/usr/bin/python3";
const FOLDER = fileURLToPath(new URL("../../../bench/pytorch/", import.meta.url));

const FEATURES = `
import json, sys, torch
sys.path.insert(0, sys.argv[1])
from mnist_common import conv_net
d = json.load(sys.stdin); n = d["n"]
x = torch.tensor(d["images"], dtype=torch.float64).view(n, 28, 28, 1).permute(0, 3, 1, 2)
out = {}
for same in (True, False):
    net = conv_net(same_padding=same).double()
    convs = [m for m in net if isinstance(m, torch.nn.Conv2d)]; norms = [m for m in net if isinstance(m, torch.nn.BatchNorm2d)]
    with torch.no_grad():
        for i, (conv, bn) in enumerate(zip(convs, norms)):
            k, gamma, beta, mean, var = d["weights"][5 * i:5 * i + 5]
            conv.weight.copy_(torch.tensor(k, dtype=torch.float64).view(3, 3, conv.in_channels, conv.out_channels).permute(3, 2, 0, 1))
            bn.weight.copy_(torch.tensor(gamma)); bn.bias.copy_(torch.tensor(beta))
            bn.running_mean.copy_(torch.tensor(mean)); bn.running_var.copy_(torch.tensor(var))
        net.eval(); inference = net(x).flatten().tolist()
        net.train(); training = net(x).flatten().tolist()
    out["same" if same else "pad1"] = {"inference": inference, "training": training}
print(json.dumps(out))
`;

function torchMissing(): string | undefined {
  if (!existsSync(PYTHON) || !existsSync(`${FOLDER}mnist_common.py`)) return `needs ${PYTHON} and bench/pytorch/mnist_common.py`;
  const probe = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8", timeout: 60_000 });
  return probe.status === 0 ? undefined : `${PYTHON} has no torch (apt-get install -y python3-torch)`;
}
const missing = torchMissing();

describe.each(TEST_BACKENDS)("convNet against the PyTorch benchmark's ConvNet on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("the same 128-d features, inference and training mode, within 1e-4; padding 1 on every side differs", (context) => {
    if (missing) return context.skip(`skipped: ${missing}`);
    const n = 6;
    const encoder = convNet({ inputShape: [28, 28, 1], seed: 5 });
    // non-trivial batch-norm parameters and statistics, so that their placement and ε matter; per layer,
    // in block order: conv kernel, then γ, β, moving mean, moving variance
    const values: number[][] = [];
    for (const layer of encoder.model.layers) {
      const own = layer.getWeights();
      if (own.length === 0) continue;
      const next = own.map((w, k) => {
        const base = Array.from(w.dataSync());
        if (own.length === 1) return base;
        const f = [(j: number) => 0.5 + ((j * 37) % 11) / 10, (j: number) => ((j * 13) % 7) / 10 - 0.3, (j: number) => ((j * 17) % 5) / 20 - 0.1, (j: number) => 0.5 + ((j * 29) % 9) / 10][k]!;
        return base.map((_, j) => f(j));
      });
      const replacements = own.map((w, k) => tf.tensor(next[k]!, w.shape));
      layer.setWeights(replacements);
      tf.dispose(replacements);
      values.push(...next);
    }
    expect(values).toHaveLength(15);
    const images = Float32Array.from({ length: n * 28 * 28 }, (_, i) => ((i * 7919) % 997) / 996);
    const x = tf.tensor4d(images, [n, 28, 28, 1]);
    const before = tf.memory().numTensors;
    const [inference, training] = [false, true].map((mode) => {
      const features = encoder.apply(x, { training: mode });
      const data = Array.from(features.dataSync());
      features.dispose();
      return data;
    });
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    encoder.dispose();
    const run = spawnSync(PYTHON, ["-c", FEATURES, FOLDER], { input: JSON.stringify({ n, images: Array.from(images), weights: values }), encoding: "utf8", timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    const torch = JSON.parse(run.stdout) as Record<"same" | "pad1", { inference: number[]; training: number[] }>;
    expect(torch.same.inference).toHaveLength(n * 128);
    expect(maxAbsDifference(inference!, torch.same.inference)).toBeLessThan(1e-4);
    expect(maxAbsDifference(training!, torch.same.training)).toBeLessThan(1e-4);
    expect(maxAbsDifference(inference!, torch.pad1.inference)).toBeGreaterThan(1e-2);
  });
});
