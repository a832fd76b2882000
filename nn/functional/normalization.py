"""nn.functional's normalisation: batch_norm (batch or running statistics over every dim
but the channels, updating the running statistics in place), layer_norm and rms_norm (over
the trailing dims), group_norm (over each group of channels) and instance_norm (over each
sample's channel), all composed from the engine's differentiable operations."""
from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

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


def _affine(out, weight, bias, shape):
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def group_norm(input: ag.Tensor, num_groups: int, weight: ag.Tensor | None = None, bias: ag.Tensor | None = None,
               eps: float = 1e-5) -> ag.Tensor:
    """Normalises each sample over each group of C / num_groups channels (and all their
    positions; biased variance), then scales and shifts per channel. Shape: input (N, C, *)."""
    if input.ndim < 2 or num_groups <= 0 or input.shape[1] % num_groups:
        raise ValueError(f"group_norm: expected an input of shape (N, C, *) with C divisible by num_groups "
                         f"({num_groups}), got shape {shape_of(input)}")
    n, channels = input.shape[:2]
    grouped = input.reshape(n, num_groups, -1)
    out = _standardize(grouped, (2,), eps)[0].reshape(input.shape)
    return _affine(out, weight, bias, (1, channels) + (1,) * (input.ndim - 2))


def instance_norm(input: ag.Tensor, running_mean: ag.Tensor | None = None, running_var: ag.Tensor | None = None,
                  weight: ag.Tensor | None = None, bias: ag.Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> ag.Tensor:
    """Normalises each sample's channel over its positions, as torch.nn.functional.instance_norm.

    With use_input_stats it uses each instance's statistics and, when given, moves the running
    statistics toward their average over the batch (the variance unbiased, with weight
    `momentum`); otherwise it uses the running statistics. Shape: input (N, C, *), at least
    one position per channel.
    """
    if input.ndim < 3:
        raise ValueError(f"instance_norm: expected an input of shape (N, C, L, ...) with at least one spatial dim, "
                         f"got shape {shape_of(input)}")
    channels = input.shape[1]
    shape = (1, channels) + (1,) * (input.ndim - 2)
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm: running_mean and running_var are required when use_input_stats=False")
        out = (input - running_mean.reshape(shape)) * ag.rsqrt(running_var.reshape(shape) + eps)
        return _affine(out, weight, bias, shape)
    count = input.numel() // (input.shape[0] * channels)
    if count <= 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {shape_of(input)}")
    out, mean, var = _standardize(input, tuple(range(2, input.ndim)), eps)
    if running_mean is not None and running_var is not None:
        with ag.no_grad():
            running_mean.mul_(1 - momentum).add_(mean.reshape(-1, channels).mean(dim=0) * momentum)
            running_var.mul_(1 - momentum).add_(var.reshape(-1, channels).mean(dim=0) * (momentum * count / (count - 1)))
    return _affine(out, weight, bias, shape)


def rms_norm(input: ag.Tensor, normalized_shape: int | Sequence[int], weight: ag.Tensor | None = None,
             eps: float | None = None) -> ag.Tensor:
    """x / sqrt(mean(x^2) + eps) over the trailing `normalized_shape` dims, times weight, as
    torch.nn.functional.rms_norm; eps None is the input dtype's machine epsilon."""
    normalized_shape = ((normalized_shape,) if isinstance(normalized_shape, numbers.Integral)  # type: ignore[assignment]
                        else tuple(normalized_shape))  # type: ignore[arg-type]
    count = len(normalized_shape)  # type: ignore[arg-type]
    if count == 0 or shape_of(input)[input.ndim - count:] != normalized_shape:
        raise ValueError(f"rms_norm: given normalized_shape={list(normalized_shape)}, expected an input of shape "  # type: ignore[arg-type]
                         f"[*, {', '.join(map(str, normalized_shape))}], "  # type: ignore[arg-type]
                         f"but got input of size {list(input.shape)}")
    if eps is None:
        eps = float(np.finfo(input.dtype).eps)
    axes = tuple(range(input.ndim - count, input.ndim))
    out = input * ag.rsqrt((input * input).mean(dim=axes, keepdim=True) + eps)
    return out if weight is None else out * weight
