"""nn.functional's resampling: interpolate (nearest, nearest-exact, linear, bilinear,
trilinear, area) one spatial dim at a time, from the source positions PyTorch's kernels pick
(for the linear modes, a weighted sum of the two neighbours): one matmul with the small
(out, in) weight matrix, or gathers for large sizes; pixel_shuffle and pixel_unshuffle as a
reshape and a permute."""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

import autograd as ag

from .arguments import shape_of
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d

_LINEAR = {"linear": 3, "bilinear": 4, "trilinear": 5}  # the input's ndim each linear mode needs
_MODES = ("nearest", "nearest-exact", "area", *_LINEAR)
# Up to this many (in x out) weights a dim is resampled by one matmul: forward and backward
# measured 3x to 17x faster than gathers at 32 -> 64 and 128 -> 256, 1.6x at 512 -> 1024.
_MATRIX_LIMIT = 1 << 20


def _scale(in_size, out_size, scale, dtype, align_corners=False):
    """Source step per output step, as PyTorch's area_pixel_compute_scale (in the input's precision)."""
    if align_corners:
        return dtype.type((in_size - 1) / (out_size - 1)) if out_size > 1 else dtype.type(0)
    if scale is not None and scale > 0:
        return dtype.type(1.0 / scale)
    return dtype.type(in_size) / dtype.type(out_size)


def _nearest_sources(in_size, out_size, scale, exact):
    if not exact and out_size == 2 * in_size:
        return np.arange(out_size) >> 1
    # PyTorch computes the nearest source in float32 whatever the input's dtype
    step = _scale(in_size, out_size, scale, np.dtype(np.float32))
    offset = np.float32(0.5) if exact else np.float32(0.0)
    source = np.floor((np.arange(out_size, dtype=np.float32) + offset) * step).astype(np.int64)
    return np.minimum(source, in_size - 1)


def _linear_sources(in_size, out_size, scale, align_corners, dtype):
    """Each output's two source positions and the weight of the upper one (PyTorch's rule)."""
    step = _scale(in_size, out_size, scale, dtype, align_corners)
    positions = np.arange(out_size, dtype=dtype)
    real = positions * step if align_corners else np.maximum(step * (positions + dtype.type(0.5)) - dtype.type(0.5), 0)
    low = np.minimum(real.astype(np.int64), in_size - 1)
    return low, low + (low < in_size - 1), np.clip(real - low, 0, 1).astype(dtype)


def _resample(x, dim, out_size, scale, mode, align_corners):
    """Resamples one dim: small sizes as one matmul with the (out, in) weight matrix (BLAS, and
    its gradient is one more), larger ones as gathers (cost by output size, not in x out)."""
    in_size, dtype = x.shape[dim], np.dtype(x.dtype)
    if mode in _LINEAR:
        low, high, upper = _linear_sources(in_size, out_size, scale, align_corners, dtype)
    else:
        if mode == "nearest" and out_size == in_size:
            return x
        low = high = _nearest_sources(in_size, out_size, scale, mode == "nearest-exact")
        upper = np.zeros(out_size, dtype=dtype)
    if in_size * out_size <= _MATRIX_LIMIT:
        matrix = np.zeros((out_size, in_size), dtype=dtype)
        np.add.at(matrix, (np.arange(out_size), low), 1 - upper)
        np.add.at(matrix, (np.arange(out_size), high), upper)
        weights = ag.from_numpy(matrix)
        if dim == x.ndim - 1:
            return x @ weights.T
        if dim == x.ndim - 2:
            return weights @ x
        return (x.transpose(dim, -1) @ weights.T).transpose(dim, -1)
    if mode not in _LINEAR:
        return x.index_select(dim, low)
    shape = (out_size,) + (1,) * (x.ndim - 1 - dim)
    weight_high, weight_low = ag.from_numpy(upper.reshape(shape)), ag.from_numpy((1 - upper).reshape(shape))
    return x.index_select(dim, low) * weight_low + x.index_select(dim, high) * weight_high


def interpolate(input: ag.Tensor, size: int | Sequence[int] | None = None,
                scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> ag.Tensor:
    """Resamples the spatial dims of (N, C, L), (N, C, H, W) or (N, C, D, H, W), as
    torch.nn.functional.interpolate.

    Args: size (the output's spatial size) or scale_factor (output = floor(input x factor));
    mode: 'nearest' (PyTorch's floor rule), 'nearest-exact', 'linear' (3-D), 'bilinear' (4-D),
    'trilinear' (5-D) or 'area' (adaptive average pooling; 3-D and 4-D); align_corners (linear
    modes only: map the corner pixels' centres onto each other); recompute_scale_factor: use
    the rounded output size, not the factor, to place the samples.
    """
    if mode not in _MODES:
        raise NotImplementedError(f"interpolate: mode {mode!r} is not supported; use one of {', '.join(_MODES)}")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    dims = input.ndim - 2
    if dims not in (1, 2, 3) or (mode in _LINEAR and input.ndim != _LINEAR[mode]):
        wanted = f"a {_LINEAR[mode]}-D" if mode in _LINEAR else "a 3-D (N, C, L), 4-D or 5-D"
        raise ValueError(f"interpolate: mode {mode!r} needs {wanted} input (with batch and channel dims), "
                         f"got shape {shape_of(input)}")
    if mode not in _LINEAR:
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    align = bool(align_corners)
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size or scale_factor")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    spatial = tuple(input.shape[2:])
    if size is not None:
        sizes = [size] * dims if isinstance(size, numbers.Integral) else list(size)  # type: ignore[arg-type]
        scales: list[float | None] = [None] * dims
        if len(sizes) != dims:
            raise ValueError(f"interpolate: the input has spatial size {spatial} but size={size}: give "
                             f"{dims} output size(s)")
    else:
        factors = [scale_factor] * dims if isinstance(scale_factor, numbers.Real) else list(scale_factor)  # type: ignore[arg-type]
        if len(factors) != dims:
            raise ValueError(f"interpolate: the input has spatial size {spatial} but scale_factor={scale_factor}: "
                             f"give {dims} factor(s)")
        sizes = [math.floor(n * float(f)) for n, f in zip(spatial, factors)]
        scales = [None] * dims if recompute_scale_factor or mode == "area" else [float(f) for f in factors]
    if any(s <= 0 for s in sizes):
        raise ValueError(f"interpolate: the input of spatial size {spatial} gives output size {tuple(sizes)}; "
                         f"every output size must be positive")
    if mode == "area":
        if dims == 3:
            raise NotImplementedError("interpolate: mode 'area' is supported for 3-D and 4-D inputs only")
        return adaptive_avg_pool1d(input, int(sizes[0])) if dims == 1 else adaptive_avg_pool2d(input, (int(sizes[0]), int(sizes[1])))
    out = input
    for i, (out_size, scale) in enumerate(zip(sizes, scales)):  # one spatial dim at a time
        out = _resample(out, 2 + i, out_size, scale, mode, align)
    return out


def pixel_shuffle(input: ag.Tensor, upscale_factor: int) -> ag.Tensor:
    """(*, C r^2, H, W) -> (*, C, H r, W r), as torch.nn.functional.pixel_shuffle."""
    r = int(upscale_factor)
    if input.ndim < 3 or r <= 0 or input.shape[-3] % (r * r):
        raise ValueError(f"pixel_shuffle: expected an input of shape (*, C * {r}^2, H, W) with at least 3 dims and "
                         f"channels divisible by upscale_factor^2 = {r * r}, got shape {shape_of(input)}")
    *lead, channels, height, width = input.shape
    k = len(lead)
    out = input.reshape(*lead, channels // (r * r), r, r, height, width)
    out = out.permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)  # (*, C, H, r, W, r)
    return out.reshape(*lead, channels // (r * r), height * r, width * r)


def pixel_unshuffle(input: ag.Tensor, downscale_factor: int) -> ag.Tensor:
    """(*, C, H r, W r) -> (*, C r^2, H, W), as torch.nn.functional.pixel_unshuffle."""
    r = int(downscale_factor)
    if input.ndim < 3 or r <= 0 or input.shape[-2] % r or input.shape[-1] % r:
        raise ValueError(f"pixel_unshuffle: expected an input of shape (*, C, H * {r}, W * {r}) with at least 3 dims, "
                         f"its height and width divisible by downscale_factor = {r}, got shape {shape_of(input)}")
    *lead, channels, height, width = input.shape
    k = len(lead)
    out = input.reshape(*lead, channels, height // r, r, width // r, r)
    out = out.permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)  # (*, C, r, r, H, W)
    return out.reshape(*lead, channels * r * r, height // r, width // r)
