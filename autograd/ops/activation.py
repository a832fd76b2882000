"""Activations as single primitives, each saving what PyTorch's rule saves (its input), so an
in-place change to that input raises as it does there. Their rules select gradients with
np.where rather than multiplying by masks: an infinite upstream gradient stays 0 where the
slope is 0, and an unused branch (exp of a large x) never turns into NaN."""
from __future__ import annotations

import math

import numpy as np

from ..function import Primitive
from ..tensor import Tensor
from . import elementwise as ew
from .special import erf_array

_INV_SQRT2 = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_GELU_CUBIC = 0.044715


class LeakyRelu(Primitive):
    symbol = "LReLU"

    @staticmethod
    def forward(ctx, a, negative_slope=0.01):
        ctx.slope = negative_slope
        ctx.save_for_backward(a)
        return np.where(a > 0, a, a * negative_slope)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return np.where(a > 0, g, g * ctx.slope)


class Elu(Primitive):
    symbol = "ELU"

    @staticmethod
    def forward(ctx, a, alpha=1.0):
        ctx.alpha = alpha
        ctx.save_for_backward(a)
        return np.where(a > 0, a, np.expm1(np.minimum(a, 0)) * alpha)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        # the slope at 0 is alpha (PyTorch's x <= 0 branch); exp only of the non-positive side
        return np.where(a > 0, g, g * (np.exp(np.where(a > 0, 0.0, a)) * ctx.alpha))


def _normal_cdf(x):
    """Phi(x) on arrays, or recorded on Tensors (create_graph), where erf is our Erf op."""
    if isinstance(x, Tensor):
        return (ew.erf(x * _INV_SQRT2) + 1) * 0.5
    return (np.asarray(erf_array(x * _INV_SQRT2), dtype=x.dtype) + 1) * 0.5


class Gelu(Primitive):
    """x * Phi(x), exact or with PyTorch's tanh approximation."""
    symbol = "GELU"

    @staticmethod
    def forward(ctx, a, approximate="none"):
        ctx.approximate = approximate
        ctx.save_for_backward(a)
        if approximate == "tanh":
            return a * 0.5 * (np.tanh((a + a * a * a * _GELU_CUBIC) * _SQRT_2_OVER_PI) + 1)
        return a * _normal_cdf(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        if ctx.approximate == "tanh":
            t = np.tanh((a + a * a * a * _GELU_CUBIC) * _SQRT_2_OVER_PI)
            slope = (t + 1) * 0.5 + a * 0.5 * (1 - t * t) * _SQRT_2_OVER_PI * (1 + a * a * (3 * _GELU_CUBIC))
        else:
            slope = _normal_cdf(a) + a * np.exp(a * a * -0.5) * _INV_SQRT_2PI
        return g * slope


def _sigmoid(x):
    return ew.sigmoid(x) if isinstance(x, Tensor) else np.exp(-np.logaddexp(0, -x))


class Silu(Primitive):
    symbol = "SiLU"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * _sigmoid(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        s = _sigmoid(a)
        return g * (s * (1 + a * (1 - s)))


class Softplus(Primitive):
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (as PyTorch)."""
    symbol = "softplus"

    @staticmethod
    def forward(ctx, a, beta=1.0, threshold=20.0):
        ctx.beta, ctx.threshold = beta, threshold
        ctx.save_for_backward(a)
        scaled = a * beta
        return np.where(scaled > threshold, a, np.logaddexp(0, scaled) / beta)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        scaled = a * ctx.beta
        return np.where(scaled > ctx.threshold, g, g * _sigmoid(scaled))


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return LeakyRelu.apply(x, negative_slope=negative_slope)


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    return Elu.apply(x, alpha=alpha)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x) with the exact normal CDF (approximate="tanh" for the tanh formula)."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return Gelu.apply(x, approximate=approximate)


def silu(x: Tensor) -> Tensor:
    return Silu.apply(x)


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return Softplus.apply(x, beta=beta, threshold=threshold)
