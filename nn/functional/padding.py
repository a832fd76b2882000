"""nn.functional's pad: constant padding through the engine's ag.pad, and reflect,
replicate and circular padding as one index_select per padded dim."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

import autograd as ag


def pad(input: ag.Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> ag.Tensor:
    """Pads the last len(pad) // 2 dims: pad = (left, right, top, bottom, ...) from the last dim.

    mode: 'constant' (with value, default 0), 'reflect', 'replicate' or 'circular'.
    """
    if mode == "constant":
        return ag.pad(input, pad, value=0.0 if value is None else value)
    np_modes: dict[str, Literal["reflect", "edge", "wrap"]] = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}
    if mode not in np_modes:
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}")
    if value:
        raise ValueError(f"pad: padding mode {mode!r} doesn't take in value argument")
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"pad: expected (left, right) pairs for at most {input.ndim} dims, got {tuple(pad)}")
    out = input
    for i in range(len(pad) // 2):
        dim, before, after = input.ndim - 1 - i, int(pad[2 * i]), int(pad[2 * i + 1])
        size = input.shape[dim]
        limit = size - 1 if mode == "reflect" else size
        if before < 0 or after < 0 or (mode != "replicate" and max(before, after) > limit):
            raise ValueError(f"pad: {mode} padding of ({before}, {after}) is invalid for dimension {dim} of size "
                             f"{size}: it must be non-negative and at most {limit}")
        if before or after:
            # Each output position copies one input position: an index map, gathered in one go.
            out = out.index_select(dim, np.pad(np.arange(size), (before, after), mode=np_modes[mode]))
    return out
