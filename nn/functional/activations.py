"""nn.functional's activations: relu, leaky_relu, prelu, elu, gelu, silu, sigmoid, tanh,
softplus, softmax and log_softmax, each the engine's own differentiable operation (prelu
composed from where); hardtanh, relu6, hardsigmoid, hardswish, mish, logsigmoid, softsign and
glu composed from them. `inplace` is accepted for compatibility with PyTorch code; results
are always new tensors."""
from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import DTypeLike

import autograd as ag


def relu(input: ag.Tensor, inplace: bool = False) -> ag.Tensor:
    return ag.relu(input)


def leaky_relu(input: ag.Tensor, negative_slope: float = 0.01, inplace: bool = False) -> ag.Tensor:
    return ag.leaky_relu(input, negative_slope)


def prelu(input: ag.Tensor, weight: ag.Tensor) -> ag.Tensor:
    """max(0, x) + weight * min(0, x) with one slope, or one per channel (dim 1)."""
    if weight.numel() != 1:
        channels = input.shape[1] if input.ndim >= 2 else 1
        if weight.numel() != channels:
            raise ValueError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                             f"{weight.numel()} and channel size = {channels}.")
        weight = weight.reshape((1, channels) + (1,) * (input.ndim - 2))
    return ag.where(np.asarray(input) > 0, input, input * weight)


def elu(input: ag.Tensor, alpha: float = 1.0, inplace: bool = False) -> ag.Tensor:
    return ag.elu(input, alpha)


def gelu(input: ag.Tensor, approximate: str = "none") -> ag.Tensor:
    return ag.gelu(input, approximate)


def silu(input: ag.Tensor, inplace: bool = False) -> ag.Tensor:
    return ag.silu(input)


def sigmoid(input: ag.Tensor) -> ag.Tensor:
    return ag.sigmoid(input)


def tanh(input: ag.Tensor) -> ag.Tensor:
    return ag.tanh(input)


def softplus(input: ag.Tensor, beta: float = 1.0, threshold: float = 20.0) -> ag.Tensor:
    return ag.softplus(input, beta, threshold)


def _softmax_dim(input, dim, op):
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {op} has been deprecated. Change the call to include "
                      f"dim=X as an argument.", stacklevel=3)
        dim = 0 if input.ndim in (0, 1, 3) else 1
    return dim


def softmax(input: ag.Tensor, dim: int | None = None, dtype: DTypeLike | None = None) -> ag.Tensor:
    """exp(x) / sum(exp(x)) along dim, computed stably."""
    input = input if dtype is None else input.to(dtype)
    return ag.softmax(input, _softmax_dim(input, dim, "softmax"))


def log_softmax(input: ag.Tensor, dim: int | None = None, dtype: DTypeLike | None = None) -> ag.Tensor:
    """log(softmax(x)) along dim, stable for any finite logits (one graph node)."""
    input = input if dtype is None else input.to(dtype)
    return ag.log_softmax(input, _softmax_dim(input, dim, "log_softmax"))


def hardtanh(input: ag.Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> ag.Tensor:
    """x clamped to [min_val, max_val]; the gradient is 0 at the bounds themselves, as PyTorch's."""
    if min_val > max_val:
        raise ValueError("hardtanh: min_val cannot be greater than max_val")
    values = np.asarray(input)
    inside = (values > min_val) & (values < max_val)
    return ag.where(inside, input, ag.from_numpy(np.clip(values, min_val, max_val)))


def relu6(input: ag.Tensor, inplace: bool = False) -> ag.Tensor:
    """min(max(0, x), 6)."""
    return hardtanh(input, 0.0, 6.0)


def hardsigmoid(input: ag.Tensor, inplace: bool = False) -> ag.Tensor:
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between."""
    return relu6(input + 3.0) / 6.0


def hardswish(input: ag.Tensor, inplace: bool = False) -> ag.Tensor:
    """x * relu6(x + 3) / 6 (MobileNetV3)."""
    return input * (ag.clamp(input + 3.0, 0.0, 6.0) / 6.0)


def mish(input: ag.Tensor, inplace: bool = False) -> ag.Tensor:
    """x * tanh(softplus(x))."""
    return input * ag.tanh(ag.softplus(input))


def logsigmoid(input: ag.Tensor) -> ag.Tensor:
    """log(sigmoid(x)) = -softplus(-x), finite for any x."""
    return -ag.softplus(-input)


def softsign(input: ag.Tensor) -> ag.Tensor:
    """x / (1 + |x|)."""
    return input / (ag.abs(input) + 1.0)


def glu(input: ag.Tensor, dim: int = -1) -> ag.Tensor:
    """a * sigmoid(b), where a and b are the two halves of the input along dim (gated linear unit)."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    size = input.shape[dim]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim % input.ndim} is size {size}")
    first, second = input.chunk(2, dim)
    return first * ag.sigmoid(second)
