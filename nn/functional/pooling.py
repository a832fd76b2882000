"""nn.functional's pooling: max_pool2d and avg_pool2d over im2col windows (PyTorch's
padding, dilation and ceil_mode rules), with a fused ag.Function for the common tiled
max-pool (stride = kernel, no padding), adaptive_avg_pool2d as two small averaging
matmuls and adaptive_max_pool2d as a max over gathered windows; the 1-D forms run the 2-D
ones on a height-1 input."""
from __future__ import annotations

import math
import numbers

import numpy as np

import autograd as ag

from .arguments import as_batch4, pair, shape_of, single
from .conv import sliding_windows


def _pool_geometry(size, kernel, stride, padding, dilation, ceil_mode, op):
    """Output length along one dim and the padding after the input (PyTorch's rule: with
    ceil_mode the last window must start inside the input or its left padding)."""
    if padding > (dilation * (kernel - 1) + 1) // 2:
        raise ValueError(f"{op}: pad should be at most half of effective kernel size, but got pad={padding}, "
                         f"kernel_size={kernel} and dilation={dilation}")
    span = dilation * (kernel - 1) + 1
    numerator = size + 2 * padding - span
    out = (-(-numerator // stride) if ceil_mode else numerator // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    if out < 1:
        raise ValueError(f"{op}: input size {size} with kernel {kernel}, stride {stride}, padding {padding} and "
                         f"dilation {dilation} gives output size {out}: the output is too small")
    after = max((out - 1) * stride + span - size - padding, padding)
    return out, after


def _pool_setup(input, kernel_size, stride, padding, dilation, ceil_mode, op) -> tuple[
        ag.Tensor, bool, tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int, int, int]]:
    # (x, batched, kernel, stride, padding, dilation, pads: left, right, top, bottom)
    x, batched = as_batch4(input, op)
    kernel = pair(kernel_size, "kernel_size", op)
    stride = kernel if stride is None or (not isinstance(stride, numbers.Integral) and len(stride) == 0) \
        else pair(stride, "stride", op)
    padding, dilation = pair(padding, "padding", op), pair(dilation, "dilation", op)
    geometry = [_pool_geometry(x.shape[2 + i], kernel[i], stride[i], padding[i], dilation[i], ceil_mode, op)
                for i in range(2)]
    pads = (padding[1], geometry[1][1], padding[0], geometry[0][1])  # F.pad order: left, right, top, bottom
    return x, batched, kernel, stride, padding, dilation, pads


def max_pool2d(input: ag.Tensor, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0, dilation: int | tuple[int, int] = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> ag.Tensor | tuple[ag.Tensor, ag.Tensor]:
    """Maximum over each window; the gradient goes to the window's (first) maximum.

    Shape: input (N, C, H, W) or (C, H, W). With return_indices, also the flat (h * W + w)
    position of each maximum in its input plane, as PyTorch.
    """
    x, batched, kernel, stride, padding, dilation, pads = _pool_setup(
        input, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d")
    if stride == kernel and not any(pads) and dilation == (1, 1) and not return_indices:
        out = _TiledMaxPool.apply(x, kernel=kernel)  # the common case, without im2col
        return out if batched else out.squeeze(0)
    if any(pads):
        x = ag.pad(x, pads, value=-math.inf)
    windows = sliding_windows(x, kernel, stride, dilation, "max_pool2d")
    n, c, oh, ow = windows.shape[:4]
    out, position = windows.reshape(n, c, oh, ow, kernel[0] * kernel[1]).max(dim=-1)
    if not batched:
        out = out.squeeze(0)
    if not return_indices:
        return out
    position = np.asarray(position)
    rows = np.arange(oh)[:, None] * stride[0] - padding[0] + position // kernel[1] * dilation[0]
    cols = np.arange(ow)[None, :] * stride[1] - padding[1] + position % kernel[1] * dilation[1]
    indices = ag.from_numpy((rows * input.shape[-1] + cols).astype(np.int64))
    return out, (indices if batched else indices.squeeze(0))


class _TiledMaxPool(ag.Primitive):
    """Max pooling whose windows tile the input (stride = kernel, no padding, dilation 1):
    one reshape and max forward; backward sends each gradient to its window's first maximum
    (PyTorch's choice among ties), in the vocabulary arrays and Tensors share, so that it is
    itself differentiable."""

    symbol = "maxpool"

    @staticmethod
    def forward(ctx, x, kernel=(2, 2)):
        n, c, h, w = x.shape
        (kh, kw), oh, ow = kernel, x.shape[2] // kernel[0], x.shape[3] // kernel[1]
        tiles = x[:, :, :oh * kh, :ow * kw].reshape(n, c, oh, kh, ow, kw)
        offsets = [(i, j) for i in range(kh) for j in range(kw)]  # row-major: the first maximum wins
        out = tiles[:, :, :, 0, :, 0].copy()
        for i, j in offsets[1:]:  # elementwise maxima of strided views: faster than a strided reduce
            np.maximum(out, tiles[:, :, :, i, :, j], out=out)
        first = np.zeros(tiles.shape, dtype=bool)
        taken = np.zeros(out.shape, dtype=bool)
        for i, j in offsets:
            hit = (tiles[:, :, :, i, :, j] == out) & ~taken
            first[:, :, :, i, :, j] = hit
            taken |= hit
        ctx.first, ctx.size = first, (h, w)
        return out

    @staticmethod
    def backward(ctx, grad):
        n, c, oh, kh, ow, kw = ctx.first.shape
        spread = np.broadcast_to(grad.reshape(n, c, oh, 1, ow, 1), ctx.first.shape) * ctx.first
        spread = spread.reshape(n, c, oh * kh, ow * kw)
        h, w = ctx.size
        if w > ow * kw:  # the columns and rows no window covers get no gradient
            spread = np.concatenate([spread, np.zeros_like(spread[..., :w - ow * kw])], axis=3)
        if h > oh * kh:
            spread = np.concatenate([spread, np.zeros_like(spread[:, :, :h - oh * kh])], axis=2)
        return spread


def avg_pool2d(input: ag.Tensor, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> ag.Tensor:
    """Mean over each window, as torch.nn.functional.avg_pool2d.

    With count_include_pad the divisor counts padded zeros (but not the overhang that
    ceil_mode adds); without it only real input positions; divisor_override replaces both.
    """
    x, batched, kernel, stride, padding, _, pads = _pool_setup(
        input, kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d")
    height, width = x.shape[2:]
    if any(pads):
        x = ag.pad(x, pads)
    sums = sliding_windows(x, kernel, stride, (1, 1), "avg_pool2d").sum(dim=(-2, -1))
    if divisor_override is not None:
        if divisor_override == 0:
            raise ValueError("avg_pool2d: divisor_override must not be zero")
        divisor = divisor_override
    elif pads[1] == pads[0] and pads[3] == pads[2] and (count_include_pad or not any(pads)):
        divisor = kernel[0] * kernel[1]  # every window is whole
    else:
        counted = np.zeros(x.shape[2:], dtype=x.dtype)
        if count_include_pad:
            counted[:height + 2 * padding[0], :width + 2 * padding[1]] = 1
        else:
            counted[padding[0]:padding[0] + height, padding[1]:padding[1] + width] = 1
        windows = np.lib.stride_tricks.sliding_window_view(counted, kernel)[::stride[0], ::stride[1]]
        divisor = windows.sum(axis=(-2, -1))[:sums.shape[2], :sums.shape[3]]
    out = sums / divisor
    return out if batched else out.squeeze(0)


def _adaptive_matrix(size, out_size, dtype):
    """(out_size, size) averaging matrix: row i averages [floor(i*size/out), ceil((i+1)*size/out))."""
    matrix = np.zeros((out_size, size), dtype=dtype)
    for i in range(out_size):  # one row per output position, not per pixel
        start, end = (i * size) // out_size, -(-((i + 1) * size) // out_size)
        matrix[i, start:end] = 1.0 / (end - start)
    return ag.from_numpy(matrix)


def adaptive_avg_pool2d(input: ag.Tensor, output_size: int | None | tuple[int | None, int | None]) -> ag.Tensor:
    """Average pooling to a fixed output size (PyTorch's window rule), as two small matmuls.

    Shape: input (N, C, H, W) or (C, H, W); output_size an int or (oh, ow), None keeping
    that input size.
    """
    x, batched = as_batch4(input, "adaptive_avg_pool2d")
    sizes = (output_size, output_size) if isinstance(output_size, numbers.Integral) or output_size is None \
        else tuple(output_size)  # type: ignore[arg-type]  # a pair here (mypy can't narrow by numbers.Integral)
    oh, ow = (x.shape[2 + i] if s is None else int(s) for i, s in enumerate(sizes))
    dtype = x.dtype if x.dtype.kind == "f" else ag.get_default_dtype()
    out = _adaptive_matrix(x.shape[2], oh, dtype) @ x @ _adaptive_matrix(x.shape[3], ow, dtype).T
    return out if batched else out.squeeze(0)


def _as_batch3(input, op):
    """(N, C, L) or (C, L) as a height-1 image batch for the 2-D pooling; anything else is an error."""
    if input.ndim not in (2, 3):
        raise ValueError(f"{op}: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape {shape_of(input)}")
    return input.unsqueeze(-2)


def max_pool1d(input: ag.Tensor, kernel_size: int | tuple[int], stride: int | tuple[int] | None = None,
               padding: int | tuple[int] = 0, dilation: int | tuple[int] = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> ag.Tensor | tuple[ag.Tensor, ag.Tensor]:
    """Maximum over each window of (N, C, L) or (C, L), as torch.nn.functional.max_pool1d
    (with return_indices, also each maximum's position along L)."""
    op = "max_pool1d"
    stride = kernel_size if stride is None or stride == () else stride
    out = max_pool2d(_as_batch3(input, op), (1, single(kernel_size, "kernel_size", op)), (1, single(stride, "stride", op)),
                     (0, single(padding, "padding", op)), (1, single(dilation, "dilation", op)), ceil_mode, return_indices)
    if isinstance(out, tuple):
        return out[0].squeeze(-2), out[1].squeeze(-2)  # h = 0, so the flat index is the position along L
    return out.squeeze(-2)


def avg_pool1d(input: ag.Tensor, kernel_size: int | tuple[int], stride: int | tuple[int] | None = None,
               padding: int | tuple[int] = 0, ceil_mode: bool = False, count_include_pad: bool = True) -> ag.Tensor:
    """Mean over each window of (N, C, L) or (C, L), as torch.nn.functional.avg_pool1d."""
    op = "avg_pool1d"
    stride = kernel_size if stride is None or stride == () else stride
    return avg_pool2d(_as_batch3(input, op), (1, single(kernel_size, "kernel_size", op)), (1, single(stride, "stride", op)),
                      (0, single(padding, "padding", op)), ceil_mode, count_include_pad).squeeze(-2)


def adaptive_avg_pool1d(input: ag.Tensor, output_size: int | tuple[int]) -> ag.Tensor:
    """Average pooling of (N, C, L) or (C, L) to a fixed length (PyTorch's window rule), as one small matmul."""
    x = _as_batch3(input, "adaptive_avg_pool1d").squeeze(-2)
    dtype = x.dtype if x.dtype.kind == "f" else ag.get_default_dtype()
    return x @ _adaptive_matrix(x.shape[-1], single(output_size, "output_size", "adaptive_avg_pool1d"), dtype).T


def _adaptive_windows(size, out_size):
    """(out_size, widest) input positions of each adaptive window, the shorter ones padded by
    repeating their last position (a repeat never changes a maximum or where it is)."""
    starts = (np.arange(out_size) * size) // out_size
    ends = -(-((np.arange(out_size) + 1) * size) // out_size)
    widest = int((ends - starts).max())
    return np.minimum(starts[:, None] + np.arange(widest), ends[:, None] - 1)


def adaptive_max_pool2d(input: ag.Tensor, output_size: int | None | tuple[int | None, int | None],
                        return_indices: bool = False) -> ag.Tensor | tuple[ag.Tensor, ag.Tensor]:
    """Max pooling to a fixed output size (PyTorch's window rule: [floor(i H / oh), ceil((i + 1) H / oh))).

    Shape: input (N, C, H, W) or (C, H, W); output_size an int or (oh, ow), None keeping
    that input size. With return_indices, also each maximum's flat h * W + w position.
    """
    op = "adaptive_max_pool2d"
    x, batched = as_batch4(input, op)
    sizes = (output_size, output_size) if isinstance(output_size, numbers.Integral) or output_size is None \
        else tuple(output_size)  # type: ignore[arg-type]  # a pair here (mypy can't narrow by numbers.Integral)
    if len(sizes) != 2:
        raise ValueError(f"{op}: output_size must be an int or a pair, got {output_size}")
    n, c, height, width = x.shape
    oh, ow = (x.shape[2 + i] if s is None else int(s) for i, s in enumerate(sizes))
    if oh < 1 or ow < 1 or height < 1 or width < 1:
        raise ValueError(f"{op}: output_size {(oh, ow)} and the input's size {(height, width)} must be positive")
    rows, cols = _adaptive_windows(height, oh), _adaptive_windows(width, ow)
    kh, kw = rows.shape[1], cols.shape[1]
    # Gather every window (one index_select per dim), then one max over its kh * kw positions.
    windows = x.index_select(2, rows.reshape(-1)).index_select(3, cols.reshape(-1))
    windows = windows.reshape(n, c, oh, kh, ow, kw).permute(0, 1, 2, 4, 3, 5).reshape(n, c, oh, ow, kh * kw)
    out, position = windows.max(dim=-1)
    if not batched:
        out = out.squeeze(0)
    if not return_indices:
        return out
    where = np.asarray(position)
    picked_rows = rows[np.arange(oh)[:, None], where // kw]  # (N, C, oh, ow), broadcast
    picked_cols = cols[np.arange(ow), where % kw]
    indices = ag.from_numpy((picked_rows * width + picked_cols).astype(np.int64))
    return out, (indices if batched else indices.squeeze(0))


def adaptive_max_pool1d(input: ag.Tensor, output_size: int | tuple[int],
                        return_indices: bool = False) -> ag.Tensor | tuple[ag.Tensor, ag.Tensor]:
    """Max pooling of (N, C, L) or (C, L) to a fixed length, as torch.nn.functional.adaptive_max_pool1d."""
    op = "adaptive_max_pool1d"
    out = adaptive_max_pool2d(_as_batch3(input, op), (1, single(output_size, "output_size", op)), return_indices)
    if isinstance(out, tuple):
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)
