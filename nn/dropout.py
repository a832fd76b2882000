"""Dropout."""
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
