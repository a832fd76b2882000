"""Pure shape helpers shared by the ops and the engine (they work on arrays and Tensors alike)."""
from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Sequence
from typing import Any


class ShapeError(ValueError, RuntimeError):
    """Shapes that do not fit an op. A ValueError, and a RuntimeError as PyTorch raises for shape
    mismatches, so code ported from PyTorch that catches RuntimeError still catches it."""


def shape_from_args(args: Sequence[Any], op: str = "shape") -> tuple[int, ...]:
    """Accepts (2, 3), [2, 3] or 2, 3 as PyTorch does, and returns a tuple of ints."""
    if len(args) == 1 and not isinstance(args[0], numbers.Integral):
        args = args[0]
    try:
        shape = tuple(int(s) for s in args)
    except TypeError:
        raise TypeError(f"{op}: expected a shape as ints, a tuple or a list of ints, got {args!r}") from None
    return shape


def normalize_axes(axis: Any, ndim: int, op: str = "reduce") -> tuple[int, ...]:
    """An int, a sequence of ints or None, to a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    rank = max(ndim, 1)
    out = []
    for a in axes:
        if not -rank <= a < rank:
            raise IndexError(f"{op}: dimension {a} is out of range for a tensor of {ndim} dimensions "
                             f"(expected a value in [{-rank}, {rank - 1}])")
        out.append(a % rank if ndim else 0)
    return tuple(sorted(set(out)))


def normalize_axis(axis: Any, ndim: int, op: str = "op") -> int:
    return normalize_axes(int(axis), ndim, op)[0]


def sum_to(grad, shape):
    """Sums `grad` (array or Tensor) down to `shape`: the gradient of broadcasting.

    engine.fitted applies it to every gradient that needs it (the one broadcast reduction).
    """
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and grad.shape[i + lead] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    if lead or grad.shape != shape:
        grad = grad.reshape(shape)
    return grad


def broadcastable_to(shape: Sequence[int], target: Sequence[int]) -> bool:
    if len(shape) > len(target):
        return False
    return all(s == t or s == 1 for s, t in zip(shape[::-1], target[::-1]))


def broadcast_together(*shapes: Sequence[int]) -> bool:
    """True when the shapes broadcast: each dimension, compared from the right, equal or 1."""
    for sizes in itertools.zip_longest(*(tuple(s)[::-1] for s in shapes), fillvalue=1):
        if len(set(sizes) - {1}) > 1:
            return False
    return True


class Size(tuple):
    """A shape, as torch.Size: a tuple of ints (`Size([2, 3])`) with `numel()`. Tensors report
    their shape as a plain tuple, which compares equal to a Size of the same ints.

    Example:
        >>> import autograd as ag
        >>> ag.Size([2, 3]).numel(), ag.zeros(2, 3).shape == ag.Size([2, 3])
        (6, True)
    """

    __slots__ = ()

    def __new__(cls, sizes: Sequence[int] = ()) -> Size:
        return super().__new__(cls, (int(s) for s in sizes))

    def numel(self) -> int:
        """The number of elements of a tensor of this shape."""
        return math.prod(self)

    def __repr__(self) -> str:
        return f"Size({list(self)})"
