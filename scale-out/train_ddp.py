"""SimCLR (Chen et al., ICML 2020) under PyTorch DistributedDataParallel, starting from and ending in
safetensors files written by @contrastive/backbones (`backbone.*` + `head.*` keys, architectures in
`__metadata__`). Launch with torchrun (see README.md):

  torchrun --nproc_per_node 2 scale-out/train_ddp.py --init start.safetensors --images images.safetensors \
      --batch-size 256 --steps 1000 --out trained.safetensors

Each step draws a global batch of --batch-size images (a seeded permutation, the same on every rank);
rank r takes its contiguous share. Views come from torchvision's SimCLR augmentations seeded per image
and step, so the views do not depend on the number of processes. Batch norm uses the statistics of the
global batch and NT-Xent sees the embeddings of every rank (gathered with their gradient): the loss of
a step is the same on 1 process and on N.
"""
import argparse
import json
import os

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
import torchvision.transforms as T

from distributed import convert_batch_norms, gather, setup_group
from models import from_metadata
from safetensors_io import load_file, save_file


class SimCLR(nn.Module):
    def __init__(self, backbone, head):
        super().__init__()
        self.backbone = backbone
        self.head = head

    def forward(self, x):
        return self.head(self.backbone(x))


def simclr_augment(size, strength, blur):
    """torchvision's version of @contrastive/augment's simclrAugment (same parameters)."""
    steps = [
        T.RandomResizedCrop(size, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3), antialias=True),
        T.RandomHorizontalFlip(0.5),
        T.RandomApply([T.ColorJitter(0.8 * strength, 0.8 * strength, 0.8 * strength, 0.2 * strength)], p=0.8),
        T.RandomGrayscale(0.2),
    ]
    if blur:
        taps = max(3, int(0.1 * min(size)))
        steps.append(T.RandomApply([T.GaussianBlur(taps + 1 - taps % 2, sigma=(0.1, 2.0))], p=0.5))
    return T.Compose(steps)


def nt_xent(z1, z2, temperature):
    """NT-Xent over 2N embeddings: each row's positive is its other view, the 2N − 2 others are negatives."""
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    logits = z @ z.t() / temperature
    logits.fill_diagonal_(float("-inf"))
    n = z1.shape[0]
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)
    return F.cross_entropy(logits, targets)


def load_images(path):
    tensors, _ = load_file(path)
    return tensors["images"].permute(0, 3, 1, 2).contiguous()  # NHWC (as in JS) → NCHW


def parse():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--init", required=True, help="safetensors from JS: backbone.* and head.* keys, contrastive.backbone/head metadata")
    parser.add_argument("--images", required=True, help="safetensors with 'images' [N, H, W, C] floats in [0, 1]")
    parser.add_argument("--out", required=True)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=256, help="global batch (all ranks together)")
    parser.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd", help="SGD with momentum 0.9 (SimCLR's LARS without the layer-wise scaling) or Adam")
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--weight-decay", type=float, default=1e-6)
    parser.add_argument("--temperature", type=float, default=0.5)
    parser.add_argument("--strength", type=float, default=1.0, help="colour strength (0.5 for CIFAR-10)")
    parser.add_argument("--blur", action=argparse.BooleanOptionalAction, default=None, help="default: on above 32×32")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32", help="float64 to check 1 vs N processes exactly (files stay float32)")
    parser.add_argument("--backend", default=None, help="gloo (CPU) or nccl (GPU); default nccl when CUDA is present")
    parser.add_argument("--features-images", help="safetensors 'images' to embed with the trained backbone (eval mode)")
    parser.add_argument("--features-out", help="where to write those features ('features' [N, d])")
    return parser.parse_args()


def main():
    args = parse()
    distributed = "RANK" in os.environ
    use_cuda = torch.cuda.is_available() and args.backend != "gloo"
    if distributed:
        dist.init_process_group(backend=args.backend or ("nccl" if use_cuda else "gloo"))
        setup_group()
    rank = dist.get_rank() if distributed else 0
    world = dist.get_world_size() if distributed else 1
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    device = torch.device(f"cuda:{local_rank}") if use_cuda else torch.device("cpu")
    if use_cuda:
        torch.cuda.set_device(device)
    if args.batch_size % world != 0:
        raise SystemExit(f"train_ddp: --batch-size {args.batch_size} must be a multiple of the number of processes ({world})")

    tensors, metadata = load_file(args.init)
    model = SimCLR(from_metadata(metadata["contrastive.backbone"]), from_metadata(metadata["contrastive.head"]))
    model.load_state_dict(tensors, strict=True)
    dtype = getattr(torch, args.dtype)
    model = convert_batch_norms(model).to(device=device, dtype=dtype)
    trained = nn.parallel.DistributedDataParallel(model, device_ids=[local_rank] if use_cuda else None) if distributed else model
    optimizer = (torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=args.weight_decay) if args.optimizer == "sgd"
                 else torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay))

    images = load_images(args.images).to(dtype)
    size = tuple(images.shape[-2:])
    augment = simclr_augment(size, args.strength, args.blur if args.blur is not None else min(size) > 32)
    share = args.batch_size // world
    order = torch.Generator().manual_seed(args.seed)
    permutation = torch.randperm(len(images), generator=order)
    cursor = 0
    for step in range(args.steps):
        if cursor + args.batch_size > len(images):
            permutation, cursor = torch.randperm(len(images), generator=order), 0
        batch = permutation[cursor + rank * share:cursor + (rank + 1) * share]
        cursor += args.batch_size
        views = []
        for view in range(2):
            rows = []
            for index in batch.tolist():
                torch.manual_seed(((args.seed * 1_000_003 + step) * 2 + view) * 1_000_003 + index)
                rows.append(augment(images[index]))
            views.append(torch.stack(rows))
        z = trained(torch.cat(views).to(device))
        z1, z2 = z.chunk(2)
        loss = nt_xent(gather(z1), gather(z2), args.temperature)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if rank == 0:
            print(json.dumps({"step": step, "loss": loss.item(), "world": world}), flush=True)

    if rank == 0:
        state = {name: tensor.float() if tensor.is_floating_point() else tensor for name, tensor in model.state_dict().items()}
        save_file(state, args.out, metadata)
        if args.features_images and args.features_out:
            model.eval()
            with torch.no_grad():
                features = model.backbone(load_images(args.features_images).to(device=device, dtype=dtype)).float().cpu()
            save_file({"features": features}, args.features_out)
    if distributed:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
