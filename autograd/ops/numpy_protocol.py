"""NumPy's dispatch protocols on Tensor: np.exp(t), np.where(c, t, 0), np.sum(t, axis=...)
and friends run our differentiable ops. This is what lets one gradient rule, written with
NumPy functions, run on arrays (fast) and on Tensors (under create_graph)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import comparison as cmp
from . import cumulative as cu
from . import elementwise as ew
from . import linalg as la
from . import reduce as rd
from . import shape as sh
from . import solvers as sv
from . import transcendental as tr


def _axis_first(fn):
    """Adapts NumPy's (x, axis=..., keepdims=...) reductions to our (x, dim, keepdim)."""
    def call(x, axis=None, dtype=None, out=None, keepdims=False, **_):
        return fn(x, axis, keepdims)
    return call


def _creation(make):
    def call(prototype, dtype=None, *args, **kwargs):
        from ..creation import full_like
        return full_like(prototype, make, dtype=dtype)
    return call


UFUNCS: dict[np.ufunc, Callable[..., Any]] = {
    np.add: ew.add, np.subtract: ew.sub, np.multiply: ew.mul, np.true_divide: ew.div,
    np.power: ew.pow, np.negative: ew.neg, np.exp: ew.exp, np.log: ew.log, np.log1p: ew.log1p,
    np.expm1: ew.expm1, np.sqrt: ew.sqrt, np.absolute: ew.abs, np.sign: ew.sign, np.sin: ew.sin,
    np.cos: ew.cos, np.tanh: ew.tanh, np.maximum: ew.maximum, np.minimum: ew.minimum,
    np.matmul: la.matmul, np.square: ew.square,
    np.equal: cmp.eq, np.not_equal: cmp.ne, np.less: cmp.lt, np.less_equal: cmp.le,
    np.greater: cmp.gt, np.greater_equal: cmp.ge, np.isnan: cmp.isnan, np.isfinite: cmp.isfinite,
    np.isinf: cmp.isinf, np.logical_not: cmp.logical_not, np.logical_and: cmp.logical_and,
    np.logical_or: cmp.logical_or, np.logical_xor: cmp.logical_xor,
    np.bitwise_and: cmp.logical_and, np.bitwise_or: cmp.logical_or, np.invert: cmp.logical_not,
    np.sinh: tr.sinh, np.cosh: tr.cosh, np.arcsin: tr.asin, np.arccos: tr.acos, np.arctan: tr.atan,
    np.arctan2: tr.atan2, np.hypot: tr.hypot, np.log2: tr.log2, np.log10: tr.log10, np.exp2: tr.exp2,
    np.trunc: cmp.trunc, np.floor_divide: cmp.floor_divide, np.remainder: cmp.remainder, np.floor: cmp.floor, np.ceil: cmp.ceil,
}

FUNCTIONS: dict[Callable[..., Any], Callable[..., Any]] = {
    np.sum: _axis_first(rd.sum), np.mean: _axis_first(rd.mean), np.prod: _axis_first(rd.prod),
    np.amax: _axis_first(rd.amax), np.amin: _axis_first(rd.amin),
    np.max: _axis_first(rd.amax), np.min: _axis_first(rd.amin),
    np.cumsum: lambda x, axis=None, **_: rd.cumsum(x, axis),
    np.cumprod: lambda x, axis=None, **_: cu.cumprod(x, axis),
    np.where: ew.where, np.clip: lambda x, a_min=None, a_max=None, **_: ew.clamp(x, a_min, a_max),
    np.broadcast_to: lambda x, shape, **_: sh.broadcast_to(x, shape),
    np.reshape: lambda x, shape=None, **kw: sh.reshape(x, shape if shape is not None else kw["newshape"]),
    np.transpose: lambda x, axes=None: sh.permute(x, axes if axes is not None else tuple(range(x.ndim))[::-1]),
    np.swapaxes: sh.swapaxes, np.moveaxis: sh.moveaxis, np.expand_dims: sh.expand_dims,
    np.squeeze: lambda x, axis=None: sh.squeeze(x, axis),
    np.flip: lambda x, axis=None: sh.flip(x, axis if axis is not None else tuple(range(x.ndim))),
    np.roll: lambda x, shift, axis=None: sh.roll(x, shift, axis),
    np.concatenate: lambda arrays, axis=0, **_: sh.cat(arrays, axis),
    np.stack: lambda arrays, axis=0, **_: sh.stack(arrays, axis),
    np.tril: lambda x, k=0: sh.tril(x, k), np.triu: lambda x, k=0: sh.triu(x, k),
    np.einsum: la.einsum, np.outer: la.outer, np.dot: la.matmul,
    np.linalg.solve: sv.solve_matrices, np.linalg.inv: sv.inv,
    np.zeros_like: _creation(0), np.ones_like: _creation(1),
}
