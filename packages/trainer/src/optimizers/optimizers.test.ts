import * as tf from "@tensorflow/tfjs-core";
import { TEST_BACKENDS, useBackend } from "@contrastive/core/testing";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { constantSchedule, warmupCosineSchedule } from "../schedules.js";
import { adamW } from "./adam-w.js";
import { lars } from "./lars.js";
import { sgd } from "./sgd.js";

/*
 * Each optimizer against a plain float64 loop of its update rule (the formulas of PyTorch's SGD and
 * AdamW, solo-learn's LARS), over several steps with fixed gradients, and against PyTorch itself where
 * /usr/bin/python3 has torch.
 */
const W0 = [[0.5, -1.2, 0.3], [2.0, 0.1, -0.7]];
const B0 = [0.2, -0.4, 0.05];
const GRADS = [
  { w: [[0.1, -0.3, 0.2], [0.05, 0.4, -0.1]], b: [0.3, -0.2, 0.1] },
  { w: [[-0.2, 0.1, 0.0], [0.3, -0.1, 0.2]], b: [-0.1, 0.05, 0.2] },
  { w: [[0.05, 0.05, -0.4], [0.0, 0.2, 0.1]], b: [0.2, 0.1, -0.3] },
];
const LR = (step: number) => 0.1 / (1 + step); // a schedule, so each step uses another rate

type Rule = (p: number[], g: number[], state: Record<string, number[]>, lr: number, t: number, oneDimensional: boolean) => number[];

function reference(rule: Rule): { w: number[]; b: number[] } {
  let w = W0.flat();
  let b = [...B0];
  const sw: Record<string, number[]> = {};
  const sb: Record<string, number[]> = {};
  GRADS.forEach((g, t) => {
    w = rule(w, g.w.flat(), sw, LR(t), t + 1, false);
    b = rule(b, g.b, sb, LR(t), t + 1, true);
  });
  return { w, b };
}

const zeros = (n: number) => new Array<number>(n).fill(0);
const norm = (x: number[]) => Math.sqrt(x.reduce((s, v) => s + v * v, 0));

const sgdRule = (momentum: number, nesterov: boolean, wd: number): Rule => (p, g, s, lr) => {
  const d = g.map((v, i) => v + wd * p[i]!);
  const buf = (s.buf ??= zeros(p.length));
  d.forEach((v, i) => (buf[i] = momentum * buf[i]! + v));
  const step = nesterov ? d.map((v, i) => v + momentum * buf[i]!) : buf;
  return p.map((v, i) => v - lr * step[i]!);
};

const adamWRule = (b1: number, b2: number, eps: number, wd: number): Rule => (p, g, s, lr, t) => {
  const m = (s.m ??= zeros(p.length));
  const v = (s.v ??= zeros(p.length));
  return p.map((x, i) => {
    m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
    v[i] = b2 * v[i]! + (1 - b2) * g[i]! ** 2;
    const mHat = m[i]! / (1 - b1 ** t);
    const vHat = v[i]! / (1 - b2 ** t);
    return x * (1 - lr * wd) - (lr * mHat) / (Math.sqrt(vHat) + eps);
  });
};

const larsRule = (momentum: number, wd: number, eta: number): Rule => (p, g, s, lr, _t, oneDimensional) => {
  let d = g;
  if (!oneDimensional) {
    const [pn, gn] = [norm(p), norm(g)];
    const ratio = pn > 0 && gn > 0 ? (eta * pn) / (gn + wd * pn + 1e-8) : 1;
    d = g.map((v, i) => (v + wd * p[i]!) * ratio);
  }
  const buf = (s.buf ??= zeros(p.length));
  d.forEach((v, i) => (buf[i] = momentum * buf[i]! + v));
  return p.map((v, i) => v - lr * buf[i]!);
};

/** Runs the optimizer over GRADS on two variables; returns their values and the tensor count growth after the first step. */
async function run(optimizer: tf.Optimizer): Promise<{ w: number[]; b: number[]; growth: number }> {
  const w = tf.tidy(() => tf.variable(tf.tensor2d(W0), true, `w-${Math.random()}`));
  const b = tf.tidy(() => tf.variable(tf.tensor1d(B0), true, `b-${Math.random()}`));
  let after = 0;
  for (const [t, g] of GRADS.entries()) {
    const grads = { [w.name]: tf.tensor2d(g.w), [b.name]: tf.tensor1d(g.b) };
    optimizer.applyGradients(grads);
    tf.dispose(Object.values(grads));
    if (t === 0) after = tf.memory().numTensors;
  }
  const growth = tf.memory().numTensors - after;
  const result = { w: Array.from(await w.data()), b: Array.from(await b.data()), growth };
  optimizer.dispose();
  tf.dispose([w, b]);
  return result;
}

describe.each(TEST_BACKENDS)("optimizers on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  const cases: [string, () => tf.Optimizer, Rule][] = [
    ["sgd", () => sgd({ learningRate: LR }), sgdRule(0, false, 0)],
    ["sgd with momentum and weight decay", () => sgd({ learningRate: LR, momentum: 0.9, weightDecay: 0.01 }), sgdRule(0.9, false, 0.01)],
    ["sgd with Nesterov momentum", () => sgd({ learningRate: LR, momentum: 0.8, nesterov: true }), sgdRule(0.8, true, 0)],
    ["adamW", () => adamW({ learningRate: LR, weightDecay: 0.05 }), adamWRule(0.9, 0.999, 1e-8, 0.05)],
    ["adamW, other betas", () => adamW({ learningRate: LR, beta1: 0.5, beta2: 0.9, epsilon: 1e-6, weightDecay: 0 }), adamWRule(0.5, 0.9, 1e-6, 0)],
    ["lars", () => lars({ learningRate: LR, weightDecay: 0.01, trustCoefficient: 0.02 }), larsRule(0.9, 0.01, 0.02)],
  ];

  it.each(cases)("%s: three steps equal the float64 loop of its rule, and leak nothing", async (_name, make, rule) => {
    const before = tf.memory().numTensors;
    const got = await run(make());
    const want = reference(rule);
    got.w.forEach((v, i) => expect(v).toBeCloseTo(want.w[i]!, 6));
    got.b.forEach((v, i) => expect(v).toBeCloseTo(want.b[i]!, 6));
    expect(got.growth).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("lars leaves one-dimensional variables (biases, batch-norm γ/β) out of adaptation and weight decay", async () => {
    const got = await run(lars({ learningRate: LR, weightDecay: 0.5, trustCoefficient: 0.001 }));
    const plainMomentum = reference(sgdRule(0.9, false, 0)).b;
    got.b.forEach((v, i) => expect(v).toBeCloseTo(plainMomentum[i]!, 6));
    // The matrix moved by far less than plain SGD would move it (η‖w‖/‖g‖ ≈ 0.004).
    const moved = Math.abs(got.w[0]! - W0[0]![0]!);
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThan(1e-3);
  });

  it("state (step and slots) round-trips through getWeights / setWeights: a resumed optimizer continues the same schedule and moments", async () => {
    const make = () => adamW({ learningRate: warmupCosineSchedule({ peak: 0.1, warmupSteps: 2, totalSteps: 6 }), weightDecay: 0.1 });
    const before = tf.memory().numTensors;
    const w = tf.tidy(() => tf.variable(tf.tensor2d(W0), true, `resume-${Math.random()}`));
    const gradient = (t: number) => ({ [w.name]: tf.tensor2d(GRADS[t % 3]!.w) });
    const first = make();
    for (let t = 0; t < 2; t++) tf.tidy(() => first.applyGradients(gradient(t)));
    // getWeights returns the live slots (as tfjs's optimizers do): copy them, as a checkpoint writes them out.
    const live = await first.getWeights();
    const saved = live.map(({ name, tensor }) => ({ name, tensor: tensor.clone() }));
    live.forEach((s) => s.name === "iter" && s.tensor.dispose());
    const snapshot = w.clone();
    for (let t = 2; t < 5; t++) tf.tidy(() => first.applyGradients(gradient(t)));
    const uninterrupted = Array.from(await w.data());
    w.assign(snapshot);
    const resumed = make();
    await resumed.setWeights(saved);
    expect(resumed.iterations).toBe(2);
    for (let t = 2; t < 5; t++) tf.tidy(() => resumed.applyGradients(gradient(t)));
    Array.from(await w.data()).forEach((v, i) => expect(v).toBeCloseTo(uninterrupted[i]!, 6));
    tf.dispose(saved.map((s) => s.tensor));
    first.dispose();
    resumed.dispose();
    tf.dispose([w, snapshot]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("optimizer options", () => {
  it("rejects bad options with an error naming the optimizer and the argument", () => {
    expect(() => sgd({ learningRate: -1 })).toThrow(/^sgd: learningRate must be a finite number ≥ 0 or a schedule/);
    expect(() => sgd({ learningRate: 0.1, nesterov: true })).toThrow(/^sgd: momentum \(with nesterov: true\) must be/);
    expect(() => adamW({ learningRate: 0.1, beta1: 1 })).toThrow(/^adamW: beta1 must be a number in \[0, /);
    expect(() => lars({ learningRate: 0.1, weightDecay: Number.NaN })).toThrow(/^lars: weightDecay must be a number in \[0, ∞\)/);
    expect(() => sgd({ learningRate: constantSchedule(0.1), momentum: 1.5 })).toThrow(/^sgd: momentum must be a number in \[0, 1\]/);
  });
});

const PYTHON = "/usr/bin/python3";
const torchMissing = !existsSync(PYTHON) || spawnSync(PYTHON, ["-c", "import torch"]).status !== 0;

describe.skipIf(torchMissing)("optimizers against PyTorch (skipped without /usr/bin/python3 and torch)", () => {
  beforeAll(() => useBackend("cpu"));
  it("sgd (Nesterov, weight decay) and adamW give torch.optim's weights after three scheduled steps", async () => {
    const script = `
import json, sys, torch
d = json.load(sys.stdin)
out = {}
for name, make in [("sgd", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
                   ("adamw", lambda p: torch.optim.AdamW(p, lr=0.1, weight_decay=0.05))]:
    w = torch.tensor(d["w0"], dtype=torch.float64, requires_grad=True)
    opt = make([w])
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1 / (1 + s))
    for g in d["grads"]:
        w.grad = torch.tensor(g, dtype=torch.float64)
        opt.step(); sched.step()
    out[name] = w.detach().flatten().tolist()
print(json.dumps(out))`;
    const run = spawnSync(PYTHON, ["-c", script], { input: JSON.stringify({ w0: W0, grads: GRADS.map((g) => g.w) }), encoding: "utf8", timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    const torch = JSON.parse(run.stdout) as { sgd: number[]; adamw: number[] };
    const ours = {
      sgd: (await run2(sgd({ learningRate: LR, momentum: 0.9, nesterov: true, weightDecay: 0.01 }))),
      adamw: (await run2(adamW({ learningRate: LR, weightDecay: 0.05 }))),
    };
    ours.sgd.forEach((v, i) => expect(v).toBeCloseTo(torch.sgd[i]!, 6));
    ours.adamw.forEach((v, i) => expect(v).toBeCloseTo(torch.adamw[i]!, 6));
  });
});

async function run2(optimizer: tf.Optimizer): Promise<number[]> {
  return (await run(optimizer)).w;
}
