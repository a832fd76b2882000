"""Reductions: sum, mean, amax/amin, prod, cumsum, var, std and the 2-norm are primitives;
max/min along a dim select with an index (SelectAlong, indexing.py); softmax and logsumexp
are in softmax.py."""
from __future__ import annotations

import builtins
import functools
import math
from collections import namedtuple
from typing import TYPE_CHECKING, Any

import numpy as np

from ..shapes import normalize_axes, normalize_axis
from ..function import Primitive
from ..tensor import Tensor
from . import elementwise as ew
from .elementwise import computed, raw
from .indexing import SelectAlong

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

    from ..tensor import Dims

MinMax = namedtuple("MinMax", ["values", "indices"])


def dim_and_keepdim(x, dim, keepdim, aliases, op):
    """A reduction's axes (normalized) and keepdim, from PyTorch's dim/keepdim or NumPy's
    axis/keepdims (accepted as aliases)."""
    if "axis" in aliases:
        dim = aliases.pop("axis")
    if "keepdims" in aliases:
        keepdim = aliases.pop("keepdims")
    if aliases:
        raise TypeError(f"{op}: unexpected keyword arguments {sorted(aliases)}")
    return normalize_axes(dim, x.ndim, op), bool(keepdim)


def kept_shape(shape, axes):
    """`shape` with the reduced `axes` kept as 1s (what keepdim=True gives)."""
    kept = list(shape)
    for axis in axes:
        kept[axis] = 1
    return tuple(kept)


_SMALL = 1 << 15  # elements: below this a filled copy is cheaper than np.broadcast_to's Python-level checks


def _expand_back(g, ctx):
    """A reduced gradient, reshaped to keep the reduced dims and broadcast to the input."""
    g = g.reshape(ctx.kept)
    if not isinstance(g, Tensor) and math.prod(ctx.shape) <= _SMALL:
        expanded = np.empty(ctx.shape, g.dtype)
        if type(g) is np.ndarray:
            expanded[...] = g
            return expanded
        # ag.compile's stand-in for an array: the same fill as the identity ufunc it can follow (+x keeps every bit)
        return np.positive(g, out=expanded)
    return np.broadcast_to(g, ctx.shape)


class Sum(Primitive):
    symbol = "Σ"

    @staticmethod
    def forward(ctx, a, axes=(), keepdims=False, dtype=None):
        ctx.shape, ctx.kept = a.shape, kept_shape(a.shape, axes)
        return np.add.reduce(a, axis=axes, keepdims=keepdims, dtype=dtype)

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g, ctx)


class Mean(Primitive):
    """Sum divided by the count, as one node (PyTorch's mean is one op too)."""
    symbol = "mean"

    @staticmethod
    def forward(ctx, a, axes=(), keepdims=False):
        ctx.count = math.prod([a.shape[axis] for axis in axes])
        return Sum.forward(ctx, a, axes, keepdims) / ctx.count

    @staticmethod
    def backward(ctx, g):
        return Sum.backward(ctx, g / ctx.count)


class Amax(Primitive):
    """Largest value; the gradient is shared evenly between tied maxima (as torch.amax)."""
    _reduce = staticmethod(np.amax)
    symbol = "max"

    @classmethod
    def forward(cls, ctx, a, axes=(), keepdims=False):
        ctx.shape, ctx.kept, ctx.axes = a.shape, kept_shape(a.shape, axes), axes
        out = cls._reduce(a, axis=axes, keepdims=keepdims)
        ctx.save_for_backward(a, out)  # what PyTorch saves: changing either in place raises there too
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        hits = np.asarray(raw(a) == raw(out).reshape(ctx.kept))
        share = (hits / hits.sum(axis=ctx.axes, keepdims=True)).astype(raw(g).dtype)
        return _expand_back(g, ctx) * share  # multiplied, as PyTorch: an inf gradient gives NaN beside the maximum


class Amin(Amax):
    _reduce = staticmethod(np.amin)
    symbol = "min"


class Prod(Primitive):
    symbol = "Π"

    @staticmethod
    def forward(ctx, a, axes=(), keepdims=False):
        ctx.shape, ctx.kept, ctx.axes = a.shape, kept_shape(a.shape, axes), axes
        out = np.prod(a, axis=axes, keepdims=keepdims)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        g, out = _expand_back(g, ctx), _expand_back(out, ctx)
        zero = np.asarray(a == 0)
        if not zero.any():
            return g * out / a
        # With zeros: d/da_i = the product of the others. For a zero a_i that is the product of
        # the non-zeros times that of the other zeros: 1 beside a sole zero, the other zero of a
        # pair (written as the pair's sum minus a_i, so the mixed second derivative is right
        # under create_graph), 0 with three or more.
        zeros_in_slice = zero.sum(axis=ctx.axes, keepdims=True)
        safe = np.where(zero, 1, a)
        nonzeros = np.broadcast_to(np.prod(safe, axis=ctx.axes, keepdims=True), ctx.shape)
        pair_sum = np.sum(np.where(zero, a, 0), axis=ctx.axes, keepdims=True)
        other_zeros = np.where(zeros_in_slice == 1, 1, np.where(zeros_in_slice == 2, pair_sum - a, 0))
        return g * np.where(zero, nonzeros * other_zeros, out / safe)


class Cumsum(Primitive):
    symbol = "cumsum"

    @staticmethod
    def forward(ctx, a, axis=0):
        ctx.axis = axis
        return np.cumsum(a, axis=axis)

    @staticmethod
    def backward(ctx, g):
        return np.flip(np.cumsum(np.flip(g, ctx.axis), axis=ctx.axis), ctx.axis)


class Var(Primitive):
    """Variance with Bessel's `correction`; float32 is accumulated in float64, as PyTorch does,
    so values near 1e30 still have a finite std."""
    symbol = "var"

    @staticmethod
    def forward(ctx, a, axes=(), correction=1, keepdims=False):
        ctx.shape, ctx.kept, ctx.axes = a.shape, kept_shape(a.shape, axes), axes
        ctx.divisor = _divisor(a.shape, axes, correction)
        ctx.save_for_backward(a)
        return _variance(a, axes, ctx.divisor, keepdims).astype(a.dtype)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return _variance_backward(_expand_back(g, ctx), a, ctx)


class Std(Primitive):
    """sqrt(var); its gradient where the std is 0 (constant values) is 0, as PyTorch's, not NaN."""
    symbol = "std"

    @staticmethod
    def forward(ctx, a, axes=(), correction=1, keepdims=False):
        ctx.shape, ctx.kept, ctx.axes = a.shape, kept_shape(a.shape, axes), axes
        ctx.divisor = _divisor(a.shape, axes, correction)
        out = np.sqrt(_variance(a, axes, ctx.divisor, keepdims)).astype(a.dtype)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        out = _expand_back(out, ctx)
        zero = np.asarray(raw(out) == 0)
        per_variance = np.where(zero, 0, _expand_back(g, ctx) / (np.where(zero, 1, out) * 2))
        return _variance_backward(per_variance, a, ctx)


def _divisor(shape, axes, correction):
    return builtins.max(int(np.prod([shape[i] for i in axes])) - correction, 0)


def _variance(a, axes, divisor, keepdims):
    """In float64 for float32 input (the caller casts back, after the sqrt for std)."""
    wide = np.float64 if a.dtype == np.float32 else a.dtype
    centered = a - np.mean(a, axis=axes, keepdims=True, dtype=wide)
    with np.errstate(divide="ignore", invalid="ignore"):  # too few values: inf or nan, as PyTorch
        return np.sum(centered * centered, axis=axes, keepdims=keepdims) / divisor


def _variance_backward(g, a, ctx):
    """PyTorch's var_backward, in its order: (2 / divisor) * g * (a - mean)."""
    scale = 2 / ctx.divisor if ctx.divisor else math.inf
    return scale * g * (a - np.mean(a, axis=ctx.axes, keepdims=True))


class Norm2(Primitive):
    """Euclidean norm; its gradient at the zero vector is 0 (as PyTorch), not NaN."""
    symbol = "‖·‖"

    @staticmethod
    def forward(ctx, a, axes=(), keepdims=False):
        ctx.shape, ctx.kept = a.shape, kept_shape(a.shape, axes)
        out = np.sqrt(np.sum(a * a, axis=axes, keepdims=keepdims))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        out = _expand_back(out, ctx)
        return _expand_back(g, ctx) * a / np.where(out == 0, 1, out)


# ---- the functions users call -----------------------------------------------------------

def sum(x: Tensor, dim: Dims = None, keepdim: bool = False, dtype: DTypeLike | None = None, **aliases: Any) -> Tensor:  # noqa: A001
    axes, keepdim = dim_and_keepdim(x, dim, keepdim, aliases, "sum")
    return Sum.apply(x, axes=axes, keepdims=keepdim, dtype=dtype)


def mean(x: Tensor, dim: Dims = None, keepdim: bool = False, **aliases: Any) -> Tensor:
    axes, keepdim = dim_and_keepdim(x, dim, keepdim, aliases, "mean")
    if x.dtype.kind not in "fc":
        raise TypeError(f"mean: needs a floating point tensor, got {x.dtype}; use x.float().mean()")
    return Mean.apply(x, axes=axes, keepdims=keepdim)


def var(x: Tensor, dim: Dims = None, keepdim: bool = False, correction: int = 1, unbiased: bool | None = None,
        **aliases: Any) -> Tensor:
    axes, keepdim = dim_and_keepdim(x, dim, keepdim, aliases, "var")
    return Var.apply(x, axes=axes, correction=_correction(correction, unbiased), keepdims=keepdim)


def std(x: Tensor, dim: Dims = None, keepdim: bool = False, correction: int = 1, unbiased: bool | None = None,
        **aliases: Any) -> Tensor:
    axes, keepdim = dim_and_keepdim(x, dim, keepdim, aliases, "std")
    return Std.apply(x, axes=axes, correction=_correction(correction, unbiased), keepdims=keepdim)


def _correction(correction, unbiased):
    return int(unbiased) if unbiased is not None else correction


def prod(x: Tensor, dim: Dims = None, keepdim: bool = False, **aliases: Any) -> Tensor:
    axes, keepdim = dim_and_keepdim(x, dim, keepdim, aliases, "prod")
    return Prod.apply(x, axes=axes, keepdims=keepdim)


def amax(x: Tensor, dim: Dims = None, keepdim: bool = False, **aliases: Any) -> Tensor:
    axes, keepdim = dim_and_keepdim(x, dim, keepdim, aliases, "amax")
    _check_nonempty(x, "amax")
    return Amax.apply(x, axes=axes, keepdims=keepdim)


def amin(x: Tensor, dim: Dims = None, keepdim: bool = False, **aliases: Any) -> Tensor:
    axes, keepdim = dim_and_keepdim(x, dim, keepdim, aliases, "amin")
    _check_nonempty(x, "amin")
    return Amin.apply(x, axes=axes, keepdims=keepdim)


def _check_nonempty(x, op):
    if x.numel() == 0:
        raise RuntimeError(f"{op}: the tensor is empty (shape {tuple(x.shape)}); there is no value to return")


def _select_extreme(x, dim, keepdim, aliases, pick, extreme, op):
    if isinstance(dim, Tensor):
        return extreme(x, dim)
    if dim is None and "axis" not in aliases:
        return (amax if pick is np.argmax else amin)(x)
    axes, keepdim = dim_and_keepdim(x, dim, keepdim, aliases, op)
    _check_nonempty(x, op)
    axis = axes[0]
    indices = computed(functools.partial(pick, axis=axis, keepdims=True), x)
    values = SelectAlong.apply(x, axis=axis, index=indices._data, keepdims=keepdim)
    return MinMax(values, indices if keepdim else computed(functools.partial(np.squeeze, axis=axis), indices))


def max(x: Tensor, dim: Dims | Tensor = None, keepdim: bool = False, **aliases: Any) -> Tensor | MinMax:  # noqa: A001
    """max(x) is the largest value; max(x, dim) gives (values, indices); max(x, other) is maximum."""
    return _select_extreme(x, dim, keepdim, aliases, np.argmax, ew.maximum, "max")


def min(x: Tensor, dim: Dims | Tensor = None, keepdim: bool = False, **aliases: Any) -> Tensor | MinMax:  # noqa: A001
    return _select_extreme(x, dim, keepdim, aliases, np.argmin, ew.minimum, "min")


def _arg(x, dim, keepdim, aliases, pick):
    if "axis" in aliases:
        dim = aliases.pop("axis")
    keepdim = aliases.pop("keepdims", keepdim)
    if dim is None:
        return computed(pick, x)
    axis = normalize_axis(dim, x.ndim, pick.__name__)
    return computed(functools.partial(pick, axis=axis, keepdims=keepdim), x)


def argmax(x: Tensor, dim: int | None = None, keepdim: bool = False, **aliases: Any) -> Tensor:
    return _arg(x, dim, keepdim, aliases, np.argmax)


def argmin(x: Tensor, dim: int | None = None, keepdim: bool = False, **aliases: Any) -> Tensor:
    return _arg(x, dim, keepdim, aliases, np.argmin)


def all(x: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    return computed(functools.partial(np.all, axis=dim, keepdims=keepdim), x)


def any(x: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    return computed(functools.partial(np.any, axis=dim, keepdims=keepdim), x)


def cumsum(x: Tensor, dim: int | None = None, **aliases: Any) -> Tensor:
    dim = aliases.pop("axis", dim)
    if dim is None:
        raise TypeError("cumsum: the dim argument is required (as in PyTorch)")
    return Cumsum.apply(x, axis=normalize_axis(dim, x.ndim, "cumsum"))


def norm(x: Tensor, p: float | str = "fro", dim: Dims = None, keepdim: bool = False, **aliases: Any) -> Tensor:
    """Vector norm over dim (all elements by default): p = 2/'fro', 1, inf, -inf, 0 or any float."""
    axes, keepdim = dim_and_keepdim(x, dim, keepdim, aliases, "norm")
    if p in ("fro", 2, 2.0):
        return Norm2.apply(x, axes=axes, keepdims=keepdim)
    if p == 1:
        return sum(ew.abs(x), axes, keepdim)
    if p == float("inf"):
        return amax(ew.abs(x), axes, keepdim)
    if p == float("-inf"):
        return amin(ew.abs(x), axes, keepdim)
    if p == 0:
        return Tensor._make(np.asarray(np.sum(x._data != 0, axis=axes, keepdims=keepdim), dtype=x.dtype))
    if isinstance(p, str):
        raise ValueError(f"norm: unsupported norm type {p!r}; use 'fro', or a number p")
    return sum(ew.abs(x) ** p, axes, keepdim) ** (1.0 / p)


def var_mean(x: Tensor, dim: Dims = None, keepdim: bool = False, correction: int = 1, unbiased: bool | None = None,
             **aliases: Any) -> tuple[Tensor, Tensor]:
    """(var, mean) over dim, as one call (PyTorch returns a plain tuple)."""
    return var(x, dim, keepdim, correction, unbiased, **aliases), mean(x, dim, keepdim, **aliases)


def std_mean(x: Tensor, dim: Dims = None, keepdim: bool = False, correction: int = 1, unbiased: bool | None = None,
             **aliases: Any) -> tuple[Tensor, Tensor]:
    """(std, mean) over dim."""
    return std(x, dim, keepdim, correction, unbiased, **aliases), mean(x, dim, keepdim, **aliases)


def count_nonzero(x: Tensor, dim: Dims = None) -> Tensor:
    """How many elements are not zero, over dim (all by default): int64, no gradient."""
    axes = normalize_axes(dim, x.ndim, "count_nonzero")
    return Tensor._make(np.asarray(np.count_nonzero(x._data, axis=axes), dtype=np.int64))
