"""Tensor: a NumPy array with a gradient, a graph node and a version counter.

What a Tensor holds, and its methods that need no op, are TensorBase (tensor_base.py). Every
operator here is a one-line delegation to the functions in autograd/ops; the math lives there,
next to its gradient rule.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import dtypes
from .tensor_base import TensorBase

if TYPE_CHECKING:
    # Tensor has methods named int, float and bool: inside the class these names mean the methods
    from builtins import bool as _bool, float as _float, int as _int
    from collections.abc import Callable, Iterator, Sequence
    from typing import TypeAlias

    from numpy.typing import ArrayLike, DTypeLike

    from .linalg import SlogdetResult
    from .random import Generator

    # What an op takes besides Tensors: arrays and (NumPy or Python) numbers.
    Operand: TypeAlias = "Tensor | np.ndarray | np.number | np.bool_ | complex"
    # A reduction's dims: one, several, or None for all of them.
    Dims: TypeAlias = "int | tuple[int, ...] | None"
    # A shape given as PyTorch takes it: reshape(2, 3), reshape((2, 3)) or reshape([2, 3]).
    ShapeArg: TypeAlias = "int | Sequence[int]"


class Tensor(TensorBase):
    """An n-dimensional array that records the operations applied to it.

    Example:
        >>> import autograd as ag
        >>> x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([2., 4., 6.])
    """

    __slots__ = ()  # TensorBase holds the slots
    __hash__ = object.__hash__  # (a class that defines __eq__ must say so again)
    __array_priority__ = 1000


    @classmethod
    def _make(cls, array: np.ndarray, requires_grad: _bool = False) -> Tensor:
        """Wraps an ndarray without copying or checks (the hot path of every op)."""
        t = object.__new__(Tensor)
        t._data = array
        t._requires_grad = requires_grad
        t.grad = None
        t.grad_fn = None
        t._vc = None  # the version counter, made when first needed
        t._aux = None
        return t







    # ---- attributes -----------------------------------------------------------------------













    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))



    @property
    def T(self) -> Tensor:
        return reverse_dims(self)

    @property
    def mT(self) -> Tensor:
        return swapaxes(self, -1, -2)

    # ---- conversion -----------------------------------------------------------------------









    def astype(self, dtype: DTypeLike) -> Tensor:
        return cast(self, dtype)

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """`.to(dtype)`, `.to("cpu")`, `.to(device)`, `.to(other_tensor)`; a no-op when nothing changes."""
        from .device import device as _device
        dtype = kwargs.pop("dtype", None)
        target = kwargs.pop("device", None)
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, (str, _device)):
                target = a
            else:
                dtype = a
        if target is not None:
            _device(target)  # raises a clear error for anything but the CPU
        if dtype is None or np.dtype(dtype) == self.dtype:
            return self
        return cast(self, np.dtype(dtype))

    def cpu(self) -> Tensor:
        return self

    def float(self) -> Tensor:
        return self.to(dtypes.float32)

    def double(self) -> Tensor:
        return self.to(dtypes.float64)

    def long(self) -> Tensor:
        return self.to(dtypes.int64)

    def int(self) -> Tensor:
        return self.to(dtypes.int32)

    def bool(self) -> Tensor:
        return self.to(dtypes.bool)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)

    def type(self, dtype: DTypeLike | None = None) -> Tensor | str:
        """`.type()` is PyTorch's type string ('torch.FloatTensor'); `.type(dtype or such a string)` converts."""
        return dtypes.type_name(self.dtype) if dtype is None else self.to(dtypes.from_type_name(dtype))

    def clone(self) -> Tensor:
        return clone(self)

    def contiguous(self) -> Tensor:
        """This tensor if its memory is in row-major order, else a row-major copy (PyTorch's rule)."""
        return self if self._data.flags.c_contiguous else clone(self)




    # ---- graph ----------------------------------------------------------------------------






    # ---- NumPy interoperability: rules written with NumPy functions work on Tensors -------
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        handler = _UFUNCS.get(ufunc)
        if method != "__call__" or handler is None or "out" in kwargs:
            return NotImplemented
        return handler(*inputs, **kwargs)

    def __array_function__(self, func: Callable[..., Any], types: Any, args: tuple[Any, ...],
                           kwargs: dict[str, Any]) -> Any:
        handler = _FUNCTIONS.get(func)
        if handler is not None:
            return handler(*args, **kwargs)
        # Like PyTorch tensors: any other NumPy function sees plain arrays.
        args = tuple(_plain(a) for a in args)
        kwargs = {k: _plain(v) for k, v in kwargs.items()}
        return func(*args, **kwargs)

    # ---- operators (one line each; the math lives in autograd/ops) ------------------------
    def __add__(self, other: Operand) -> Tensor: return add(self, other)
    def __radd__(self, other: Operand) -> Tensor: return add(other, self)
    def __sub__(self, other: Operand) -> Tensor: return sub(self, other)
    def __rsub__(self, other: Operand) -> Tensor: return sub(other, self)
    def __mul__(self, other: Operand) -> Tensor: return mul(self, other)
    def __rmul__(self, other: Operand) -> Tensor: return mul(other, self)
    def __truediv__(self, other: Operand) -> Tensor: return div(self, other)
    def __rtruediv__(self, other: Operand) -> Tensor:
        # number / t is reciprocal(t) * number, as in PyTorch (which saves the reciprocal, not t)
        return reciprocal(self) * other if isinstance(other, (int, float)) else div(other, self)
    def __floordiv__(self, other: Operand) -> Tensor: return floor_divide(self, other)
    def __rfloordiv__(self, other: Operand) -> Tensor: return floor_divide(other, self)
    def __mod__(self, other: Operand) -> Tensor: return remainder(self, other)
    def __pow__(self, other: Operand) -> Tensor: return pow(self, other)
    def __rpow__(self, other: Operand) -> Tensor: return pow(other, self)
    def __matmul__(self, other: Operand) -> Tensor: return matmul(self, other)
    def __rmatmul__(self, other: Operand) -> Tensor: return matmul(other, self)
    def __neg__(self) -> Tensor: return neg(self)
    def __pos__(self) -> Tensor: return self
    def __abs__(self) -> Tensor: return abs(self)
    def __invert__(self) -> Tensor: return logical_not(self)
    def __and__(self, other: Operand) -> Tensor: return logical_and(self, other)
    def __rand__(self, other: Operand) -> Tensor: return logical_and(other, self)
    def __or__(self, other: Operand) -> Tensor: return logical_or(self, other)
    def __ror__(self, other: Operand) -> Tensor: return logical_or(other, self)
    def __xor__(self, other: Operand) -> Tensor: return logical_xor(self, other)
    def __rxor__(self, other: Operand) -> Tensor: return logical_xor(other, self)
    def __eq__(self, other: Operand) -> Tensor: return eq(self, other)  # type: ignore[override]  # elementwise, as in PyTorch and NumPy
    def __ne__(self, other: Operand) -> Tensor: return ne(self, other)  # type: ignore[override]  # elementwise, as in PyTorch and NumPy
    def __lt__(self, other: Operand) -> Tensor: return lt(self, other)
    def __le__(self, other: Operand) -> Tensor: return le(self, other)
    def __gt__(self, other: Operand) -> Tensor: return gt(self, other)
    def __ge__(self, other: Operand) -> Tensor: return ge(self, other)
    def __getitem__(self, index: Any) -> Tensor: return getitem(self, index)
    def __setitem__(self, index: Any, value: Operand) -> None: setitem_(self, index, value)
    def __iadd__(self, other: Operand) -> Tensor: return add_(self, other)
    def __isub__(self, other: Operand) -> Tensor: return sub_(self, other)
    def __imul__(self, other: Operand) -> Tensor: return mul_(self, other)
    def __itruediv__(self, other: Operand) -> Tensor: return div_(self, other)

    # elementwise
    def add(self, other: Operand, alpha: _float = 1) -> Tensor: return add(self, other, alpha=alpha)
    def sub(self, other: Operand, alpha: _float = 1) -> Tensor: return sub(self, other, alpha=alpha)
    def mul(self, other: Operand) -> Tensor: return mul(self, other)
    def div(self, other: Operand) -> Tensor: return div(self, other)
    def pow(self, exponent: Operand) -> Tensor: return pow(self, exponent)
    def exp(self) -> Tensor: return exp(self)
    def log(self) -> Tensor: return log(self)
    def log1p(self) -> Tensor: return log1p(self)
    def expm1(self) -> Tensor: return expm1(self)
    def sqrt(self) -> Tensor: return sqrt(self)
    def rsqrt(self) -> Tensor: return rsqrt(self)
    def reciprocal(self) -> Tensor: return reciprocal(self)
    def abs(self) -> Tensor: return abs(self)
    def sign(self) -> Tensor: return sign(self)
    def sin(self) -> Tensor: return sin(self)
    def cos(self) -> Tensor: return cos(self)
    def tanh(self) -> Tensor: return tanh(self)
    def sigmoid(self) -> Tensor: return sigmoid(self)
    def relu(self) -> Tensor: return relu(self)
    def square(self) -> Tensor: return square(self)
    def clamp(self, min: Operand | None = None, max: Operand | None = None) -> Tensor: return clamp(self, min, max)
    def clip(self, min: Operand | None = None, max: Operand | None = None) -> Tensor: return clamp(self, min, max)
    def maximum(self, other: Operand) -> Tensor: return maximum(self, other)
    def minimum(self, other: Operand) -> Tensor: return minimum(self, other)
    def where(self, condition: Operand, other: Operand) -> Tensor: return where(condition, self, other)
    def masked_fill(self, mask: Operand, value: Operand) -> Tensor: return masked_fill(self, mask, value)
    def isnan(self) -> Tensor: return isnan(self)
    def isfinite(self) -> Tensor: return isfinite(self)
    def floor(self) -> Tensor: return floor(self)
    def ceil(self) -> Tensor: return ceil(self)
    def round(self, decimals: _int = 0) -> Tensor: return round(self, decimals)
    def trunc(self) -> Tensor: return trunc(self)
    def fix(self) -> Tensor: return trunc(self)
    def frac(self) -> Tensor: return frac(self)
    def nan_to_num(self, nan: _float = 0.0, posinf: _float | None = None, neginf: _float | None = None) -> Tensor:
        return nan_to_num(self, nan, posinf, neginf)
    def isinf(self) -> Tensor: return isinf(self)
    def logical_and(self, other: Operand) -> Tensor: return logical_and(self, other)
    def logical_or(self, other: Operand) -> Tensor: return logical_or(self, other)
    def logical_xor(self, other: Operand) -> Tensor: return logical_xor(self, other)
    def logical_not(self) -> Tensor: return logical_not(self)
    def isclose(self, other: Operand, rtol: _float = 1e-05, atol: _float = 1e-08, equal_nan: _bool = False) -> Tensor:
        return isclose(self, other, rtol, atol, equal_nan)
    def allclose(self, other: Operand, rtol: _float = 1e-05, atol: _float = 1e-08, equal_nan: _bool = False) -> _bool:
        return allclose(self, other, rtol, atol, equal_nan)
    def equal(self, other: Tensor) -> _bool: return equal(self, other)
    def clamp_min(self, min: Operand) -> Tensor: return clamp_min(self, min)
    def clamp_max(self, max: Operand) -> Tensor: return clamp_max(self, max)
    def lerp(self, end: Operand, weight: Operand) -> Tensor: return lerp(self, end, weight)
    def sinh(self) -> Tensor: return sinh(self)
    def cosh(self) -> Tensor: return cosh(self)
    def asin(self) -> Tensor: return asin(self)
    def acos(self) -> Tensor: return acos(self)
    def atan(self) -> Tensor: return atan(self)
    def arcsin(self) -> Tensor: return asin(self)
    def arccos(self) -> Tensor: return acos(self)
    def arctan(self) -> Tensor: return atan(self)
    def atan2(self, other: Operand) -> Tensor: return atan2(self, other)
    def arctan2(self, other: Operand) -> Tensor: return atan2(self, other)
    def hypot(self, other: Operand) -> Tensor: return hypot(self, other)
    def log2(self) -> Tensor: return log2(self)
    def log10(self) -> Tensor: return log10(self)
    def exp2(self) -> Tensor: return exp2(self)
    # reductions
    def sum(self, dim: Dims = None, keepdim: _bool = False, dtype: DTypeLike | None = None, **aliases: Any) -> Tensor:
        return sum(self, dim, keepdim, dtype=dtype, **aliases)
    def mean(self, dim: Dims = None, keepdim: _bool = False, **aliases: Any) -> Tensor: return mean(self, dim, keepdim, **aliases)
    def prod(self, dim: Dims = None, keepdim: _bool = False, **aliases: Any) -> Tensor: return prod(self, dim, keepdim, **aliases)
    def max(self, dim: Dims | Tensor = None, keepdim: _bool = False, **aliases: Any) -> Tensor | tuple[Tensor, Tensor]:
        return max(self, dim, keepdim, **aliases)
    def min(self, dim: Dims | Tensor = None, keepdim: _bool = False, **aliases: Any) -> Tensor | tuple[Tensor, Tensor]:
        return min(self, dim, keepdim, **aliases)
    def amax(self, dim: Dims = None, keepdim: _bool = False, **aliases: Any) -> Tensor: return amax(self, dim, keepdim, **aliases)
    def amin(self, dim: Dims = None, keepdim: _bool = False, **aliases: Any) -> Tensor: return amin(self, dim, keepdim, **aliases)
    def var(self, dim: Dims = None, keepdim: _bool = False, correction: _int = 1, **aliases: Any) -> Tensor:
        return var(self, dim, keepdim, correction=correction, **aliases)
    def std(self, dim: Dims = None, keepdim: _bool = False, correction: _int = 1, **aliases: Any) -> Tensor:
        return std(self, dim, keepdim, correction=correction, **aliases)
    def logsumexp(self, dim: Dims, keepdim: _bool = False, **aliases: Any) -> Tensor: return logsumexp(self, dim, keepdim, **aliases)
    def norm(self, p: _float | str = "fro", dim: Dims = None, keepdim: _bool = False, **aliases: Any) -> Tensor:
        return norm(self, p, dim, keepdim, **aliases)
    def argmax(self, dim: _int | None = None, keepdim: _bool = False, **aliases: Any) -> Tensor:
        return argmax(self, dim, keepdim, **aliases)
    def argmin(self, dim: _int | None = None, keepdim: _bool = False, **aliases: Any) -> Tensor:
        return argmin(self, dim, keepdim, **aliases)
    def cumsum(self, dim: _int, **aliases: Any) -> Tensor: return cumsum(self, dim, **aliases)
    def cumprod(self, dim: _int, *, dtype: DTypeLike | None = None) -> Tensor: return cumprod(self, dim, dtype=dtype)
    def logcumsumexp(self, dim: _int) -> Tensor: return logcumsumexp(self, dim)
    def count_nonzero(self, dim: Dims = None) -> Tensor: return count_nonzero(self, dim)
    # sorting and selection
    def sort(self, dim: _int = -1, descending: _bool = False, stable: _bool = False) -> SortResult:
        return sort(self, dim, descending, stable)
    def argsort(self, dim: _int = -1, descending: _bool = False, stable: _bool = False) -> Tensor:
        return argsort(self, dim, descending, stable)
    def msort(self) -> Tensor: return msort(self)
    def topk(self, k: _int, dim: _int = -1, largest: _bool = True, sorted: _bool = True) -> TopKResult:
        return topk(self, k, dim, largest, sorted)
    def kthvalue(self, k: _int, dim: _int = -1, keepdim: _bool = False) -> KthValueResult:
        return kthvalue(self, k, dim, keepdim)
    def median(self, dim: _int | None = None, keepdim: _bool = False) -> Tensor | MedianResult:
        return median(self, dim, keepdim)
    def mode(self, dim: _int = -1, keepdim: _bool = False) -> ModeResult: return mode(self, dim, keepdim)
    def quantile(self, q: _float | Tensor, dim: _int | None = None, keepdim: _bool = False,
                 interpolation: str = "linear") -> Tensor:
        return quantile(self, q, dim, keepdim, interpolation)
    def unique(self, sorted: _bool = True, return_inverse: _bool = False, return_counts: _bool = False,
               dim: _int | None = None) -> Tensor | tuple[Tensor, ...]:
        return unique(self, sorted, return_inverse, return_counts, dim)
    def bincount(self, weights: Tensor | None = None, minlength: _int = 0) -> Tensor: return bincount(self, weights, minlength)
    def all(self, dim: Dims = None, keepdim: _bool = False) -> Tensor: return all(self, dim, keepdim)
    def any(self, dim: Dims = None, keepdim: _bool = False) -> Tensor: return any(self, dim, keepdim)
    def softmax(self, dim: _int) -> Tensor: return softmax(self, dim)
    def log_softmax(self, dim: _int) -> Tensor: return log_softmax(self, dim)
    # shape
    def reshape(self, *shape: ShapeArg) -> Tensor: return reshape(self, *shape)
    def view(self, *shape: ShapeArg) -> Tensor: return view(self, *shape)
    def view_as(self, other: Tensor) -> Tensor: return reshape(self, other.shape)
    def reshape_as(self, other: Tensor) -> Tensor: return reshape(self, other.shape)
    def flatten(self, start_dim: _int = 0, end_dim: _int = -1) -> Tensor: return flatten(self, start_dim, end_dim)
    def unflatten(self, dim: _int, sizes: Sequence[_int]) -> Tensor: return unflatten(self, dim, sizes)
    def transpose(self, dim0: _int, dim1: _int) -> Tensor: return transpose(self, dim0, dim1)
    def t(self) -> Tensor: return transpose(self, 0, 1) if self.ndim == 2 else self
    def permute(self, *dims: ShapeArg) -> Tensor: return permute(self, *dims)
    def swapaxes(self, axis0: _int, axis1: _int) -> Tensor: return swapaxes(self, axis0, axis1)
    def swapdims(self, dim0: _int, dim1: _int) -> Tensor: return swapaxes(self, dim0, dim1)
    def squeeze(self, dim: Dims = None) -> Tensor: return squeeze(self, dim)
    def unsqueeze(self, dim: _int) -> Tensor: return unsqueeze(self, dim)
    def expand(self, *sizes: ShapeArg) -> Tensor: return expand(self, *sizes)
    def expand_as(self, other: Tensor) -> Tensor: return expand(self, other.shape)
    def broadcast_to(self, shape: ShapeArg) -> Tensor: return broadcast_to(self, shape)
    def repeat(self, *sizes: ShapeArg) -> Tensor: return repeat(self, *sizes)
    def tile(self, *dims: ShapeArg) -> Tensor: return tile(self, *dims)
    def flip(self, dims: ShapeArg) -> Tensor: return flip(self, dims)
    def roll(self, shifts: ShapeArg, dims: ShapeArg | None = None) -> Tensor: return roll(self, shifts, dims)
    def split(self, split_size_or_sections: _int | Sequence[_int], dim: _int = 0) -> tuple[Tensor, ...]:
        return split(self, split_size_or_sections, dim)
    def chunk(self, chunks: _int, dim: _int = 0) -> tuple[Tensor, ...]: return chunk(self, chunks, dim)
    def gather(self, dim: _int, index: Tensor | ArrayLike) -> Tensor: return gather(self, dim, index)
    def scatter_add(self, dim: _int, index: Tensor | ArrayLike, src: Operand) -> Tensor: return scatter_add(self, dim, index, src)
    def index_select(self, dim: _int, index: Tensor | ArrayLike) -> Tensor: return index_select(self, dim, index)
    def tril(self, diagonal: _int = 0) -> Tensor: return tril(self, diagonal)
    def unfold(self, dimension: _int, size: _int, step: _int) -> Tensor: return unfold(self, dimension, size, step)
    def triu(self, diagonal: _int = 0) -> Tensor: return triu(self, diagonal)
    def narrow(self, dim: _int, start: _int | Tensor, length: _int) -> Tensor: return narrow(self, dim, start, length)
    def nonzero(self, *, as_tuple: _bool = False) -> Tensor | tuple[Tensor, ...]: return nonzero(self, as_tuple=as_tuple)
    def masked_select(self, mask: Tensor | ArrayLike) -> Tensor: return masked_select(self, mask)
    def repeat_interleave(self, repeats: _int | Tensor | ArrayLike, dim: _int | None = None, *,
                          output_size: _int | None = None) -> Tensor:
        return repeat_interleave(self, repeats, dim, output_size=output_size)
    # linear algebra
    def matmul(self, other: Operand) -> Tensor: return matmul(self, other)
    def dot(self, other: Tensor) -> Tensor: return dot(self, other)
    def mm(self, other: Tensor) -> Tensor: return mm(self, other)
    def bmm(self, other: Tensor) -> Tensor: return bmm(self, other)
    def outer(self, other: Tensor) -> Tensor: return outer(self, other)
    def addmm(self, mat1: Tensor, mat2: Tensor, *, beta: _float = 1, alpha: _float = 1) -> Tensor:
        return addmm(self, mat1, mat2, beta=beta, alpha=alpha)
    def baddbmm(self, batch1: Tensor, batch2: Tensor, *, beta: _float = 1, alpha: _float = 1) -> Tensor:
        return baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)
    def diag(self, diagonal: _int = 0) -> Tensor: return diag(self, diagonal)
    def diagonal(self, offset: _int = 0, dim1: _int = 0, dim2: _int = 1) -> Tensor: return diagonal(self, offset, dim1, dim2)
    def diag_embed(self, offset: _int = 0, dim1: _int = -2, dim2: _int = -1) -> Tensor:
        return diag_embed(self, offset, dim1, dim2)
    def trace(self) -> Tensor: return trace(self)
    def cross(self, other: Tensor, dim: _int | None = None) -> Tensor: return cross(self, other, dim)
    def det(self) -> Tensor:
        """autograd.linalg.det of this (batch of) square matrices."""
        from .linalg import det
        return det(self)
    def logdet(self) -> Tensor:
        """autograd.linalg.logdet: log det, NaN where det < 0."""
        from .linalg import logdet
        return logdet(self)
    def slogdet(self) -> SlogdetResult:
        """autograd.linalg.slogdet: (sign, log|det|)."""
        from .linalg import slogdet
        return slogdet(self)
    def inverse(self) -> Tensor:
        """autograd.linalg.inv of this (batch of) square matrices."""
        from .linalg import inv
        return inv(self)
    def pinverse(self, rcond: _float = 1e-15) -> Tensor:
        """autograd.linalg.pinv, singular values below rcond times the largest treated as 0."""
        from .linalg import pinv
        return pinv(self, rtol=rcond)
    # random draws from this tensor's probabilities
    def bernoulli(self, p: _float | None = None, *, generator: Generator | None = None) -> Tensor:
        """autograd.bernoulli: 1 with probability self (or p), elementwise."""
        from .creation import bernoulli
        return bernoulli(self, p, generator=generator)
    def multinomial(self, num_samples: _int, replacement: _bool = False, *, generator: Generator | None = None) -> Tensor:
        """autograd.multinomial: category indices drawn in proportion to this tensor's rows."""
        from .creation import multinomial
        return multinomial(self, num_samples, replacement, generator=generator)
    # in place
    def add_(self, other: Operand, alpha: _float = 1) -> Tensor: return add_(self, other, alpha=alpha)
    def sub_(self, other: Operand, alpha: _float = 1) -> Tensor: return sub_(self, other, alpha=alpha)
    def mul_(self, other: Operand) -> Tensor: return mul_(self, other)
    def div_(self, other: Operand) -> Tensor: return div_(self, other)
    def zero_(self) -> Tensor: return zero_(self)
    def fill_(self, value: Operand) -> Tensor: return fill_(self, value)
    def copy_(self, src: Operand) -> Tensor: return copy_(self, src)
    def clamp_(self, min: Operand | None = None, max: Operand | None = None) -> Tensor: return clamp_(self, min, max)
    def uniform_(self, a: _float = 0.0, b: _float = 1.0, generator: Generator | None = None) -> Tensor:
        return uniform_(self, a, b, generator=generator)
    def normal_(self, mean: _float = 0.0, std: _float = 1.0, generator: Generator | None = None) -> Tensor:
        return normal_(self, mean, std, generator=generator)


def _plain(value):
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


def is_tensor(obj: object) -> bool:
    return isinstance(obj, Tensor)


# The operator functions, bound at import time below (they import this module themselves).
from .ops.elementwise import (  # noqa: E402
    abs, add, clamp, clamp_max, clamp_min, lerp, cos, div, exp, expm1, log, log1p, maximum, minimum, mul, neg, pow, reciprocal, relu,
    rsqrt, sigmoid, sign, sin, sqrt, square, sub, tanh, where, cast, clone, masked_fill)
from .ops.comparison import (  # noqa: E402
    allclose, ceil, eq, equal, floor, floor_divide, frac, ge, gt, isclose, isfinite, isinf, isnan, le, logical_and,
    logical_not, logical_or, logical_xor, lt, nan_to_num, ne, remainder, round, trunc)
from .ops.reduce import (  # noqa: E402
    all, amax, amin, any, argmax, argmin, count_nonzero, cumsum, max, mean, min, norm, prod, std, sum, var)
from .ops.cumulative import cumprod, logcumsumexp  # noqa: E402
from .ops.transcendental import acos, asin, atan, atan2, cosh, exp2, hypot, log2, log10, sinh  # noqa: E402
from .ops.sorting import (  # noqa: E402
    KthValueResult, MedianResult, ModeResult, SortResult, TopKResult, argsort, bincount, kthvalue, median, mode,
    msort, quantile, sort, topk, unique)
from .ops.softmax import log_softmax, logsumexp, softmax  # noqa: E402
from .ops.shape import (  # noqa: E402
    broadcast_to, chunk, expand, flatten, flip, permute, repeat,
    narrow, reshape, reverse_dims, roll, split, squeeze, swapaxes, tile, transpose, tril, triu, unflatten,
    unfold, unsqueeze, view)
from .ops.indexing import (  # noqa: E402
    gather, getitem, index_select, masked_select, nonzero, repeat_interleave, scatter_add)
from .ops.linalg import (  # noqa: E402
    addmm, baddbmm, bmm, cross, diag, diag_embed, diagonal, dot, matmul, mm, outer, trace)
from .ops.inplace import (  # noqa: E402
    add_, clamp_, copy_, div_, fill_, mul_, normal_, setitem_, sub_, uniform_, zero_)
from .ops.numpy_protocol import FUNCTIONS as _FUNCTIONS, UFUNCS as _UFUNCS  # noqa: E402
