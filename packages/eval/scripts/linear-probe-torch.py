"""PyTorch reference for @contrastive/eval's linearProbe (used by linear-probe.test.ts).

Usage: python3 linear-probe-torch.py DIR '{"epochs": 200, "learningRate": 0.05, "weightDecay": 0.001, "numClasses": 5}'
DIR holds train.npy [N, d], train-labels.npy [N], test.npy [M, d], test-labels.npy [M] (float32).
Prints JSON: "adam", the same algorithm as linearProbe with full batches (zero start, Adam, cosine
schedule to 0, weight decay on the weights only), and "lbfgs", the penalised optimum found by L-BFGS.
Everything in float64.
"""
import json
import math
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
folder, options = sys.argv[1], json.loads(sys.argv[2])
load = lambda name: torch.from_numpy(np.load(f"{folder}/{name}.npy").astype(np.float64))
x_train, x_test = load("train"), load("test")
y_train, y_test = load("train-labels").long(), load("test-labels").long()
classes, decay = options["numClasses"], options["weightDecay"]

mean, std = x_train.mean(0), x_train.std(0, unbiased=False)
std = torch.where(std <= 1e-6 * (1 + mean.abs()), torch.ones_like(std), std)
x_train, x_test = (x_train - mean) / std, (x_test - mean) / std


def report(weights, bias):
    with torch.no_grad():
        logits = x_train @ weights + bias
        return {
            "weights": weights.flatten().tolist(),
            "bias": bias.tolist(),
            "trainLoss": F.cross_entropy(logits, y_train).item(),
            "objective": (F.cross_entropy(logits, y_train) + decay / 2 * weights.square().sum()).item(),
            "trainAccuracy": (logits.argmax(1) == y_train).double().mean().item(),
            "accuracy": ((x_test @ weights + bias).argmax(1) == y_test).double().mean().item(),
        }


weights = torch.zeros(x_train.shape[1], classes, requires_grad=True)
bias = torch.zeros(classes, requires_grad=True)
adam = torch.optim.Adam([{"params": [weights], "weight_decay": decay}, {"params": [bias], "weight_decay": 0.0}], lr=options["learningRate"])
steps = options["epochs"]
schedule = torch.optim.lr_scheduler.LambdaLR(adam, lambda t: 0.5 * (1 + math.cos(math.pi * t / steps)))
for _ in range(steps):
    adam.zero_grad()
    F.cross_entropy(x_train @ weights + bias, y_train).backward()
    adam.step()
    schedule.step()
result = {"adam": report(weights.detach(), bias.detach())}

weights = torch.zeros(x_train.shape[1], classes, requires_grad=True)
bias = torch.zeros(classes, requires_grad=True)
lbfgs = torch.optim.LBFGS([weights, bias], lr=1, max_iter=1000, tolerance_grad=1e-12, tolerance_change=1e-14, history_size=50, line_search_fn="strong_wolfe")


def closure():
    lbfgs.zero_grad()
    loss = F.cross_entropy(x_train @ weights + bias, y_train) + decay / 2 * weights.square().sum()
    loss.backward()
    return loss


for _ in range(5):
    lbfgs.step(closure)
result["lbfgs"] = report(weights.detach(), bias.detach())
print(json.dumps(result))
