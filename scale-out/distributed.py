"""Collectives with their gradient, and batch norm over the global batch, for training with DDP.

- `gather(x)`: all_gather along dim 0 whose backward is the adjoint (sum the gradients over ranks,
  keep this rank's slice). torch.distributed.nn.functional.all_gather needs reduce_scatter, which
  gloo lacks; this works on gloo (CPU) and NCCL (GPU).
- `GlobalBatchNorm`: nn.BatchNorm{1,2}d with batch statistics over every rank's rows (what
  SyncBatchNorm does on GPUs only), same parameter and buffer names, so state dicts are unchanged.
With one process both are the plain operations, so a run on 1 process and on N gives the same loss.
"""
import torch
import torch.distributed as dist
import torch.nn as nn

_group = None


def setup_group():
    """A process group of its own for the collectives inside forward/backward (DDP keeps the default one)."""
    global _group
    if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
        _group = dist.new_group()


def _world():
    return dist.get_world_size(_group) if _group is not None else 1


class _AllReduceSum(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        x = x.clone()
        dist.all_reduce(x, group=_group)
        return x

    @staticmethod
    def backward(ctx, grad):
        grad = grad.clone()
        dist.all_reduce(grad, group=_group)
        return grad


class _AllGather(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        parts = [torch.empty_like(x) for _ in range(_world())]
        dist.all_gather(parts, x.contiguous(), group=_group)
        ctx.rows = x.shape[0]
        return torch.cat(parts)

    @staticmethod
    def backward(ctx, grad):
        grad = grad.contiguous().clone()
        dist.all_reduce(grad, group=_group)
        rank = dist.get_rank(_group)
        return grad[rank * ctx.rows:(rank + 1) * ctx.rows]


def all_reduce_sum(x):
    return _AllReduceSum.apply(x) if _world() > 1 else x


def gather(x):
    """[n, ...] on each rank → [world·n, ...] in rank order, differentiable."""
    return _AllGather.apply(x) if _world() > 1 else x


class GlobalBatchNorm(nn.modules.batchnorm._BatchNorm):
    """Batch norm whose training statistics cover the rows of every rank (biased variance to normalise,
    unbiased for the running average, PyTorch's momentum rule)."""

    def _check_input_dim(self, x):
        if x.dim() not in (2, 4):
            raise ValueError(f"GlobalBatchNorm: expected a 2-D or 4-D input, got {x.dim()}-D")

    def forward(self, x):
        self._check_input_dim(x)
        if not self.training:
            return super().forward(x)
        dims = [0, 2, 3] if x.dim() == 4 else [0]
        shape = [1, -1, 1, 1] if x.dim() == 4 else [1, -1]
        local = torch.tensor(float(x.numel() // x.shape[1]), dtype=x.dtype, device=x.device)
        count = all_reduce_sum(local)
        mean = all_reduce_sum(x.sum(dims)) / count
        centered = x - mean.reshape(shape)
        variance = all_reduce_sum((centered * centered).sum(dims)) / count
        with torch.no_grad():
            self.num_batches_tracked += 1
            self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mean)
            self.running_var.mul_(1 - self.momentum).add_(self.momentum * variance * count / (count - 1))
        y = centered / torch.sqrt(variance.reshape(shape) + self.eps)
        if self.affine:
            y = y * self.weight.reshape(shape) + self.bias.reshape(shape)
        return y


def convert_batch_norms(module):
    """Replaces every BatchNorm1d/2d under `module` by a GlobalBatchNorm holding the same tensors."""
    for name, child in module.named_children():
        if isinstance(child, (nn.BatchNorm1d, nn.BatchNorm2d)):
            replacement = GlobalBatchNorm(child.num_features, child.eps, child.momentum, child.affine, child.track_running_stats)
            replacement.load_state_dict(child.state_dict())
            setattr(module, name, replacement)
        else:
            convert_batch_norms(child)
    return module
