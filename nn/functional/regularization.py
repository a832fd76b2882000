"""nn.functional's regularizers, dropout and its channel-wise forms (dropout1d, dropout2d,
dropout3d: whole channels at once): in training they zero elements at random (from the
engine's seeded generator) and rescale the rest so that the expected value is unchanged."""
from __future__ import annotations

import autograd as ag


def _kept(shape, p, dtype):
    """1 / (1 - p) where a uniform draw is at least p, else 0: the mask dropout multiplies by. Tensor
    operations only, so that ag.compile records them (the draw included). Dividing by the Python
    float 1 - p rounds it to `dtype` first (NumPy 2's rule for Python scalars), which is what
    dividing by the array np.asarray(1 - p, dtype) did before."""
    keep = ag.rand(*shape, dtype=dtype) >= p
    return keep.to(dtype) / (1.0 - p)


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
    return input * _kept(input.shape, p, input.dtype)


def _channel_dropout(input, p, training, spatial, op):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if input.ndim not in (spatial + 1, spatial + 2):
        raise ValueError(f"{op}: expected a {spatial + 1}-D (C, ...) or {spatial + 2}-D (N, C, ...) input, "
                         f"got shape {tuple(input.shape)}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    # One draw per (sample, channel), broadcast over its positions.
    channels = input.shape[:input.ndim - spatial] + (1,) * spatial
    return input * _kept(channels, p, input.dtype)


def dropout1d(input: ag.Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> ag.Tensor:
    """Zeroes whole channels of (N, C, L) or (C, L) with probability p and scales the rest by
    1 / (1 - p) in training; the identity otherwise. `inplace` is accepted for compatibility."""
    return _channel_dropout(input, p, training, 1, "dropout1d")


def dropout2d(input: ag.Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> ag.Tensor:
    """Zeroes whole channels of (N, C, H, W) with probability p and scales the rest by
    1 / (1 - p) in training; the identity otherwise. A 3-D input is read as (N, C, L), as
    PyTorch does today (it warns that it will read it as an unbatched (C, H, W) one day):
    use dropout1d for (N, C, L), and unsqueeze(0) an unbatched image."""
    return _channel_dropout(input, p, training, 1 if input.ndim == 3 else 2, "dropout2d")


def dropout3d(input: ag.Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> ag.Tensor:
    """Zeroes whole channels of (N, C, D, H, W) or (C, D, H, W); see dropout2d."""
    return _channel_dropout(input, p, training, 3, "dropout3d")
