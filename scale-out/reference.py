"""Reference side of the PyTorch interop tests of @contrastive/backbones (no downloads, seeded):

  python3 scale-out/reference.py torchvision --depth 18 --out DIR
      writes DIR/weights.safetensors (a torchvision ResNet with seeded random weights, random batch-norm
      statistics, `fc` and `num_batches_tracked` included), DIR/reference.safetensors ('images'
      [2, 64, 64, 3] NHWC, 'features' [2, d] from the model in eval mode with fc = Identity) and
      DIR/half.safetensors (F16 and BF16 values with torch's float32 readings of them).
  python3 scale-out/reference.py features --weights FILE --images FILE --out FILE
      loads FILE (exported by JS) strictly into torchvision's ResNet (fc dropped) or models.from_metadata,
      and writes the eval-mode 'features' of the images.
"""
import argparse

import torch
import torch.nn as nn
import torchvision

from models import from_metadata
from safetensors_io import load_file, save_file


def randomize_batch_norms(model, generator):
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            n = module.num_features
            module.weight.data = 0.5 + torch.rand(n, generator=generator)
            module.bias.data = 0.2 * torch.randn(n, generator=generator)
            module.running_mean.data = 0.2 * torch.randn(n, generator=generator)
            module.running_var.data = 0.5 + torch.rand(n, generator=generator)
            module.num_batches_tracked.fill_(int(torch.randint(1, 10_000, (1,), generator=generator)))


def torchvision_reference(args):
    torch.manual_seed(args.seed)
    model = getattr(torchvision.models, f"resnet{args.depth}")(weights=None)
    generator = torch.Generator().manual_seed(args.seed + 1)
    randomize_batch_norms(model, generator)
    save_file(model.state_dict(), f"{args.out}/weights.safetensors", {"format": "pt"})
    images = torch.rand(2, 3, args.size, args.size, generator=generator)
    model.fc = nn.Identity()
    model.eval()
    with torch.no_grad():
        features = model(images)
    save_file({"images": images.permute(0, 2, 3, 1).contiguous(), "features": features}, f"{args.out}/reference.safetensors")
    # 16-bit copies of the features and of edge values (subnormals, ±inf, −0), and torch's own float32 readings of them
    edges = torch.tensor([65504.0, 2.0 ** -24, 3e-6, 1e-40, float("inf"), float("-inf"), -0.0, 1 / 3])
    values = torch.cat([features.flatten(), edges])
    half, brain = values.half(), values.bfloat16()
    save_file({"f16": half, "bf16": brain, "f16_as_f32": half.float(), "bf16_as_f32": brain.float()}, f"{args.out}/half.safetensors")


def features_of_export(args):
    tensors, metadata = load_file(args.weights)
    spec = metadata.get("contrastive.backbone")
    if spec is not None and '"resnet"' not in spec:
        model = from_metadata(spec)
    else:
        depth = 50 if "layer1.0.conv3.weight" in tensors else 34 if "layer3.5.conv1.weight" in tensors else 18
        model = getattr(torchvision.models, f"resnet{depth}")(weights=None)
        model.fc = nn.Identity()  # drop the classifier, then load strictly
    model.load_state_dict(tensors, strict=True)
    model.eval()
    images = load_file(args.images)[0]["images"].permute(0, 3, 1, 2).contiguous()
    with torch.no_grad():
        features = model(images)
    save_file({"features": features}, args.out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    reference = commands.add_parser("torchvision")
    reference.add_argument("--depth", type=int, choices=[18, 34, 50], required=True)
    reference.add_argument("--size", type=int, default=64)
    reference.add_argument("--seed", type=int, default=0)
    reference.add_argument("--out", required=True)
    features = commands.add_parser("features")
    features.add_argument("--weights", required=True)
    features.add_argument("--images", required=True)
    features.add_argument("--out", required=True)
    args = parser.parse_args()
    torch.set_num_threads(2)
    (torchvision_reference if args.command == "torchvision" else features_of_export)(args)


if __name__ == "__main__":
    main()
