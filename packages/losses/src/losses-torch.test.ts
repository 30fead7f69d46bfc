/*
 * Compares every loss but NT-Xent (see nt-xent-torch.test.ts) with the same definition computed by
 * PyTorch in float64 at test time, when /usr/bin/python3 has torch; otherwise the test is skipped with
 * the reason. The Python below restates each library's formula with torch ops (F.normalize,
 * F.batch_norm, F.cosine_similarity, Tensor.var, …), as lightly and pytorch-metric-learning compute it.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import type { Loss } from "@contrastive/core";
import { TEST_BACKENDS, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { barlowTwins } from "./barlow-twins.js";
import { dcl } from "./dcl.js";
import { evaluateLoss, flatten, randomViews, relativeGap } from "./evaluate-loss.js";
import { infoNce } from "./info-nce.js";
import { negativeCosine } from "./negative-cosine.js";
import { supCon } from "./sup-con.js";
import { vicReg } from "./vic-reg.js";

const PYTHON = "/usr/bin/python3";
const [N, D, K] = [12, 8, 10];

const SCRIPT = String.raw`
import json, sys, torch
import torch.nn.functional as F
torch.set_default_dtype(torch.float64)
data = json.load(sys.stdin)
n, d, k = data["n"], data["d"], data["k"]
def views():
    a = torch.tensor(data["a"]).view(n, d).requires_grad_()
    b = torch.tensor(data["b"]).view(n, d).requires_grad_()
    return a, b
bank = F.normalize(torch.tensor(data["bank"]).view(k, d), dim=1)
labels = torch.tensor(data["labels"])

def info_nce(a, b, tau, in_batch):
    q, key = F.normalize(a, dim=1), F.normalize(b, dim=1)
    if in_batch:
        logits, target = q @ torch.cat([key, bank]).T, torch.arange(n)
    else:
        logits, target = torch.cat([(q * key).sum(1, keepdim=True), q @ bank.T], 1), torch.zeros(n, dtype=torch.long)
    return F.cross_entropy(logits / tau, target)

def sup_con(a, b, tau):  # pytorch-metric-learning SupConLoss, AvgNonZeroReducer
    emb = F.normalize(torch.cat([a, b]), dim=1)
    lab = labels.repeat(2)
    same = lab[:, None] == lab[None, :]
    eye = torch.eye(2 * n, dtype=torch.bool)
    pos, neg = (same & ~eye).double(), (~same).double()
    mat = emb @ emb.T / tau
    mat = mat - mat.max(dim=1, keepdim=True)[0].detach()
    keep = (pos + neg).bool()
    denominator = torch.logsumexp(mat.masked_fill(~keep, float("-inf")), dim=1, keepdim=True)
    per_anchor = -(pos * (mat - denominator)).sum(1) / pos.sum(1)
    return per_anchor[per_anchor > 0].mean()

def dcl(a, b, tau):  # Yeh et al. 2022, Eq. 6 (solo-learn's dcl_loss_func): one log-sum-exp over the 2N - 2 negatives
    x0, x1 = F.normalize(a, dim=1), F.normalize(b, dim=1)
    eye = torch.eye(n, dtype=torch.bool)
    def one(u, v):
        s00, s01 = u @ u.T / tau, u @ v.T / tau
        negatives = torch.cat([s00[~eye].view(n, -1), s01[~eye].view(n, -1)], 1)
        return (-s01[eye] + torch.logsumexp(negatives, 1)).mean()
    return 0.5 * (one(x0, x1) + one(x1, x0))

def barlow(a, b, lam):  # lightly BarlowTwinsLoss: each view batch-normalised on its own
    za, zb = (F.batch_norm(z, None, None, training=True) for z in (a, b))
    c = za.T @ zb / n
    off = ~torch.eye(d, dtype=torch.bool)
    return (torch.diagonal(c) - 1).pow(2).sum() + lam * c[off].pow(2).sum()

def vicreg(a, b):  # lightly VICRegLoss defaults
    def var(x):
        x = x - x.mean(0)
        return F.relu(1.0 - torch.sqrt(x.var(dim=0) + 1e-4)).mean()
    def cov(x):
        x = x - x.mean(0)
        c = x.T @ x / (n - 1)
        return c[~torch.eye(d, dtype=torch.bool)].pow(2).sum() / d
    return 25 * F.mse_loss(a, b) + 25 * 0.5 * (var(a) + var(b)) + cov(a) + cov(b)

def negative_cosine(a, b):
    return -F.cosine_similarity(a, b, dim=1, eps=1e-8).mean()

cases = {
    "infoNce": lambda a, b: info_nce(a, b, 0.1, True),
    "moco": lambda a, b: info_nce(a, b, 0.07, False),
    "supCon": lambda a, b: sup_con(a, b, 0.1),
    "dcl": lambda a, b: dcl(a, b, 0.1),
    "barlowTwins": lambda a, b: barlow(a, b, 5e-3),
    "vicReg": vicreg,
    "negativeCosine": negative_cosine,
}
out = {}
for name, f in cases.items():
    a, b = views()
    loss = f(a, b)
    loss.backward()
    out[name] = {"loss": loss.item(), "ga": a.grad.flatten().tolist(), "gb": b.grad.flatten().tolist()}
print(json.dumps(out))
`;

interface TorchResult {
  loss: number;
  ga: number[];
  gb: number[];
}

const [a, b] = randomViews(2024, 2, N, D, 0.8);
const bank = randomViews(7, 1, K, D)[0]!;
const labels = Array.from({ length: N }, (_, i) => i % 4);

/** Torch's results by case, or why there are none. */
function torchResults(): Record<string, TorchResult> | string {
  if (!existsSync(PYTHON)) return `needs ${PYTHON} with torch`;
  const probe = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8", timeout: 60_000 });
  if (probe.status !== 0) return `${PYTHON} has no torch (apt-get install -y python3-torch)`;
  const input = JSON.stringify({ n: N, d: D, k: K, a: Array.from(a!), b: Array.from(b!), bank: Array.from(bank), labels });
  const run = spawnSync(PYTHON, ["-c", SCRIPT], { input, encoding: "utf8", timeout: 120_000 });
  if (run.status !== 0) throw new Error(`torch reference failed: ${run.stderr || run.error}`);
  return JSON.parse(run.stdout) as Record<string, TorchResult>;
}

const results = torchResults();

const cases: [string, Loss, { labels?: boolean; negatives?: boolean }][] = [
  ["infoNce", infoNce({ temperature: 0.1 }), { negatives: true }],
  ["moco", infoNce({ temperature: 0.07, inBatchNegatives: false }), { negatives: true }],
  ["supCon", supCon({ temperature: 0.1 }), { labels: true }],
  ["dcl", dcl({ temperature: 0.1 }), {}],
  ["barlowTwins", barlowTwins(), {}],
  ["vicReg", vicReg(), {}],
  ["negativeCosine", negativeCosine(), {}],
];

describe.each(TEST_BACKENDS)("losses against PyTorch (float64) on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  if (typeof results === "string") {
    it.skip(`each loss equals torch's value and gradients (skipped: ${results})`, () => {});
    return;
  }
  it.each(cases)("%s equals torch's value and gradients", (name, loss, uses) => {
    const expected = results[name]!;
    const negatives = uses.negatives ? { values: bank, shape: [K, D] as [number, number] } : undefined;
    const { value, gradients } = evaluateLoss(loss, [a!, b!], [N, D], uses.labels ? labels : undefined, negatives);
    expect(Math.abs(value - expected.loss) / Math.max(1, Math.abs(expected.loss))).toBeLessThan(2e-6);
    expect(relativeGap(flatten(gradients), [...expected.ga, ...expected.gb])).toBeLessThan(2e-5);
  });
});
