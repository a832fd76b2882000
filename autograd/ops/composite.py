"""Activations composed from primitives: no gradient rules of their own."""
from __future__ import annotations

import math

from . import elementwise as ew
from .elementwise import _raw
from ..tensor import Tensor


def leaky_relu(x: Tensor, negative_slope=0.01) -> Tensor:
    return ew.where(_raw(x) > 0, x, x * negative_slope)


def elu(x: Tensor, alpha=1.0) -> Tensor:
    # expm1 of x only where x <= 0: the unused branch never overflows, so its zero gradient stays
    # zero, and at x == 0 the slope is alpha (as PyTorch), not the alpha / 2 that minimum's tie gives
    positive = _raw(x) > 0
    return ew.where(positive, x, ew.expm1(ew.where(positive, 0.0, x)) * alpha)


def gelu(x: Tensor, approximate="none") -> Tensor:
    """x * Phi(x) with the exact normal CDF (approximate="tanh" for the tanh formula)."""
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * math.sqrt(2 / math.pi)
        return x * 0.5 * (ew.tanh(inner) + 1)
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return x * 0.5 * (ew.erf(x * (1 / math.sqrt(2))) + 1)


def silu(x: Tensor) -> Tensor:
    return x * ew.sigmoid(x)


def softplus(x: Tensor, beta=1.0, threshold=20.0) -> Tensor:
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (as PyTorch)."""
    scaled = x * beta
    linear = _raw(scaled) > threshold
    smooth = ew.log1p(ew.exp(ew.where(linear, threshold, scaled))) / beta  # where, not minimum: no tie
    return ew.where(linear, x, smooth)
