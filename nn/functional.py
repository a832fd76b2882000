"""nn.functional: the math behind every layer, activation and loss; modules only hold state.

Everything is composed from the engine's differentiable operations (so gradients, and
gradients of gradients, come from their rules), except a few fused nodes where bench/ shows
they pay: linear and mean cross-entropy (ag.Primitive: array-speed backward), tiled max-pool
and binary cross-entropy (ag.Function). Convolution and pooling are im2col: `Tensor.unfold` gives every sliding window as a
view, one matmul (or one reduction) does the rest; no Python loop ever runs over pixels.
"""
from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence

import numpy as np
from numpy.typing import DTypeLike

import autograd as ag

# ---- helpers ------------------------------------------------------------------------------


def _pair(value, name: str, op: str) -> tuple:
    """An int or a pair of ints as a pair, as PyTorch's _pair."""
    if isinstance(value, numbers.Integral):
        return int(value), int(value)
    value = tuple(value)
    if len(value) == 1:
        return int(value[0]), int(value[0])
    if len(value) != 2 or not all(isinstance(v, numbers.Integral) for v in value):
        raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {value}")
    return int(value[0]), int(value[1])


def _shape(t) -> tuple:
    return tuple(t.shape)


def _reduction(size_average, reduce, reduction: str, op: str) -> str:
    """The reduction, honouring PyTorch's deprecated size_average/reduce flags."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = ("mean" if size_average else "sum") if reduce else "none"
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return reduction


def _reduce(loss, reduction: str):
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _as_batch4(input, op: str):
    """(N, C, H, W) as is, unbatched (C, H, W) with a batch of one; anything else is an error."""
    if input.ndim == 4:
        return input, True
    if input.ndim == 3:
        return input.unsqueeze(0), False
    raise ValueError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {_shape(input)}")


def _windows(x, kernel, stride, dilation, op):
    """Every kernel window of x (N, C, H, W): a view of shape (N, C, OH, OW, kh, kw)."""
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    if x.shape[2] < spans[0] or x.shape[3] < spans[1]:
        raise ValueError(f"{op}: the (padded) input is {x.shape[2]} x {x.shape[3]} per channel but the kernel "
                         f"covers {spans[0]} x {spans[1]} (kernel {tuple(kernel)}, dilation {tuple(dilation)}); "
                         f"use a smaller kernel or more padding")
    windows = x.unfold(2, spans[0], stride[0]).unfold(3, spans[1], stride[1])
    if dilation != (1, 1):
        windows = windows[..., ::dilation[0], ::dilation[1]]
    return windows


# ---- linear and convolution ---------------------------------------------------------------

def linear(input: ag.Tensor, weight: ag.Tensor, bias: ag.Tensor | None = None) -> ag.Tensor:
    """y = x W^T + b.  Shape: input (*, in_features), weight (out_features, in_features)."""
    if input.shape[-1:] != weight.shape[-1:]:
        raise ValueError(f"linear: the input's last dimension ({_shape(input)}) must equal in_features, "
                         f"the weight's second dimension ({_shape(weight)})")
    if input.ndim == 2 and weight.ndim == 2 and (bias is None or bias.ndim == 1):
        return _Linear.apply(input, weight, bias)  # the common case: one node, three BLAS calls
    if input.ndim > 2:  # one 2-D matmul (NumPy's BLAS path in both directions), not a stacked one
        out = (input.reshape(-1, input.shape[-1]) @ weight.T).reshape(*input.shape[:-1], weight.shape[0])
    else:
        out = input @ weight.T
    return out if bias is None else out + bias


class _Linear(ag.Primitive):
    """x W^T + b for a batch of rows, as one graph node. Backward gives each gradient in its
    parameter's own (row-major) layout: dx = g W, dW = g^T x, db = sum of g over rows, in
    the vocabulary arrays and Tensors share, so that it is itself differentiable."""

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        ctx.save_for_backward(x, weight)
        out = x @ weight.T
        if bias is None:
            return out
        if bias.dtype == out.dtype:
            out += bias
            return out
        return out + bias

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_weight, need_bias = ctx.needs_input_grad
        return (grad @ weight if need_x else None, grad.T @ x if need_weight else None,
                grad.sum(axis=0) if need_bias else None)


def _conv_padding(padding, kernel, stride, dilation):
    """(top, bottom, left, right) from an int, a pair, 'valid' or 'same' (extra on the bottom/right)."""
    if isinstance(padding, str):
        if padding == "valid":
            return 0, 0, 0, 0
        if padding != "same":
            raise ValueError(f"conv2d: padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
        if stride != (1, 1):
            raise ValueError("conv2d: padding='same' is not supported for strided convolutions")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return totals[0] // 2, totals[0] - totals[0] // 2, totals[1] // 2, totals[1] - totals[1] // 2
    ph, pw = _pair(padding, "padding", "conv2d")
    return ph, ph, pw, pw


def conv2d(input: ag.Tensor, weight: ag.Tensor, bias: ag.Tensor | None = None, stride: int | tuple[int, int] = 1,
           padding: str | int | tuple[int, int] = 0, dilation: int | tuple[int, int] = 1, groups: int = 1) -> ag.Tensor:
    """2-D cross-correlation, as torch.nn.functional.conv2d.

    Shape: input (N, C_in, H, W) or (C_in, H, W); weight (C_out, C_in / groups, kh, kw);
    bias (C_out,); output (N, C_out, H_out, W_out) with
    H_out = (H + top + bottom - dilation * (kh - 1) - 1) // stride + 1.
    """
    x, batched = _as_batch4(input, "conv2d")
    if weight.ndim != 4:
        raise ValueError(f"conv2d: weight must be 4-D (C_out, C_in / groups, kh, kw), got shape {_shape(weight)}")
    n, channels = x.shape[:2]
    out_channels, group_channels, kh, kw = weight.shape
    if channels != group_channels * groups or out_channels % groups:
        raise ValueError(f"conv2d: input of shape {_shape(input)} has {channels} channels, but the weight of shape "
                         f"{_shape(weight)} with groups={groups} expects {group_channels * groups}; out channels "
                         f"({out_channels}) must also be divisible by groups")
    stride, dilation = _pair(stride, "stride", "conv2d"), _pair(dilation, "dilation", "conv2d")
    top, bottom, left, right = _conv_padding(padding, (kh, kw), stride, dilation)
    if top or bottom or left or right:
        x = ag.pad(x, (left, right, top, bottom))
    windows = _windows(x, (kh, kw), stride, dilation, "conv2d")
    oh, ow = windows.shape[2:4]
    # im2col: each group's windows as an (N*OH*OW, C_in/groups*kh*kw) matrix times its kernels.
    # 2-D matmuls only: they take NumPy's BLAS path in both directions (stacked ones may not).
    per_group = out_channels // groups
    outputs = []
    for g in range(groups):  # a loop over groups, never over pixels
        group = windows if groups == 1 else windows[:, g * group_channels:(g + 1) * group_channels]
        columns = group.permute(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, group_channels * kh * kw)
        kernels = weight if groups == 1 else weight[g * per_group:(g + 1) * per_group]
        outputs.append(columns @ kernels.reshape(per_group, group_channels * kh * kw).T)
    out = outputs[0] if groups == 1 else ag.cat(outputs, dim=1)
    # Row-major (N, C, H, W) memory: what follows (ReLU, pooling, their gradients) runs on
    # contiguous arrays instead of mixing layouts, which makes NumPy's loops several times slower.
    out = out.reshape(n, oh, ow, out_channels).permute(0, 3, 1, 2).contiguous()
    if bias is not None:
        out = out + bias.reshape(1, out_channels, 1, 1)
    return out if batched else out.squeeze(0)


# ---- pooling ------------------------------------------------------------------------------

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


def _pool_setup(input, kernel_size, stride, padding, dilation, ceil_mode, op):
    x, batched = _as_batch4(input, op)
    kernel = _pair(kernel_size, "kernel_size", op)
    stride = kernel if stride is None or (not isinstance(stride, numbers.Integral) and len(stride) == 0) \
        else _pair(stride, "stride", op)
    padding, dilation = _pair(padding, "padding", op), _pair(dilation, "dilation", op)
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
    windows = _windows(x, kernel, stride, dilation, "max_pool2d")
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


class _TiledMaxPool(ag.Function):
    """Max pooling whose windows tile the input (stride = kernel, no padding, dilation 1):
    one reshape and max forward; backward sends each gradient to its window's first maximum
    (PyTorch's choice among ties), through Tensor ops so that it is itself differentiable."""

    @staticmethod
    def forward(ctx, x, kernel=(2, 2)):
        n, c, h, w = x.shape
        (kh, kw), oh, ow = kernel, x.shape[2] // kernel[0], x.shape[3] // kernel[1]
        tiles = np.asarray(x)[:, :, :oh * kh, :ow * kw].reshape(n, c, oh, kh, ow, kw)
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
        return ag.from_numpy(out)

    @staticmethod
    def backward(ctx, grad):
        n, c, oh, kh, ow, kw = ctx.first.shape
        spread = grad.reshape(n, c, oh, 1, ow, 1).expand(n, c, oh, kh, ow, kw) * ag.from_numpy(ctx.first)
        spread = spread.reshape(n, c, oh * kh, ow * kw)
        h, w = ctx.size
        return spread if (h, w) == (oh * kh, ow * kw) else ag.pad(spread, (0, w - ow * kw, 0, h - oh * kh))


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
    sums = _windows(x, kernel, stride, (1, 1), "avg_pool2d").sum(dim=(-2, -1))
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
    x, batched = _as_batch4(input, "adaptive_avg_pool2d")
    sizes = (output_size, output_size) if isinstance(output_size, numbers.Integral) or output_size is None \
        else tuple(output_size)
    oh, ow = (x.shape[2 + i] if s is None else int(s) for i, s in enumerate(sizes))
    dtype = x.dtype if x.dtype.kind == "f" else ag.get_default_dtype()
    out = _adaptive_matrix(x.shape[2], oh, dtype) @ x @ _adaptive_matrix(x.shape[3], ow, dtype).T
    return out if batched else out.squeeze(0)


# ---- dropout, normalisation, embedding, padding ---------------------------------------------

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


def _standardize(x, axes, eps):
    """(x - mean) / sqrt(biased var + eps) over axes; also the mean and variance."""
    mean = x.mean(dim=axes, keepdim=True)
    centered = x - mean
    var = (centered * centered).mean(dim=axes, keepdim=True)
    return centered * ag.rsqrt(var + eps), mean, var


def batch_norm(input: ag.Tensor, running_mean: ag.Tensor | None, running_var: ag.Tensor | None,
               weight: ag.Tensor | None = None, bias: ag.Tensor | None = None, training: bool = False,
               momentum: float | None = 0.1, eps: float = 1e-5) -> ag.Tensor:
    """Batch normalisation over every dim but the channel dim 1, as torch.nn.functional.batch_norm.

    In training it normalises by the batch statistics and, when given, updates the running
    statistics in place (mean, and the unbiased variance, with weight `momentum`); otherwise
    it uses the running statistics. Shape: input (N, C) or (N, C, *).
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of shape (N, C, *), got {_shape(input)}")
    channels = input.shape[1]
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (1, channels) + (1,) * (input.ndim - 2)
    if training:
        count = input.numel() // channels
        if count <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {_shape(input)}")
        out, mean, var = _standardize(input, axes, eps)
        if running_mean is not None and running_var is not None:
            if momentum is None:
                raise ValueError("batch_norm: momentum must be a number when running statistics are updated")
            with ag.no_grad():
                running_mean.mul_(1 - momentum).add_(mean.reshape(channels) * momentum)
                running_var.mul_(1 - momentum).add_(var.reshape(channels) * (momentum * count / (count - 1)))
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are required when training=False")
        out = (input - running_mean.reshape(shape)) * ag.rsqrt(running_var.reshape(shape) + eps)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def layer_norm(input: ag.Tensor, normalized_shape: int | Sequence[int], weight: ag.Tensor | None = None, bias: ag.Tensor | None = None,
               eps: float = 1e-5) -> ag.Tensor:
    """Normalises over the trailing `normalized_shape` dims (biased variance), then scales and shifts."""
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else tuple(normalized_shape)
    count = len(normalized_shape)
    if count == 0 or _shape(input)[input.ndim - count:] != normalized_shape:
        raise ValueError(f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
                         f"[*, {', '.join(map(str, normalized_shape))}], but got input of size {list(input.shape)}")
    out = _standardize(input, tuple(range(input.ndim - count, input.ndim)), eps)[0]
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def _renorm_rows_(weight, rows, max_norm, norm_type):
    """Scales the rows of `weight` used in this lookup down to norm max_norm, in place."""
    with ag.no_grad():
        table = weight.detach()
        values = np.asarray(table)[rows]
        norms = np.linalg.norm(values, ord=norm_type, axis=1, keepdims=True)
        scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        table[rows] = ag.from_numpy((values * scale).astype(values.dtype))


def embedding(input: ag.Tensor, weight: ag.Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> ag.Tensor:
    """Looks up rows of `weight` (num_embeddings, dim) by integer index.

    Shape: input (*) of integers; output (*, dim). Entries equal to padding_idx get no
    gradient; with max_norm, rows used are first renormalised in place.
    """
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse gradients are not supported")
    indices = np.asarray(input)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {indices.dtype}; use input.long()")
    rows = weight.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= rows):
        bad = indices.min() if indices.min() < 0 else indices.max()
        raise IndexError(f"embedding: index {bad} is out of range for a table of {rows} rows")
    if max_norm is not None:
        _renorm_rows_(weight, np.unique(indices), max_norm, norm_type)
    out = weight[indices]
    if padding_idx is not None:
        padding_idx = padding_idx + rows if padding_idx < 0 else padding_idx
        padded = (indices == padding_idx)[..., None]
        if padded.any():
            out = ag.where(padded, out.detach(), out)
    return out


def pad(input: ag.Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> ag.Tensor:
    """Pads the last len(pad) // 2 dims: pad = (left, right, top, bottom, ...) from the last dim.

    mode: 'constant' (with value, default 0), 'reflect', 'replicate' or 'circular'.
    """
    if mode == "constant":
        return ag.pad(input, pad, value=0.0 if value is None else value)
    np_modes = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}
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


def one_hot(tensor: ag.Tensor, num_classes: int = -1) -> ag.Tensor:
    """int64 one-hot encoding with a new last dim of num_classes (max + 1 when -1)."""
    indices = np.asarray(tensor)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected an integer tensor, got dtype {indices.dtype}")
    if num_classes == -1:
        num_classes = int(indices.max()) + 1 if indices.size else 0
    if indices.size and (indices.min() < 0 or indices.max() >= num_classes):
        raise ValueError(f"one_hot: class values must be in [0, {num_classes}), got range "
                         f"[{indices.min()}, {indices.max()}]")
    return ag.from_numpy((indices[..., None] == np.arange(num_classes)).astype(np.int64))


# ---- activations --------------------------------------------------------------------------
# `inplace` is accepted for compatibility with PyTorch code; results are always new tensors.

def relu(input: ag.Tensor, inplace: bool = False) -> ag.Tensor:
    return ag.relu(input)


def leaky_relu(input: ag.Tensor, negative_slope: float = 0.01, inplace: bool = False) -> ag.Tensor:
    return ag.leaky_relu(input, negative_slope)


def prelu(input: ag.Tensor, weight: ag.Tensor) -> ag.Tensor:
    """max(0, x) + weight * min(0, x) with one slope, or one per channel (dim 1)."""
    if weight.numel() != 1:
        channels = input.shape[1] if input.ndim >= 2 else 1
        if weight.numel() != channels:
            raise ValueError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                             f"{weight.numel()} and channel size = {channels}.")
        weight = weight.reshape((1, channels) + (1,) * (input.ndim - 2))
    return ag.where(np.asarray(input) > 0, input, input * weight)


def elu(input: ag.Tensor, alpha: float = 1.0, inplace: bool = False) -> ag.Tensor:
    return ag.elu(input, alpha)


def gelu(input: ag.Tensor, approximate: str = "none") -> ag.Tensor:
    return ag.gelu(input, approximate)


def silu(input: ag.Tensor, inplace: bool = False) -> ag.Tensor:
    return ag.silu(input)


def sigmoid(input: ag.Tensor) -> ag.Tensor:
    return ag.sigmoid(input)


def tanh(input: ag.Tensor) -> ag.Tensor:
    return ag.tanh(input)


def softplus(input: ag.Tensor, beta: float = 1.0, threshold: float = 20.0) -> ag.Tensor:
    return ag.softplus(input, beta, threshold)


def _softmax_dim(input, dim, op):
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {op} has been deprecated. Change the call to include "
                      f"dim=X as an argument.", stacklevel=3)
        dim = 0 if input.ndim in (0, 1, 3) else 1
    return dim


def softmax(input: ag.Tensor, dim: int | None = None, dtype: DTypeLike | None = None) -> ag.Tensor:
    """exp(x) / sum(exp(x)) along dim, computed stably."""
    input = input if dtype is None else input.to(dtype)
    return ag.softmax(input, _softmax_dim(input, dim, "softmax"))


def log_softmax(input: ag.Tensor, dim: int | None = None, dtype: DTypeLike | None = None) -> ag.Tensor:
    """log(softmax(x)) along dim, stable for any finite logits (one graph node)."""
    input = input if dtype is None else input.to(dtype)
    return ag.log_softmax(input, _softmax_dim(input, dim, "log_softmax"))


# ---- losses -------------------------------------------------------------------------------

def _check_same_size(input, target, op):
    if _shape(input) != _shape(target):
        warnings.warn(f"{op}: using a target size ({_shape(target)}) that is different to the input size "
                      f"({_shape(input)}). This will likely lead to incorrect results due to broadcasting. "
                      f"Please ensure they have the same size.", stacklevel=3)


def _pointwise_loss(loss, input, weight, reduction, mean_by_weight, op):
    """Applies the optional elementwise weight and the reduction (PyTorch 2.13's rules)."""
    if weight is None:
        return _reduce(loss, reduction)
    if _shape(weight) != _shape(input):
        raise ValueError(f"{op}: weights and input must have the same size, got {_shape(weight)} and {_shape(input)}")
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def mse_loss(input: ag.Tensor, target: ag.Tensor, size_average: bool | None = None, reduce: bool | None = None,
             reduction: str = "mean", weight: ag.Tensor | None = None) -> ag.Tensor:
    """(input - target)^2, reduced; with weight, 'mean' is sum(w * loss) / sum(w)."""
    reduction = _reduction(size_average, reduce, reduction, "mse_loss")
    _check_same_size(input, target, "mse_loss")
    diff = input - target
    return _pointwise_loss(diff * diff, input, weight, reduction, True, "mse_loss")


def l1_loss(input: ag.Tensor, target: ag.Tensor, size_average: bool | None = None, reduce: bool | None = None,
            reduction: str = "mean", weight: ag.Tensor | None = None) -> ag.Tensor:
    """|input - target|, reduced; with weight, 'mean' is sum(w * loss) / sum(w)."""
    reduction = _reduction(size_average, reduce, reduction, "l1_loss")
    _check_same_size(input, target, "l1_loss")
    return _pointwise_loss(ag.abs(input - target), input, weight, reduction, True, "l1_loss")


def _quadratic_then_linear(diff, width):
    """0.5 d^2 for |d| < width, else width * (|d| - 0.5 width): Huber's loss."""
    size = ag.abs(diff)
    return ag.where(np.asarray(size) < width, diff * diff * 0.5, (size - 0.5 * width) * width)


def smooth_l1_loss(input: ag.Tensor, target: ag.Tensor, size_average: bool | None = None,
                   reduce: bool | None = None, reduction: str = "mean", beta: float = 1.0) -> ag.Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (L1 when beta is 0)."""
    reduction = _reduction(size_average, reduce, reduction, "smooth_l1_loss")
    _check_same_size(input, target, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    diff = input - target
    if beta == 0:
        return _reduce(ag.abs(diff), reduction)
    return _reduce(_quadratic_then_linear(diff, beta) / beta, reduction)


def huber_loss(input: ag.Tensor, target: ag.Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: ag.Tensor | None = None) -> ag.Tensor:
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta); with weight, 'mean' is a plain mean."""
    reduction = _reduction(None, None, reduction, "huber_loss")
    _check_same_size(input, target, "huber_loss")
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    return _pointwise_loss(_quadratic_then_linear(input - target, delta), input, weight, reduction, False, "huber_loss")


def _class_targets(input, target, ignore_index, op):
    """Validated integer targets for (N, C, *) or (C,) input; ignored entries replaced by 0."""
    indices = np.asarray(target)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"{op}: class-index targets must be integers, got dtype {indices.dtype}; use target.long()")
    batch = (_shape(input)[:1] + _shape(input)[2:]) if input.ndim >= 2 else ()
    if indices.shape != batch:
        raise ValueError(f"{op}: input of shape {_shape(input)} (N, C, *) needs a target of shape {batch} (N, *), "
                         f"got {indices.shape}")
    ignored = indices == ignore_index
    classes = input.shape[1] if input.ndim >= 2 else input.shape[0]
    bad = (~ignored) & ((indices < 0) | (indices >= classes))
    if bad.any():
        raise IndexError(f"{op}: Target {indices[bad].flat[0]} is out of bounds (there are {classes} classes)")
    return np.where(ignored, 0, indices), ignored


def _weighted_mean(total, weight_sum):
    """total / weight_sum; NaN without a warning when every target is ignored, as PyTorch."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return total / weight_sum


def _class_weight(weight, classes, op):
    """The per-class weights as a constant array (PyTorch gives them no gradient either)."""
    if weight is None:
        return None
    values = np.asarray(weight)
    if values.shape != (classes,):
        raise ValueError(f"{op}: weight should have one entry per class, shape ({classes},), got {values.shape}")
    return values


def _picked_nll(log_probs, target, weight, ignore_index, op):
    """Per-element -w[y] * log_probs[y] (0 where ignored) and the weights w[y] used."""
    safe, ignored = _class_targets(log_probs, target, ignore_index, op)
    class_dim = 1 if log_probs.ndim >= 2 else 0
    weight = _class_weight(weight, log_probs.shape[class_dim], op)
    picked = log_probs.gather(class_dim, ag.from_numpy(np.expand_dims(safe, class_dim))).squeeze(class_dim)
    dtype = log_probs.dtype
    weights = np.ones(safe.shape, dtype=dtype) if weight is None else np.asarray(weight, dtype=dtype)[safe]
    weights = np.where(ignored, 0, weights).astype(dtype)
    return -picked * ag.from_numpy(weights), weights


def nll_loss(input: ag.Tensor, target: ag.Tensor, weight: ag.Tensor | None = None, size_average: bool | None = None,
             ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean") -> ag.Tensor:
    """Negative log likelihood of class indices given log-probabilities.

    Shape: input (N, C, *) or (C,); target (N, *) or () of class indices. 'mean' divides
    by the summed weights of the non-ignored targets (PyTorch's weighted mean).
    """
    reduction = _reduction(size_average, reduce, reduction, "nll_loss")
    losses, weights = _picked_nll(input, target, weight, ignore_index, "nll_loss")
    if reduction == "mean":
        return _weighted_mean(losses.sum(), weights.sum())
    return _reduce(losses, reduction)


def cross_entropy(input: ag.Tensor, target: ag.Tensor, weight: ag.Tensor | None = None, size_average: bool | None = None,
                  ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> ag.Tensor:
    """Cross-entropy of logits against class indices or class probabilities.

    Shape: input (N, C, *) or (C,); target either (N, *) integer class indices, or the
    input's shape with probabilities. Follows PyTorch's exact weighting, ignore_index and
    label_smoothing rules (for indices, 'mean' divides by the non-ignored targets' weights).
    """
    reduction = _reduction(size_average, reduce, reduction, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    class_dim = 1 if input.ndim >= 2 else 0
    classes = input.shape[class_dim]
    if (input.ndim == 2 and weight is None and label_smoothing == 0 and reduction == "mean"
            and np.asarray(target).dtype.kind in "iu"):
        indices, ignored = _class_targets(input, target, ignore_index, "cross_entropy")
        if not ignored.any() and len(indices):
            return _MeanSoftmaxCrossEntropy.apply(input, target=indices)  # the common case, one node
    log_probs = log_softmax(input, class_dim)
    weight_shape = (1,) * class_dim + (classes,) + (1,) * (input.ndim - class_dim - 1)
    weight = _class_weight(weight, classes, "cross_entropy")
    class_weight = None if weight is None else ag.from_numpy(weight.astype(input.dtype).reshape(weight_shape))
    if np.asarray(target).dtype.kind == "f":
        if _shape(target) != _shape(input):
            raise ValueError(f"cross_entropy: probability targets must have the input's shape {_shape(input)}, "
                             f"got {_shape(target)}")
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / classes
        terms = log_probs * target if class_weight is None else log_probs * class_weight * target
        if reduction == "mean":
            return -terms.sum() / (input.numel() // classes) if input.numel() else -terms.sum() * math.nan
        return -terms.sum() if reduction == "sum" else -terms.sum(dim=class_dim)
    losses, weights = _picked_nll(log_probs, target, weight, ignore_index, "cross_entropy")
    if reduction == "mean":
        loss = _weighted_mean(losses.sum(), weights.sum())
    else:
        loss = _reduce(losses, reduction)
    if label_smoothing == 0:
        return loss
    smooth = -(log_probs if class_weight is None else log_probs * class_weight).sum(dim=class_dim)
    ignored = np.asarray(target) == ignore_index
    smooth = ag.where(ignored, 0.0, smooth)
    if reduction == "mean":
        smooth = _weighted_mean(smooth.sum(), weights.sum() if weight is not None else int((~ignored).sum()))
    else:
        smooth = _reduce(smooth, reduction)
    return loss * (1 - label_smoothing) + smooth * (label_smoothing / classes)


class _MeanSoftmaxCrossEntropy(ag.Primitive):
    """mean_i -log softmax(x_i)[t_i] for logits (N, C) and class indices t, as one node.
    Backward (softmax(x) - onehot(t)) * g / N, in the vocabulary arrays and Tensors share."""

    @staticmethod
    def forward(ctx, x, target=None):
        shifted = x - x.max(axis=1, keepdims=True)
        exps = np.exp(shifted)
        totals = exps.sum(axis=1, keepdims=True)
        rows = np.arange(len(target))
        loss = (np.log(totals[:, 0]) - shifted[rows, target]).mean()
        ctx.onehot = np.zeros(x.shape, dtype=x.dtype)
        ctx.onehot[rows, target] = 1
        ctx.probabilities = exps / totals
        ctx.save_for_backward(x)
        return np.asarray(loss, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        if isinstance(x, ag.Tensor):  # create_graph: softmax recorded from x, to be differentiated again
            probabilities = ag.softmax(x, 1)
        else:  # the forward's softmax of the same x (saved_tensors checked that it did not change)
            probabilities = ctx.probabilities
        return (probabilities - ctx.onehot) * (grad / x.shape[0])


class _BinaryCrossEntropy(ag.Function):
    """Elementwise -(y log x + (1 - y) log(1 - x)), each log clamped at -100, with PyTorch's
    gradient (x - y) / max(x (1 - x), 1e-12): finite even where x is exactly 0 or 1."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        p, t = np.asarray(x), np.asarray(y)
        with np.errstate(divide="ignore"):
            return ag.from_numpy(-(t * np.maximum(np.log(p), -100) + (1 - t) * np.maximum(np.log1p(-p), -100)))

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        grad_x = grad * (x - y) / ag.clamp(x * (1 - x), min=1e-12) if need_x else None
        grad_y = grad * (ag.clamp(ag.log1p(-x), min=-100) - ag.clamp(ag.log(x), min=-100)) if need_y else None
        return grad_x, grad_y


def binary_cross_entropy(input: ag.Tensor, target: ag.Tensor, weight: ag.Tensor | None = None,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> ag.Tensor:
    """-w (y log x + (1 - y) log(1 - x)) with each log clamped at -100, as PyTorch.

    Shape: input and target of the same shape, input in [0, 1]; weight broadcasts to it.
    """
    reduction = _reduction(size_average, reduce, reduction, "binary_cross_entropy")
    if _shape(input) != _shape(target):
        raise ValueError(f"binary_cross_entropy: using a target size ({_shape(target)}) that is different to the "
                         f"input size ({_shape(input)}) is deprecated. Please ensure they have the same size.")
    values = np.asarray(input)
    if values.size and (values.min() < 0 or values.max() > 1):
        raise ValueError("binary_cross_entropy: all elements of input should be between 0 and 1 "
                         "(pass probabilities, e.g. sigmoid(x), or use binary_cross_entropy_with_logits)")
    loss = _BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input: ag.Tensor, target: ag.Tensor, weight: ag.Tensor | None = None,
                                     size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean",
                                     pos_weight: ag.Tensor | None = None) -> ag.Tensor:
    """Sigmoid and binary cross-entropy in one stable formula:
    (1 - y) x + (1 + (pos_weight - 1) y) softplus(-x), times weight."""
    reduction = _reduction(size_average, reduce, reduction, "binary_cross_entropy_with_logits")
    if _shape(input) != _shape(target):
        raise ValueError(f"binary_cross_entropy_with_logits: target size ({_shape(target)}) must be the same as "
                         f"input size ({_shape(input)})")
    softplus_neg = ag.softplus(-input)  # -log(sigmoid(x)), never overflows
    if pos_weight is not None:
        softplus_neg = softplus_neg * ((pos_weight - 1) * target + 1)
    loss = (1 - target) * input + softplus_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)
