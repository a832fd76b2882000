"""Cumulative products and log-sum-exps along a dim (cumsum is in reduce.py). Their gradients
where the simple formula fails (a zero in cumprod's input; the scale of logcumsumexp's terms)
are written as products and exponentials of differences over (position, later position) pairs:
exact everywhere and differentiable again, at O(n^2) memory along the dim."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..function import Primitive
from ..shapes import normalize_axis
from ..tensor import Tensor
from .elementwise import raw

if TYPE_CHECKING:
    from numpy.typing import DTypeLike


def _later(n):
    """(k, j) -> whether position j comes at or after position k."""
    return np.triu(np.ones((n, n), dtype=bool))


class Cumprod(Primitive):
    symbol = "cumprod"

    @staticmethod
    def forward(ctx, a, axis=0):
        ctx.axis = axis
        out = np.cumprod(a, axis=axis)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        axis = ctx.axis
        if not (raw(a) == 0).any():  # d out_j / d a_k = out_j / a_k for j >= k
            return np.flip(np.cumsum(np.flip(g * out, axis), axis=axis), axis) / a
        # With zeros: d out_j / d a_k is the product of a_i for i <= j, i != k: the cumulative
        # products of `a` with a_k replaced by 1, one row per k.
        along = np.moveaxis(a, axis, -1)
        n = along.shape[-1]
        rows = np.cumprod(np.where(np.eye(n, dtype=bool), 1, np.expand_dims(along, -2)), axis=-1)
        weighted = rows * np.expand_dims(np.moveaxis(g, axis, -1), -2)
        return np.moveaxis(np.sum(np.where(_later(n), weighted, 0), axis=-1), -1, axis)


class LogCumSumExp(Primitive):
    symbol = "logcsexp"

    @staticmethod
    def forward(ctx, a, axis=0):
        ctx.axis = axis
        out = np.logaddexp.accumulate(a, axis=axis)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        # d out_j / d a_k = exp(a_k - out_j) for j >= k, at most 1: no overflow whatever the scale
        a, out = ctx.saved_tensors
        axis = ctx.axis
        along, totals = np.moveaxis(a, axis, -1), np.moveaxis(out, axis, -1)
        later = _later(along.shape[-1])
        weights = np.exp(np.where(later, np.expand_dims(along, -1) - np.expand_dims(totals, -2), -np.inf))
        weighted = weights * np.expand_dims(np.moveaxis(g, axis, -1), -2)
        return np.moveaxis(np.sum(weighted, axis=-1), -1, axis)


def cumprod(x: Tensor, dim: int, *, dtype: DTypeLike | None = None) -> Tensor:
    """Cumulative products along `dim`; the gradient is exact where the input holds zeros."""
    if dtype is not None:
        x = x.to(dtype)
    return Cumprod.apply(x, axis=normalize_axis(dim, x.ndim, "cumprod"))


def logcumsumexp(x: Tensor, dim: int) -> Tensor:
    """log(cumsum(exp(x))) along `dim`, without overflow."""
    if x.dtype.kind != "f":
        raise RuntimeError(f"logcumsumexp: needs a floating point tensor, got {x.dtype}; use x.float()")
    return LogCumSumExp.apply(x, axis=normalize_axis(dim, x.ndim, "logcumsumexp"))
