"""nn.functional's vector norms and distances: normalize, cosine_similarity and
pairwise_distance, composed from the engine's norm, sum and clamp (PyTorch's eps rules)."""
from __future__ import annotations

import autograd as ag


def normalize(input: ag.Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> ag.Tensor:
    """x / max(||x||_p, eps) along dim.

    Example:
        >>> import autograd as ag
        >>> from nn import functional as F
        >>> F.normalize(ag.tensor([[3.0, 4.0]], dtype=ag.float64)).tolist()
        [[0.6, 0.8]]
    """
    return input / ag.clamp(ag.norm(input, p, dim=dim, keepdim=True), min=eps)


def cosine_similarity(x1: ag.Tensor, x2: ag.Tensor, dim: int = 1, eps: float = 1e-8) -> ag.Tensor:
    """sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps)) along dim (x1 and x2 broadcast).

    Example:
        >>> import autograd as ag
        >>> from nn import functional as F
        >>> F.cosine_similarity(ag.tensor([[1.0, 0.0]]), ag.tensor([[1.0, 1.0]])).tolist()
        [0.7071067690849304]
    """
    norm1 = ag.clamp(ag.norm(x1, 2, dim=dim, keepdim=True), min=eps)
    norm2 = ag.clamp(ag.norm(x2, 2, dim=dim, keepdim=True), min=eps)
    return ((x1 / norm1) * (x2 / norm2)).sum(dim)


def pairwise_distance(x1: ag.Tensor, x2: ag.Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> ag.Tensor:
    """||x1 - x2 + eps||_p over the last dim (x1 and x2 broadcast).

    Example:
        >>> import autograd as ag
        >>> from nn import functional as F
        >>> round(F.pairwise_distance(ag.tensor([[0.0, 0.0]]), ag.tensor([[3.0, 4.0]])).item(), 4)
        5.0
    """
    return ag.norm(x1 - x2 + eps, p, dim=-1, keepdim=keepdim)
