"""nn.functional's normalisation: batch_norm (batch or running statistics over every dim
but the channels, updating the running statistics in place) and layer_norm (over the
trailing dims), both composed from the engine's differentiable operations."""
from __future__ import annotations

import numbers
from collections.abc import Sequence

import autograd as ag

from .arguments import shape_of


def _standardize(x, axes, eps):
    """(x - mean) / sqrt(biased var + eps) over axes; also the mean and variance."""
    mean = x.mean(dim=axes, keepdim=True)
    centered = x - mean
    var = (centered * centered).mean(dim=axes, keepdim=True)
    return centered * ag.rsqrt(var + eps), mean, var


def batch_norm(input: ag.Tensor, running_mean: ag.Tensor | None, running_var: ag.Tensor | None,
               weight: ag.Tensor | None = None, bias: ag.Tensor | None = None, training: bool = False,
               momentum: float | None = 0.1, eps: float = 1e-5) -> ag.Tensor:
    """Batch normalisation over every dim but the channel dim 1, as torch.nn.functional.batch_norm.

    In training it normalises by the batch statistics and, when given, updates the running
    statistics in place (mean, and the unbiased variance, with weight `momentum`); otherwise
    it uses the running statistics. Shape: input (N, C) or (N, C, *).
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of shape (N, C, *), got {shape_of(input)}")
    channels = input.shape[1]
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (1, channels) + (1,) * (input.ndim - 2)
    if training:
        count = input.numel() // channels
        if count <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {shape_of(input)}")
        out, mean, var = _standardize(input, axes, eps)
        if running_mean is not None and running_var is not None:
            if momentum is None:
                raise ValueError("batch_norm: momentum must be a number when running statistics are updated")
            with ag.no_grad():
                running_mean.mul_(1 - momentum).add_(mean.reshape(channels) * momentum)
                running_var.mul_(1 - momentum).add_(var.reshape(channels) * (momentum * count / (count - 1)))
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are required when training=False")
        out = (input - running_mean.reshape(shape)) * ag.rsqrt(running_var.reshape(shape) + eps)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def layer_norm(input: ag.Tensor, normalized_shape: int | Sequence[int], weight: ag.Tensor | None = None, bias: ag.Tensor | None = None,
               eps: float = 1e-5) -> ag.Tensor:
    """Normalises over the trailing `normalized_shape` dims (biased variance), then scales and shifts."""
    # (the ignores: mypy can't narrow by numbers.Integral, so normalized_shape stays int | Sequence[int] for it)
    normalized_shape = ((normalized_shape,) if isinstance(normalized_shape, numbers.Integral)  # type: ignore[assignment]
                        else tuple(normalized_shape))  # type: ignore[arg-type]
    count = len(normalized_shape)  # type: ignore[arg-type]
    if count == 0 or shape_of(input)[input.ndim - count:] != normalized_shape:
        raise ValueError(f"Given normalized_shape={list(normalized_shape)}, expected input with shape "  # type: ignore[arg-type]
                         f"[*, {', '.join(map(str, normalized_shape))}], "  # type: ignore[arg-type]
                         f"but got input of size {list(input.shape)}")
    out = _standardize(input, tuple(range(input.ndim - count, input.ndim)), eps)[0]
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out
