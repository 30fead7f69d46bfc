"""PyTorch modules whose state-dict names match @contrastive/backbones and @contrastive/heads:

- `resnet(depth, stem, in_channels)`: torchvision's ResNet-18/34/50 without `fc` (`fc` = Identity); the
  'cifar' stem is a 3×3 stride-1 `conv1` and no max-pool, as `resnet({ stem: "cifar" })`.
- `sequential(spec)`: an `nn.Sequential` built from the layer list that `torchArchitecture` writes for a
  tf.Sequential model (convNet, mlp, projection heads): layer i of the tfjs model is module i here, so
  the keys are `0.weight`, `1.running_mean`, … Convs pad as TensorFlow's 'same' (asymmetric for stride 2).
- `from_metadata(text)`: either of the above from the JSON that exports store in `__metadata__`.
"""
import json
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

_ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "elu": nn.ELU, "tanh": nn.Tanh, "linear": nn.Identity}


def resnet(depth, stem="imagenet", in_channels=3):
    model = {18: torchvision.models.resnet18, 34: torchvision.models.resnet34, 50: torchvision.models.resnet50}[depth](weights=None)
    if stem == "cifar":
        model.conv1 = nn.Conv2d(in_channels, 64, 3, 1, 1, bias=False)
        model.maxpool = nn.Identity()
    elif in_channels != 3:
        model.conv1 = nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
    model.fc = nn.Identity()
    return model


class SameConv2d(nn.Conv2d):
    """nn.Conv2d with TensorFlow's 'same' padding (pad total = max((ceil(n/s)−1)·s + k − n, 0), less before than after)."""

    def __init__(self, *args, activation="linear", **kwargs):
        super().__init__(*args, padding=0, **kwargs)
        self.activation = _ACTIVATIONS[activation]()

    def forward(self, x):
        pads = []
        for size, k, s in zip(x.shape[-1:-3:-1], self.kernel_size[::-1], self.stride[::-1]):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        return self.activation(super().forward(F.pad(x, pads)))


class Dense(nn.Linear):
    def __init__(self, *args, activation="linear", **kwargs):
        super().__init__(*args, **kwargs)
        self.activation = _ACTIVATIONS[activation]()

    def forward(self, x):
        return self.activation(super().forward(x))


class GlobalAveragePool(nn.Module):
    def forward(self, x):
        return x.mean(dim=(2, 3))


def sequential(spec):
    channels = spec["inputShape"][-1]
    spatial = len(spec["inputShape"]) == 3
    modules = []
    for layer in spec["layers"]:
        kind = layer["type"]
        if kind == "conv2d":
            modules.append(SameConv2d(channels, layer["filters"], layer["kernelSize"], stride=layer["strides"], bias=layer["useBias"], activation=layer.get("activation", "linear")) if layer["padding"] == "same"
                           else nn.Conv2d(channels, layer["filters"], layer["kernelSize"], stride=layer["strides"], bias=layer["useBias"]))
            channels = layer["filters"]
        elif kind == "dense":
            modules.append(Dense(channels, layer["units"], bias=layer["useBias"], activation=layer.get("activation", "linear")))
            channels = layer["units"]
        elif kind == "batchNorm":
            norm = nn.BatchNorm2d if spatial else nn.BatchNorm1d
            modules.append(norm(channels, eps=layer["epsilon"], momentum=1 - layer["momentum"], affine=layer["affine"]))
        elif kind == "activation":
            modules.append(_ACTIVATIONS[layer["activation"]]())
        elif kind == "globalAveragePooling2d":
            modules.append(GlobalAveragePool())
            spatial = False
        else:
            raise ValueError(f"sequential: layer type {kind!r} has no PyTorch counterpart here")
    return nn.Sequential(*modules)


def from_metadata(text):
    spec = json.loads(text)
    if spec["kind"] == "resnet":
        return resnet(spec["depth"], spec["stem"], spec["inputShape"][-1])
    return sequential(spec)
