"""Distance layers: CosineSimilarity and PairwiseDistance (the math in nn.functional.distance)."""
from __future__ import annotations

import autograd as ag

from . import functional as F
from .module import Module


class CosineSimilarity(Module):
    """sum(x1 * x2) / (max(||x1||, eps) max(||x2||, eps)) along dim (1).

    Shape: x1 and x2 broadcastable, (*, D, *) -> the broadcast shape without dim.

    Example:
        >>> import autograd as ag, nn
        >>> nn.CosineSimilarity(dim=1)(ag.randn(4, 3), ag.randn(4, 3)).shape
        (4,)
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: ag.Tensor, x2: ag.Tensor) -> ag.Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """||x1 - x2 + eps||_p over the last dim.

    Shape: x1 and x2 (N, D) or (D) -> (N) or () (keepdim keeps the last dim as 1).

    Example:
        >>> import autograd as ag, nn
        >>> nn.PairwiseDistance()(ag.randn(4, 3), ag.randn(4, 3)).shape
        (4,)
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: ag.Tensor, x2: ag.Tensor) -> ag.Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
