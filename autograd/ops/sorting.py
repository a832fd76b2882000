"""Sorting and selection: sort, argsort, topk, kthvalue, msort, median, mode and quantile, whose
values are picked along a dim by an index (SelectAlong, indexing.py: the gradient is scattered
back to the picked positions); and unique, searchsorted, bucketize and bincount (no gradient).

Ties: every order here is NumPy's stable sort, with NaN after every number (as PyTorch). That is
PyTorch's order for sort(stable=True), and for stable=False on up to 16 elements; past that
PyTorch's unstable sort, topk and kthvalue may name another of the tied positions (the values
are the same), and that position is the one their gradient reaches.
"""
from __future__ import annotations

import functools
from collections import namedtuple
from typing import TYPE_CHECKING, Literal

import numpy as np

from ..shapes import ShapeError, normalize_axis
from ..tensor import Tensor
from .elementwise import computed
from .indexing import SelectAlong, gather
from .reduce import Amax
from .shape import moveaxis, unsqueeze

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

# PyTorch's torch.return_types: tuples whose fields are values and indices
SortResult = namedtuple("SortResult", ["values", "indices"])
TopKResult = namedtuple("TopKResult", ["values", "indices"])
KthValueResult = namedtuple("KthValueResult", ["values", "indices"])
MedianResult = namedtuple("MedianResult", ["values", "indices"])
ModeResult = namedtuple("ModeResult", ["values", "indices"])


class Sort(SelectAlong):
    symbol = "sort"


class TopK(SelectAlong):
    symbol = "topk"


class KthValue(SelectAlong):
    symbol = "kth"


class MedianAlong(SelectAlong):
    symbol = "median"


class ModeAlong(SelectAlong):
    symbol = "mode"


def _order(a: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """The stable sorting permutation along `axis`; descending keeps tied values in their
    original order too (sorting the reversed array ascending, then reversing back), and puts NaN first."""
    if not descending:
        return np.argsort(a, axis=axis, kind="stable")
    reversed_order = np.argsort(np.flip(a, axis), axis=axis, kind="stable")
    return a.shape[axis] - 1 - np.flip(reversed_order, axis)


def _axis(x: Tensor, dim: int, op: str) -> int:
    return normalize_axis(dim, x.ndim, op)


def _picked(cls, x, axis, index_of, keepdim, result):
    """(values, indices) of the elements `index_of(x's array)` names along `axis` (in keepdim
    shape). The indices are no-gradient results NumPy computes from the values: `computed`, so
    that ag.compile records them."""
    index = computed(index_of, x)
    values = cls.apply(x, axis=axis, index=index._data, keepdims=keepdim)
    return result(values, computed(functools.partial(_as_indices, axis=axis, keepdim=keepdim), index))


def _as_indices(index, axis, keepdim):
    return (index if keepdim else np.squeeze(index, axis)).astype(np.int64, copy=False)


def _flat(x: Tensor):
    """A 0-d tensor as a 1-element vector (PyTorch sorts and selects along dim 0 or -1 of a scalar)."""
    return x.reshape(1) if x.ndim == 0 else x


def sort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> SortResult:
    """Sorted values along `dim` and the indices they came from; always a stable sort (see the module docstring)."""
    if x.ndim == 0:
        values, indices = sort(x.reshape(1), 0, descending)
        return SortResult(values.reshape(()), indices.reshape(()))
    axis = _axis(x, dim, "sort")
    return _picked(Sort, x, axis, functools.partial(_order, axis=axis, descending=descending), True, SortResult)


def argsort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    return sort(x, dim, descending, stable).indices


def msort(x: Tensor) -> Tensor:
    return sort(x, 0).values


def topk(x: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> TopKResult:  # noqa: A002
    """The k largest (or smallest) values along `dim`, in order, and their indices."""
    flat = _flat(x)
    axis = _axis(flat, dim, "topk")
    size = flat.shape[axis]
    if not 0 <= k <= size:
        raise RuntimeError(f"topk: k={k} is out of range for dimension {axis} of size {size} "
                           f"(input shape {tuple(x.shape)}); k must be in [0, {size}]")
    values, indices = _picked(TopK, flat, axis, functools.partial(_first, axis=axis, largest=largest, k=k), True,
                              TopKResult)
    return TopKResult(values, indices) if x.ndim else TopKResult(values.reshape(()), indices.reshape(()))


def _first(a, axis, largest, k):
    """The positions of the k largest (or smallest) elements along `axis`, in order."""
    return _order(a, axis, largest)[(slice(None),) * axis + (slice(0, k),)]


def _of_rank(a, axis, rank, nan_first):
    """The position of the element of `rank` along `axis` (keepdim shape); with nan_first, of the
    first NaN in a slice holding one (the median of such a slice is NaN)."""
    index = np.take(_order(a, axis, False), [rank], axis=axis)
    if nan_first:
        nans = np.isnan(a)
        index = np.where(nans.any(axis, keepdims=True), np.argmax(nans, axis, keepdims=True), index)
    return index


def _select_rank(cls, result, x, rank_of, dim, keepdim, op):
    """(values, indices) of the element of rank rank_of(size) (0-based, ascending) along `dim`."""
    flat = _flat(x)
    axis = _axis(flat, dim, op)
    nan_first = op == "median" and flat._data.dtype.kind == "f"
    index_of = functools.partial(_of_rank, axis=axis, rank=rank_of(flat.shape[axis]), nan_first=nan_first)
    values, indices = _picked(cls, flat, axis, index_of, keepdim or x.ndim == 0, result)
    return result(values.reshape(()), indices.reshape(())) if x.ndim == 0 else result(values, indices)


def kthvalue(x: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> KthValueResult:
    """The k-th smallest value along `dim` (k from 1) and its index."""
    def rank(size):
        if not 1 <= k <= size:
            raise RuntimeError(f"kthvalue: k={k} is out of range for dimension {dim} of size {size} "
                               f"(input shape {tuple(x.shape)}); k must be in [1, {size}]")
        return k - 1
    return _select_rank(KthValue, KthValueResult, x, rank, dim, keepdim, "kthvalue")


def _lower_median(a, axis=(), keepdims=False):
    """The lower median of all of `a` (NaN if any element is), as np.amax's signature has it."""
    middle = np.nan if a.dtype.kind == "f" and np.isnan(a).any() else np.sort(a, axis=None)[(a.size - 1) // 2]
    return np.full((1,) * a.ndim if keepdims else (), middle, dtype=a.dtype)


class Median(Amax):
    """The lower median of all elements; its gradient is shared evenly by the elements equal to
    it (as PyTorch's median() without a dim)."""
    _reduce = staticmethod(_lower_median)
    symbol = "median"


def median(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor | MedianResult:
    """median(x): the lower median of all elements; median(x, dim): (values, indices) along dim."""
    if dim is None:
        if x.numel() == 0:
            return Tensor._make(np.array(np.nan, dtype=x.dtype))
        return Median.apply(x, axes=tuple(range(x.ndim)), keepdims=False)
    return _select_rank(MedianAlong, MedianResult, x, lambda size: (size - 1) // 2, dim, keepdim, "median")


def mode(x: Tensor, dim: int = -1, keepdim: bool = False) -> ModeResult:
    """The most frequent value along `dim` (the smallest of equally frequent ones) and the index
    of its last occurrence (PyTorch's choice on up to 16 elements)."""
    flat = _flat(x)
    axis = _axis(flat, dim, "mode")
    index_of = functools.partial(_of_mode, axis=axis)
    values, indices = _picked(ModeAlong, flat, axis, index_of, keepdim or x.ndim == 0, ModeResult)
    return ModeResult(values.reshape(()), indices.reshape(())) if x.ndim == 0 else ModeResult(values, indices)


def _of_mode(a, axis):
    """The position of the last occurrence of the most frequent (then smallest) value along `axis`."""
    a = np.moveaxis(a, axis, -1)
    n = a.shape[-1]
    order = np.argsort(a, axis=-1, kind="stable")
    ordered = np.take_along_axis(a, order, -1)
    starts = np.ones(ordered.shape, dtype=bool)
    starts[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
    run_start = np.maximum.accumulate(np.where(starts, np.arange(n), 0), axis=-1)
    best = np.argmax(np.arange(n) - run_start, axis=-1)[..., None]  # the end of the first longest run
    return np.moveaxis(np.take_along_axis(order, best, -1), -1, axis)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def quantile(x: Tensor, q: float | Tensor | ArrayLike, dim: int | None = None, keepdim: bool = False,
             interpolation: str = "linear") -> Tensor:
    """The q-th quantiles along `dim` (of all elements if None), interpolated between the sorted
    values around rank q * (n - 1); a 1-D q adds a first dimension. Differentiable through the sort."""
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"quantile: interpolation must be one of {', '.join(_INTERPOLATIONS)}, got {interpolation!r}")
    if x.dtype.kind != "f":
        raise RuntimeError(f"quantile: input must be a float tensor, got {x.dtype}; use x.float()")
    qs = np.asarray(q._data if isinstance(q, Tensor) else q, dtype=np.float64)
    if qs.ndim > 1:
        raise ShapeError(f"quantile: q must be a number or a 1-D tensor, got shape {qs.shape}")
    if ((qs < 0) | (qs > 1)).any():
        raise RuntimeError(f"quantile: q values must be in the range [0, 1], got {qs.tolist()}")
    if x.numel() == 0:
        raise RuntimeError(f"quantile: the input is empty (shape {tuple(x.shape)})")
    source = x.reshape(-1) if dim is None else _flat(x)
    axis = 0 if dim is None else _axis(source, dim, "quantile")
    ordered = moveaxis(sort(source, axis).values, axis, -1)  # (..., n)
    n = ordered.shape[-1]
    ranks = np.broadcast_to(qs.reshape(-1) * (n - 1), ordered.shape[:-1] + (qs.size,))
    if x.dtype.kind == "f":  # a slice holding NaN has quantiles NaN (sorted last)
        ranks = np.where(np.isnan(ordered._data[..., -1:]), n - 1, ranks)
    if interpolation == "nearest":
        ranks = np.round(ranks)
    below, above = np.floor(ranks).astype(np.int64), np.ceil(ranks).astype(np.int64)
    if interpolation in ("lower", "nearest"):
        out = gather(ordered, -1, below)
    elif interpolation == "higher":
        out = gather(ordered, -1, above)
    else:
        weight = 0.5 if interpolation == "midpoint" else (ranks - below).astype(x.dtype)
        low = gather(ordered, -1, below)
        out = low + (gather(ordered, -1, above) - low) * weight
    out = moveaxis(out, -1, 0)  # (q, ...)
    if keepdim:
        out = out.reshape((qs.size,) + (1,) * x.ndim) if dim is None else unsqueeze(out, axis + 1)
    return out if qs.ndim else out.reshape(out.shape[1:])


# ---- no gradient: unique values, positions in sorted sequences, counts ----------------------------

def unique(x: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
           dim: int | None = None) -> Tensor | tuple[Tensor, ...]:
    """The distinct values (sorted), and optionally where each element went and how often each occurs."""
    axis = None if dim is None else _axis(x, dim, "unique")
    values, inverse, counts = np.unique(x._data, return_inverse=True, return_counts=True, axis=axis)
    if axis is None:
        inverse = inverse.reshape(x.shape)
    out = [Tensor._make(values)]
    if return_inverse:
        out.append(Tensor._make(inverse.reshape(-1 if axis is not None else x.shape).astype(np.int64)))
    if return_counts:
        out.append(Tensor._make(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def searchsorted(sorted_sequence: Tensor | ArrayLike, values: Tensor | ArrayLike | float, *, out_int32: bool = False,
                 right: bool = False, side: str | None = None, sorter: Tensor | ArrayLike | None = None) -> Tensor:
    """Where each value would go in the innermost dim of `sorted_sequence` to keep it sorted
    (the leading dims of a N-D sequence pair with those of `values`)."""
    sequence = np.asarray(sorted_sequence._data if isinstance(sorted_sequence, Tensor) else sorted_sequence)
    given = np.asarray(values._data if isinstance(values, Tensor) else values)
    if side is not None:
        if side not in ("left", "right") or (right and side == "left"):
            raise RuntimeError(f"searchsorted: side must be 'left' or 'right' and agree with right={right}, got {side!r}")
        right = side == "right"
    if sorter is not None:
        sequence = np.take_along_axis(sequence, np.asarray(sorter._data if isinstance(sorter, Tensor) else sorter), -1)
    which: Literal["left", "right"] = "right" if right else "left"
    if sequence.ndim <= 1:
        found = np.searchsorted(sequence, given, side=which)
    else:
        if given.ndim != sequence.ndim or given.shape[:-1] != sequence.shape[:-1]:
            raise ShapeError(f"searchsorted: the sorted sequence of shape {sequence.shape} and the values of shape "
                             f"{given.shape} must have the same leading dimensions (all but the last)")
        rows = sequence.reshape(-1, sequence.shape[-1])
        found = np.stack([np.searchsorted(r, v, side=which) for r, v in zip(rows, given.reshape(len(rows), -1))])
        found = found.reshape(given.shape)
    return Tensor._make(np.asarray(found, dtype=np.int32 if out_int32 else np.int64))


def bucketize(x: Tensor | float, boundaries: Tensor | ArrayLike, *, out_int32: bool = False,
              right: bool = False) -> Tensor:
    """The index of the bucket each element falls in: boundaries[i-1] < x <= boundaries[i] (right=False)."""
    bounds = np.asarray(boundaries._data if isinstance(boundaries, Tensor) else boundaries)
    if bounds.ndim != 1:
        raise ShapeError(f"bucketize: boundaries must be 1-D, got shape {bounds.shape}")
    return searchsorted(bounds, x, out_int32=out_int32, right=right)


def bincount(x: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each non-negative integer occurs in the 1-D `x` (summing `weights` instead if given)."""
    a = x._data
    if a.ndim != 1 or a.dtype.kind not in "iub":
        raise RuntimeError(f"bincount: input must be a 1-D integer tensor, got shape {a.shape} and dtype {a.dtype}")
    if a.size and a.min() < 0:
        raise RuntimeError(f"bincount: input must hold non-negative integers, got {a.min()}")
    if weights is None:
        return Tensor._make(np.bincount(a, minlength=minlength).astype(np.int64))
    w = weights._data if isinstance(weights, Tensor) else np.asarray(weights)
    if w.shape != a.shape:
        raise ShapeError(f"bincount: weights of shape {w.shape} must have the shape of the input {a.shape}")
    dtype = w.dtype if w.dtype.kind == "f" else np.float64
    return Tensor._make(np.bincount(a, weights=w, minlength=minlength).astype(dtype))
