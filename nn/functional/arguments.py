"""Argument helpers shared by nn.functional and the layers: an int or pair as a pair (or as one int),
convolution padding as (top, bottom, left, right), the loss reduction with PyTorch's
deprecated size_average/reduce flags, an image batch with or without its batch dim, and a
tensor's shape as a tuple for error messages. None of these is PyTorch API, so
nn.functional does not re-export them."""
from __future__ import annotations

import numbers
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import autograd as ag


def pair(value, name: str, op: str) -> tuple[int, int]:
    """An int or a pair of ints as a pair, as PyTorch's _pair."""
    if isinstance(value, numbers.Integral):
        return int(value), int(value)
    value = tuple(value)
    if len(value) == 1:
        return int(value[0]), int(value[0])
    if len(value) != 2 or not all(isinstance(v, numbers.Integral) for v in value):
        raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {value}")
    return int(value[0]), int(value[1])


def single(value, name: str, op: str) -> int:
    """An int or a one-element sequence as an int, as PyTorch's _single."""
    if not isinstance(value, numbers.Integral):
        value = tuple(value)
        if len(value) != 1 or not isinstance(value[0], numbers.Integral):
            raise ValueError(f"{op}: {name} must be an int or a 1-tuple of ints, got {value}")
        value = value[0]
    return int(value)


def shape_of(t: ag.Tensor) -> tuple[int, ...]:
    return tuple(t.shape)


def resolve_reduction(size_average: bool | None, reduce: bool | None, reduction: str, op: str) -> str:
    """The reduction, honouring PyTorch's deprecated size_average/reduce flags."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = ("mean" if size_average else "sum") if reduce else "none"
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return reduction


def as_batch4(input: ag.Tensor, op: str) -> tuple[ag.Tensor, bool]:
    """(N, C, H, W) as is, unbatched (C, H, W) with a batch of one; anything else is an error."""
    if input.ndim == 4:
        return input, True
    if input.ndim == 3:
        return input.unsqueeze(0), False
    raise ValueError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {shape_of(input)}")


def conv_padding(padding: str | int | tuple[int, int], kernel: tuple[int, int], stride: tuple[int, int],
                 dilation: tuple[int, int]) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) from an int, a pair, 'valid' or 'same' (extra on the bottom/right)."""
    if isinstance(padding, str):
        if padding == "valid":
            return 0, 0, 0, 0
        if padding != "same":
            raise ValueError(f"conv2d: padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
        if stride != (1, 1):
            raise ValueError("conv2d: padding='same' is not supported for strided convolutions")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return totals[0] // 2, totals[0] - totals[0] // 2, totals[1] // 2, totals[1] - totals[1] // 2
    ph, pw = pair(padding, "padding", "conv2d")
    return ph, ph, pw, pw
