"""Comparisons, rounding and logic: elementwise functions whose results carry no gradient
(booleans, integers, or steps whose derivative is zero almost everywhere), as in PyTorch; and
frac, x - trunc(x), whose gradient is 1. equal and allclose answer with a Python bool."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..function import explained_error
from ..tensor import Tensor
from .elementwise import computed, raw, where

if TYPE_CHECKING:
    from ..tensor import Operand
    from .elementwise import BinaryOp, UnaryOp

_TORCH_NAMES = {"equal": "eq", "not_equal": "ne", "less": "lt", "less_equal": "le", "greater": "gt",
                "greater_equal": "ge"}


def _no_grad(np_func: Callable[..., Any]) -> Callable[..., Tensor]:
    name = _TORCH_NAMES.get(np_func.__name__, np_func.__name__)

    def op(*args: Any) -> Tensor:
        try:
            return computed(np_func, *args)
        except (ValueError, TypeError) as error:
            raise explained_error(name, error, args) from None
    op.__name__ = np_func.__name__
    op.__doc__ = f"Elementwise {np_func.__name__}; the result carries no gradient."
    return op


eq: BinaryOp = _no_grad(np.equal)
ne: BinaryOp = _no_grad(np.not_equal)
lt: BinaryOp = _no_grad(np.less)
le: BinaryOp = _no_grad(np.less_equal)
gt: BinaryOp = _no_grad(np.greater)
ge: BinaryOp = _no_grad(np.greater_equal)
isnan: UnaryOp = _no_grad(np.isnan)
isfinite: UnaryOp = _no_grad(np.isfinite)
isinf: UnaryOp = _no_grad(np.isinf)
logical_not: UnaryOp = _no_grad(np.logical_not)
logical_and: BinaryOp = _no_grad(np.logical_and)
logical_or: BinaryOp = _no_grad(np.logical_or)
logical_xor: BinaryOp = _no_grad(np.logical_xor)
floor: UnaryOp = _no_grad(np.floor)
ceil: UnaryOp = _no_grad(np.ceil)
floor_divide: BinaryOp = _no_grad(np.floor_divide)
remainder: BinaryOp = _no_grad(np.remainder)
trunc: UnaryOp = _no_grad(np.trunc)
fix = trunc


def round(x: Tensor, decimals: int = 0) -> Tensor:  # noqa: A001
    """Rounds half to even, to `decimals` decimal places; no gradient."""
    return computed(functools.partial(np.round, decimals=decimals), x)


def frac(x: Tensor) -> Tensor:
    """x - trunc(x), the fractional part with x's sign; its gradient is 1."""
    return x - trunc(x)


def isclose(a: Operand, b: Operand, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """|a - b| <= atol + rtol * |b|, elementwise (broadcasting)."""
    try:
        return computed(functools.partial(np.isclose, rtol=rtol, atol=atol, equal_nan=equal_nan), a, b)
    except ValueError as error:
        raise explained_error("isclose", error, (a, b)) from None


def allclose(a: Operand, b: Operand, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """Whether isclose holds everywhere."""
    return bool(isclose(a, b, rtol, atol, equal_nan)._data.all())


def equal(a: Tensor, b: Tensor) -> bool:
    """Whether the tensors have the same shape and the same elements."""
    return raw(a).shape == raw(b).shape and bool(np.array_equal(raw(a), raw(b)))


def isin(elements: Operand, test_elements: Operand, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """Whether each element of `elements` is among `test_elements` (either may be a number), in
    `elements`' shape; `invert=True` asks whether it is not. No gradient.

    Example:
        >>> import autograd as ag
        >>> ag.isin(ag.tensor([[1, 2], [3, 4]]), ag.tensor([2, 3]))
        tensor([[False,  True],
                [ True, False]])
    """
    return Tensor._make(np.asarray(np.isin(raw(elements), raw(test_elements), assume_unique=assume_unique,
                                           invert=invert)))


def nan_to_num(x: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """x with NaN replaced by `nan`, +inf by `posinf` and -inf by `neginf` (by default 0 and the
    largest and lowest finite values of x's dtype), as torch.nan_to_num. The gradient passes
    where x is finite and is 0 at the replaced elements, as PyTorch's.

    Example:
        >>> import autograd as ag
        >>> ag.nan_to_num(ag.tensor([1.0, float("nan"), float("inf")]), posinf=9.0)
        tensor([1., 0., 9.])
    """
    if x.dtype.kind != "f":
        return x.clone()  # integers and booleans have nothing to replace
    replaced = np.nan_to_num(raw(x), nan=nan, posinf=posinf, neginf=neginf)
    return where(np.isfinite(raw(x)), x, Tensor._make(replaced))
