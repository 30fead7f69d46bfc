/*
 * One SimCLR step of our trainer (convNet → projectionHead → ntXent, both views in one pass) against the
 * same step in PyTorch float64 (bench/pytorch/mnist_common.py of the repository: the ConvNet and head of the
 * quality benchmark's scripts), when /usr/bin/python3 has torch. Both start from our weights and see the
 * same views: with SGD at learning rate 1 the change of every weight is its gradient, so the loss, the
 * gradients and the batch-norm statistics are compared; with Adam (ε 1e-7, tfjs's default), the losses of
 * three steps. Without torch the test is skipped with the reason.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { convNet } from "@contrastive/backbones";
import { TEST_BACKENDS, useBackend } from "@contrastive/core/testing";
import { projectionHead } from "@contrastive/heads";
import { ntXent } from "@contrastive/losses";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { sgd } from "./optimizers/sgd.js";
import { createTrainer } from "./trainer.js";

const PYTHON = "/usr/bin/python3";
const FOLDER = fileURLToPath(new URL("../../../bench/pytorch/", import.meta.url));

const STEP = `
import json, sys, torch, torch.nn as nn, torch.nn.functional as F
sys.path.insert(0, sys.argv[1])
from mnist_common import conv_net, mlp_head
d = json.load(sys.stdin); dt = torch.float64
enc = conv_net(same_padding=True).to(dt); head = mlp_head([128, 128, 64]).to(dt)
mods = [m for m in list(enc) + list(head) if isinstance(m, (nn.Conv2d, nn.BatchNorm2d, nn.BatchNorm1d, nn.Linear))]
with torch.no_grad():
    for m, w in zip(mods, d["weights"]):
        t = [torch.tensor(x["v"], dtype=dt).view(x["shape"]) for x in w]
        if isinstance(m, nn.Conv2d): m.weight.copy_(t[0].permute(3, 2, 0, 1))
        elif isinstance(m, nn.Linear): m.weight.copy_(t[0].T); m.bias.copy_(t[1])
        else: m.weight.copy_(t[0]); m.bias.copy_(t[1]); m.running_mean.copy_(t[2]); m.running_var.copy_(t[3])
n = d["n"]
v = [torch.tensor(d[k], dtype=dt).view(n, 28, 28, 1).permute(0, 3, 1, 2) for k in ("v1", "v2")]
params = list(enc.parameters()) + list(head.parameters())
opt = torch.optim.SGD(params, lr=1) if d["optimizer"] == "sgd" else torch.optim.Adam(params, lr=1e-3, eps=1e-7)
losses = []
for _ in range(d["steps"]):
    z1, z2 = head(enc(torch.cat(v))).chunk(2)
    z = F.normalize(torch.cat([z1, z2]), dim=1); s = z @ z.T / 0.5; s.fill_diagonal_(-1e9)
    loss = F.cross_entropy(s, torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]))
    opt.zero_grad(); loss.backward(); opt.step(); losses.append(loss.item())
after = []
for m in mods:
    if isinstance(m, nn.Conv2d): after.append(m.weight.permute(2, 3, 1, 0))
    elif isinstance(m, nn.Linear): after += [m.weight.T, m.bias]
    else: after += [m.weight, m.bias, m.running_mean, m.running_var]
print(json.dumps({"losses": losses, "after": [a.detach().flatten().tolist() for a in after]}))
`;

function torchMissing(): string | undefined {
  if (!existsSync(PYTHON) || !existsSync(`${FOLDER}mnist_common.py`)) return `needs ${PYTHON} and bench/pytorch/mnist_common.py`;
  const probe = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8", timeout: 60_000 });
  return probe.status === 0 ? undefined : `${PYTHON} has no torch (apt-get install -y python3-torch)`;
}
const missing = torchMissing();

/** Our step(s) and PyTorch's from the same weights and views. */
function bothSteps(optimizer: "sgd" | "adam", steps: number, n: number) {
  const pixels = (offset: number) => Float32Array.from({ length: n * 28 * 28 }, (_, i) => (((i + offset) * 7919) % 997) / 996);
  const [v1, v2] = [tf.tensor4d(pixels(0), [n, 28, 28, 1]), tf.tensor4d(pixels(12345), [n, 28, 28, 1])];
  const backbone = convNet({ inputShape: [28, 28, 1], seed: 2 });
  const head = projectionHead({ inputDim: 128, hiddenDims: [128], outputDim: 64, seed: 3 });
  const layers = [...backbone.model.layers, ...head.model.layers].filter((l) => l.getWeights().length > 0);
  const read = () => layers.flatMap((l) => l.getWeights().map((w) => ({ shape: w.shape, v: Array.from(w.dataSync()) })));
  const before = read();
  const perLayer = layers.map((l) => l.getWeights().map((w) => ({ shape: w.shape, v: Array.from(w.dataSync()) })));
  const fixedViews = { name: "fixedViews", apply: () => [tf.clone(v1), tf.clone(v2)] as tf.Tensor4D[] };
  const start = tf.memory().numTensors;
  const chosen = optimizer === "sgd" ? sgd({ learningRate: 1 }) : tf.train.adam(1e-3);
  const trainer = createTrainer({ backbone, head, loss: ntXent({ temperature: 0.5 }), optimizer: chosen, augment: fixedViews, seed: 0 });
  const losses = Array.from({ length: steps }, () => trainer.step(v1));
  chosen.dispose(); // with its slots (Adam's moments)
  expect(tf.memory().numTensors).toBe(start);
  const after = read();
  const input = { n, v1: Array.from(v1.dataSync()), v2: Array.from(v2.dataSync()), weights: perLayer, optimizer, steps };
  tf.dispose([v1, v2]);
  backbone.dispose();
  head.dispose();
  const run = spawnSync(PYTHON, ["-c", STEP, FOLDER], { input: JSON.stringify(input), encoding: "utf8", timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  expect(run.status, run.stderr).toBe(0);
  const torch = JSON.parse(run.stdout) as { losses: number[]; after: number[][] };
  return { losses, before, after, torch };
}

describe.each(TEST_BACKENDS)("a SimCLR step against PyTorch float64 on %s", (backend) => {
  beforeAll(() => useBackend(backend));
  // tfjs-backend-cpu's conv gradients are slow: fewer images there
  const n = backend === "cpu" ? 6 : 24;

  it("SGD at learning rate 1: the same loss, gradients of every weight and batch-norm statistics", (context) => {
    if (missing) return context.skip(`skipped: ${missing}`);
    const { losses, before, after, torch } = bothSteps("sgd", 1, n);
    expect(Math.abs(losses[0]! - torch.losses[0]!)).toBeLessThan(1e-5);
    expect(torch.after).toHaveLength(before.length);
    before.forEach((b, i) => {
      const ours = after[i]!.v.map((a, j) => a - b.v[j]!);
      const theirs = torch.after[i]!.map((a, j) => a - b.v[j]!);
      const scale = Math.max(...theirs.map(Math.abs));
      if (scale < 1e-5) return; // a bias before batch norm: its gradient is zero up to rounding
      const worst = Math.max(...ours.map((o, j) => Math.abs(o - theirs[j]!)));
      expect(worst / scale, `weight ${i} [${b.shape.join(", ")}]`).toBeLessThan(1e-3);
    });
  }, 600_000);

  it("Adam (ε 1e-7): the same losses over three steps", (context) => {
    if (missing) return context.skip(`skipped: ${missing}`);
    const { losses, torch } = bothSteps("adam", 3, n);
    losses.forEach((loss, i) => expect(Math.abs(loss - torch.losses[i]!)).toBeLessThan(1e-4));
    expect(losses[2]!).toBeLessThan(losses[0]!);
  }, 600_000);
});
