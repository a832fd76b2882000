"""Padding layers, as torch.nn's: ZeroPad, ConstantPad, ReflectionPad, ReplicationPad and
CircularPad in 1-D, 2-D and 3-D (thin wrappers of F.pad)."""
from __future__ import annotations

import numbers
from collections.abc import Sequence

import autograd as ag

from . import functional as F
from .module import Module


class _PadNd(Module):
    """Shared state of the padding layers: `padding` as (left, right[, top, bottom[, front, back]])."""

    _dims, _mode = 1, "constant"

    def __init__(self, padding: int | Sequence[int], value: float = 0.0) -> None:
        super().__init__()
        count = 2 * self._dims
        pads = (int(padding),) * count if isinstance(padding, numbers.Integral) \
            else tuple(int(p) for p in padding)  # type: ignore[union-attr]  # (mypy can't narrow by numbers.Integral)
        if len(pads) != count:
            raise ValueError(f"{type(self).__name__}: padding must be an int or a {count}-tuple "
                             f"(left, right{', top, bottom' if self._dims > 1 else ''}"
                             f"{', front, back' if self._dims > 2 else ''}), got {padding}")
        self.padding, self.value = pads, value

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        if self._mode != "constant":
            if input.ndim not in (self._dims + 1, self._dims + 2):
                raise ValueError(f"{type(self).__name__}: expected a {self._dims + 1}-D (unbatched) or "
                                 f"{self._dims + 2}-D input, got shape {tuple(input.shape)}")
            return F.pad(input, self.padding, self._mode)
        return F.pad(input, self.padding, value=self.value)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__(padding, value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dim with `value`: padding an int or (left, right).

    Shape: (*, L) -> (*, L + left + right).

    Example:
        >>> import autograd as ag, nn
        >>> nn.ConstantPad1d((1, 2), 3.5)(ag.zeros(1, 2)).tolist()
        [[3.5, 0.0, 0.0, 3.5, 3.5]]
    """

    _dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pads the last two dims with `value`: padding an int or (left, right, top, bottom).

    Shape: (*, H, W) -> (*, H + top + bottom, W + left + right).

    Example:
        >>> import autograd as ag, nn
        >>> nn.ConstantPad2d(1, -1.0)(ag.zeros(1, 1, 2, 2)).shape
        (1, 1, 4, 4)
    """

    _dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pads the last three dims with `value`: padding an int or (left, right, top, bottom, front, back).

    Example:
        >>> import autograd as ag, nn
        >>> nn.ConstantPad3d(1, 0.0)(ag.zeros(1, 2, 2, 2)).shape
        (1, 4, 4, 4)
    """

    _dims = 3


class ZeroPad1d(_PadNd):
    """Pads the last dim with zeros: padding an int or (left, right).

    Example:
        >>> import autograd as ag, nn
        >>> nn.ZeroPad1d((0, 2))(ag.ones(1, 2)).tolist()
        [[1.0, 1.0, 0.0, 0.0]]
    """

    _dims = 1


class ZeroPad2d(_PadNd):
    """Pads the last two dims with zeros: padding an int or (left, right, top, bottom).

    Shape: (*, H, W) -> (*, H + top + bottom, W + left + right).

    Example:
        >>> import autograd as ag, nn
        >>> nn.ZeroPad2d((1, 1, 2, 0))(ag.ones(1, 1, 3, 3)).shape
        (1, 1, 5, 5)
    """

    _dims = 2


class ZeroPad3d(_PadNd):
    """Pads the last three dims with zeros: padding an int or (left, right, top, bottom, front, back).

    Example:
        >>> import autograd as ag, nn
        >>> nn.ZeroPad3d(1)(ag.ones(1, 1, 1, 1)).shape
        (1, 3, 3, 3)
    """

    _dims = 3


class ReflectionPad1d(_PadNd):
    """Pads the last dim with its reflection (the edge not repeated); each pad < the dim's size.

    Shape: (N, C, L) or (C, L) -> (.., L + left + right).

    Example:
        >>> import autograd as ag, nn
        >>> nn.ReflectionPad1d(2)(ag.tensor([[0.0, 1.0, 2.0]])).tolist()
        [[2.0, 1.0, 0.0, 1.0, 2.0, 1.0, 0.0]]
    """

    _dims, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Pads the last two dims with their reflection: padding an int or (left, right, top, bottom).

    Shape: (N, C, H, W) or (C, H, W) -> (.., H + top + bottom, W + left + right).

    Example:
        >>> import autograd as ag, nn
        >>> nn.ReflectionPad2d(1)(ag.ones(1, 1, 3, 3)).shape
        (1, 1, 5, 5)
    """

    _dims, _mode = 2, "reflect"


class ReplicationPad1d(_PadNd):
    """Pads the last dim by repeating its edge values.

    Example:
        >>> import autograd as ag, nn
        >>> nn.ReplicationPad1d((1, 2))(ag.tensor([[0.0, 1.0]])).tolist()
        [[0.0, 0.0, 1.0, 1.0, 1.0]]
    """

    _dims, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Pads the last two dims by repeating their edge values: padding an int or (left, right, top, bottom).

    Example:
        >>> import autograd as ag, nn
        >>> nn.ReplicationPad2d(1)(ag.ones(1, 1, 3, 3)).shape
        (1, 1, 5, 5)
    """

    _dims, _mode = 2, "replicate"


class CircularPad1d(_PadNd):
    """Pads the last dim by wrapping around (periodic boundary).

    Example:
        >>> import autograd as ag, nn
        >>> nn.CircularPad1d(1)(ag.tensor([[0.0, 1.0, 2.0]])).tolist()
        [[2.0, 0.0, 1.0, 2.0, 0.0]]
    """

    _dims, _mode = 1, "circular"


class CircularPad2d(_PadNd):
    """Pads the last two dims by wrapping around: padding an int or (left, right, top, bottom).

    Example:
        >>> import autograd as ag, nn
        >>> nn.CircularPad2d(1)(ag.ones(1, 1, 3, 3)).shape
        (1, 1, 5, 5)
    """

    _dims, _mode = 2, "circular"
