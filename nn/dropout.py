"""Dropout, and Dropout1d / Dropout2d / Dropout3d, which drop whole channels."""
from __future__ import annotations

import autograd as ag

from . import functional as F
from .module import Module


class Dropout(Module):
    """In training, zeroes each element with probability p and scales the others by 1 / (1 - p),
    so the expected value is unchanged; in eval mode, the identity.

    Args:
        p: probability of zeroing an element (default 0.5).
        inplace: accepted for compatibility with PyTorch code; the result is always a new tensor.

    Shape:
        any -> the same shape.

    Example:
        >>> import autograd as ag, nn
        >>> nn.Dropout(0.5).eval()(ag.ones(4)).tolist()
        [1.0, 1.0, 1.0, 1.0]
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class _DropoutNd(Module):
    """Shared state of the channel-wise dropouts; subclasses pick the functional."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(_DropoutNd):
    """In training, zeroes whole channels (each with probability p) and scales the others by
    1 / (1 - p); in eval mode, the identity. For 1-D feature maps, whose neighbouring
    positions are correlated, so that dropping single elements regularises little.

    Args:
        p (0.5); inplace: accepted for compatibility; the result is always a new tensor.

    Shape:
        input (N, C, L) or (C, L) -> the same shape.

    Example:
        >>> import autograd as ag, nn
        >>> nn.Dropout1d(0.5).eval()(ag.ones(1, 2, 3)).shape
        (1, 2, 3)
    """

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """In training, zeroes whole channels of (N, C, H, W) (each with probability p) and scales
    the others by 1 / (1 - p); in eval mode, the identity. A 3-D input is read as (N, C, L),
    as PyTorch does today.

    Args:
        p (0.5); inplace: accepted for compatibility; the result is always a new tensor.

    Shape:
        input (N, C, H, W) -> the same shape.

    Example:
        >>> import autograd as ag, nn
        >>> nn.Dropout2d(0.5).eval()(ag.ones(1, 2, 3, 3)).shape
        (1, 2, 3, 3)
    """

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Dropout2d for (N, C, D, H, W) or (C, D, H, W) inputs.

    Example:
        >>> import autograd as ag, nn
        >>> nn.Dropout3d(0.5).eval()(ag.ones(1, 2, 2, 2, 2)).shape
        (1, 2, 2, 2, 2)
    """

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.dropout3d(input, self.p, self.training, self.inplace)
