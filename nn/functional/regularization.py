"""nn.functional's regularizer, dropout: in training it zeroes elements at random (from the
engine's seeded generator) and rescales the rest so that the expected value is unchanged."""
from __future__ import annotations

import numpy as np

import autograd as ag


def dropout(input: ag.Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> ag.Tensor:
    """Zeroes each element with probability p and scales the rest by 1 / (1 - p) in training;
    the identity otherwise. Draws from the engine's seeded generator. `inplace` is accepted
    for compatibility; the result is always a new tensor."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = np.asarray(ag.rand(*input.shape, dtype=input.dtype)) >= p
    return input * ag.from_numpy(keep.astype(input.dtype) / np.asarray(1.0 - p, dtype=input.dtype))
