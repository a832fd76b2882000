"""softmax, log_softmax and logsumexp as single primitives, shifted by the maximum so no
logit overflows, each saving what PyTorch saves (the result; logsumexp also its input)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..shapes import normalize_axis
from ..function import Primitive
from ..tensor import Tensor
from .reduce import dim_and_keepdim, kept_shape

if TYPE_CHECKING:
    from ..tensor import Dims


def _shifted(a, axes):
    """a minus its maximum along axes (0 where that maximum is infinite): every exp is <= 1."""
    peak = np.amax(a, axis=axes, keepdims=True)
    return a - np.where(np.isfinite(peak), peak, 0), peak


class Logsumexp(Primitive):
    symbol = "LSE"

    @staticmethod
    def forward(ctx, a, axes=(), keepdims=False):
        ctx.kept = kept_shape(a.shape, axes)
        shifted, peak = _shifted(a, axes)
        ctx.peak = np.where(np.isfinite(peak), peak, 0)
        ctx.log_total = np.log(np.sum(np.exp(shifted), axis=axes, keepdims=True))
        out = ctx.log_total + ctx.peak
        out = out if keepdims else out.reshape([n for i, n in enumerate(a.shape) if i not in axes])
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        if isinstance(a, Tensor):  # create_graph: PyTorch's rule, differentiable in a and out
            return g.reshape(ctx.kept) * np.exp(a - out.reshape(ctx.kept))
        # exp(a - out) would lose the digits that out = 1e6 + log(n) rounded away; this keeps them
        return g.reshape(ctx.kept) * np.exp((a - ctx.peak) - ctx.log_total)


class Softmax(Primitive):
    symbol = "softmax"

    @staticmethod
    def forward(ctx, a, axis=-1):
        ctx.axis = axis
        exps = np.exp(_shifted(a, axis)[0])
        out = exps / np.sum(exps, axis=axis, keepdims=True)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return out * (g - np.sum(g * out, axis=ctx.axis, keepdims=True))


class LogSoftmax(Primitive):
    """x - logsumexp(x), computed from x - max(x): equal logits of any size give exactly -log n."""
    symbol = "lsoftmax"

    @staticmethod
    def forward(ctx, a, axis=-1):
        ctx.axis = axis
        shifted = _shifted(a, axis)[0]
        out = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g - np.exp(out) * np.sum(g, axis=ctx.axis, keepdims=True)


def logsumexp(x: Tensor, dim: Dims = None, keepdim: bool = False, **aliases: Any) -> Tensor:
    """log(sum(exp(x))) along dim, shifted by the maximum so it never overflows."""
    axes, keepdim = dim_and_keepdim(x, dim, keepdim, aliases, "logsumexp")
    return Logsumexp.apply(x, axes=axes, keepdims=keepdim)


def _along(x, dim, op):
    # a 0-d tensor is one slice of one element (PyTorch accepts dim 0 or -1 for it)
    return (x.reshape(1), 0) if x.ndim == 0 else (x, normalize_axis(dim, x.ndim, op))


def softmax(x: Tensor, dim: int) -> Tensor:
    """exp(x) / sum(exp(x)) along dim, computed stably."""
    values, axis = _along(x, dim, "softmax")
    out = Softmax.apply(values, axis=axis)
    return out.reshape(()) if x.ndim == 0 else out


def log_softmax(x: Tensor, dim: int) -> Tensor:
    """log(softmax(x)) along dim, stable for any finite logits."""
    values, axis = _along(x, dim, "log_softmax")
    out = LogSoftmax.apply(values, axis=axis)
    return out.reshape(()) if x.ndim == 0 else out
