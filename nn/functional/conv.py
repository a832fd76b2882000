"""nn.functional's convolution: conv2d as im2col. `sliding_windows` gives every kernel
window of a padded (N, C, H, W) input as a view (Tensor.unfold, strided for dilation), and
one 2-D matmul per group does the rest, so no Python loop ever runs over pixels; pooling
takes its windows from the same helper. conv1d is conv2d on a height-1 input. The transposed
convolutions are conv2d's input gradient run forward: one matmul gives every window's
contribution and col2im (`_Col2Im`, the adjoint of sliding_windows) adds them into place."""
from __future__ import annotations

import numpy as np

import autograd as ag

from .arguments import as_batch4, conv_padding, pair, shape_of, single


def sliding_windows(x, kernel, stride, dilation, op):
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


def conv2d(input: ag.Tensor, weight: ag.Tensor, bias: ag.Tensor | None = None, stride: int | tuple[int, int] = 1,
           padding: str | int | tuple[int, int] = 0, dilation: int | tuple[int, int] = 1, groups: int = 1) -> ag.Tensor:
    """2-D cross-correlation, as torch.nn.functional.conv2d.

    Shape: input (N, C_in, H, W) or (C_in, H, W); weight (C_out, C_in / groups, kh, kw);
    bias (C_out,); output (N, C_out, H_out, W_out) with
    H_out = (H + top + bottom - dilation * (kh - 1) - 1) // stride + 1.
    """
    x, batched = as_batch4(input, "conv2d")
    if weight.ndim != 4:
        raise ValueError(f"conv2d: weight must be 4-D (C_out, C_in / groups, kh, kw), got shape {shape_of(weight)}")
    n, channels = x.shape[:2]
    out_channels, group_channels, kh, kw = weight.shape
    if channels != group_channels * groups or out_channels % groups:
        raise ValueError(f"conv2d: input of shape {shape_of(input)} has {channels} channels, but the weight of shape "
                         f"{shape_of(weight)} with groups={groups} expects {group_channels * groups}; out channels "
                         f"({out_channels}) must also be divisible by groups")
    stride, dilation = pair(stride, "stride", "conv2d"), pair(dilation, "dilation", "conv2d")
    top, bottom, left, right = conv_padding(padding, (kh, kw), stride, dilation)
    if top or bottom or left or right:
        x = ag.pad(x, (left, right, top, bottom))
    windows = sliding_windows(x, (kh, kw), stride, dilation, "conv2d")
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


def conv1d(input: ag.Tensor, weight: ag.Tensor, bias: ag.Tensor | None = None, stride: int | tuple[int] = 1,
           padding: str | int | tuple[int] = 0, dilation: int | tuple[int] = 1, groups: int = 1) -> ag.Tensor:
    """1-D cross-correlation, as torch.nn.functional.conv1d (conv2d on a height-1 input).

    Shape: input (N, C_in, L) or (C_in, L); weight (C_out, C_in / groups, k); bias (C_out,);
    output (N, C_out, L_out) with L_out = (L + 2 padding - dilation * (k - 1) - 1) // stride + 1.
    padding may be 'valid' or 'same' (stride 1 only; an odd total puts the extra on the right).
    """
    if input.ndim not in (2, 3) or weight.ndim != 3:
        raise ValueError(f"conv1d: expected a 2-D (C_in, L) or 3-D (N, C_in, L) input and a 3-D weight "
                         f"(C_out, C_in / groups, k), got shapes {shape_of(input)} and {shape_of(weight)}")
    if input.shape[-2] != weight.shape[1] * groups:
        raise ValueError(f"conv1d: input of shape {shape_of(input)} has {input.shape[-2]} channels, but the weight of "
                         f"shape {shape_of(weight)} with groups={groups} expects {weight.shape[1] * groups}")
    stride, dilation = single(stride, "stride", "conv1d"), single(dilation, "dilation", "conv1d")
    if padding == "same" and stride != 1:
        raise ValueError("conv1d: padding='same' is not supported for strided convolutions; use an int padding")
    padding2 = padding if isinstance(padding, str) else (0, single(padding, "padding", "conv1d"))
    out = conv2d(input.unsqueeze(-2), weight.unsqueeze(2), bias, (1, stride), padding2, (1, dilation), groups)
    return out.squeeze(-2)


class _Col2Im(ag.Primitive):
    """col2im, the adjoint of sliding_windows: adds each window (N, C, H, W, kh, kw) back into
    an (N, C, *size) plane at rows h * stride + i * dilation (and columns likewise). One
    strided add per kernel offset, never per pixel; backward takes the windows again."""

    symbol = "col2im"

    @staticmethod
    def forward(ctx, cols, size=(1, 1), stride=(1, 1), dilation=(1, 1)):
        n, c, h, w, kh, kw = cols.shape
        ctx.geometry = (h, w, (kh, kw), stride, dilation)
        out = np.zeros((n, c, *size), dtype=cols.dtype)
        slabs = np.ascontiguousarray(np.moveaxis(cols, (4, 5), (0, 1)))  # each offset's slab read contiguously
        for i in range(kh):
            for j in range(kw):
                top, left = i * dilation[0], j * dilation[1]
                out[:, :, top:top + stride[0] * (h - 1) + 1:stride[0],
                    left:left + stride[1] * (w - 1) + 1:stride[1]] += slabs[i, j]
        return out

    @staticmethod
    def backward(ctx, grad):
        h, w, kernel, stride, dilation = ctx.geometry
        windows = sliding_windows(ag.as_tensor(grad), kernel, stride, dilation, "col2im")
        return windows[:, :, :h, :w]  # output_padding may leave room for one more window


def _transposed_geometry(size, kernel, stride, padding, output_padding, dilation, op):
    """Output length of a transposed convolution along one dim (PyTorch's formula), checked."""
    if output_padding >= max(stride, dilation) or output_padding < 0:
        raise ValueError(f"{op}: output_padding ({output_padding}) must be smaller than either stride ({stride}) "
                         f"or dilation ({dilation})")
    out = (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    if out < 1:
        raise ValueError(f"{op}: an input of size {size} with kernel {kernel}, stride {stride}, padding {padding} and "
                         f"dilation {dilation} gives output size {out}: use less padding")
    return out


def conv_transpose2d(input: ag.Tensor, weight: ag.Tensor, bias: ag.Tensor | None = None,
                     stride: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] = 0,
                     output_padding: int | tuple[int, ...] = 0, groups: int = 1,
                     dilation: int | tuple[int, ...] = 1) -> ag.Tensor:
    """2-D transposed convolution ("deconvolution"), as torch.nn.functional.conv_transpose2d:
    the gradient of conv2d with respect to its input, computed forward.

    Shape: input (N, C_in, H, W) or (C_in, H, W); weight (C_in, C_out / groups, kh, kw);
    bias (C_out,); output (N, C_out, H_out, W_out) with
    H_out = (H - 1) stride - 2 padding + dilation (kh - 1) + output_padding + 1.
    """
    x, batched = as_batch4(input, "conv_transpose2d")
    if weight.ndim != 4:
        raise ValueError(f"conv_transpose2d: weight must be 4-D (C_in, C_out / groups, kh, kw), "
                         f"got shape {shape_of(weight)}")
    n, channels, height, width = x.shape
    in_channels, group_out, kh, kw = weight.shape
    if groups <= 0 or channels != in_channels or in_channels % groups:
        raise ValueError(f"conv_transpose2d: input of shape {shape_of(input)} has {channels} channels, but the weight "
                         f"of shape {shape_of(weight)} expects {in_channels} (its first dim), which must be divisible "
                         f"by groups ({groups})")
    stride, dilation = pair(stride, "stride", "conv_transpose2d"), pair(dilation, "dilation", "conv_transpose2d")
    padding = pair(padding, "padding", "conv_transpose2d")
    output_padding = pair(output_padding, "output_padding", "conv_transpose2d")
    sizes = [_transposed_geometry(s, k, st, p, op, d, "conv_transpose2d") for s, k, st, p, op, d
             in zip((height, width), (kh, kw), stride, padding, output_padding, dilation)]
    # Each input pixel times the kernels: every output window's contribution, one matmul per group.
    group_in = in_channels // groups
    rows = x.permute(0, 2, 3, 1).reshape(n * height * width, in_channels)
    parts = []
    for g in range(groups):  # a loop over groups, never over pixels
        part = rows if groups == 1 else rows[:, g * group_in:(g + 1) * group_in]
        kernels = weight if groups == 1 else weight[g * group_in:(g + 1) * group_in]
        parts.append(part @ kernels.reshape(group_in, group_out * kh * kw))
    cols = parts[0] if groups == 1 else ag.cat(parts, dim=1)
    cols = cols.reshape(n, height, width, groups * group_out, kh, kw).permute(0, 3, 1, 2, 4, 5)
    full = tuple(size + 2 * p for size, p in zip(sizes, padding))  # padding crops the full output
    out = _Col2Im.apply(cols, size=full, stride=stride, dilation=dilation)
    if any(padding):
        out = out[:, :, padding[0]:padding[0] + sizes[0], padding[1]:padding[1] + sizes[1]]
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1)
    return out if batched else out.squeeze(0)


def conv_transpose1d(input: ag.Tensor, weight: ag.Tensor, bias: ag.Tensor | None = None, stride: int | tuple[int, ...] = 1,
                     padding: int | tuple[int, ...] = 0, output_padding: int | tuple[int, ...] = 0, groups: int = 1,
                     dilation: int | tuple[int, ...] = 1) -> ag.Tensor:
    """1-D transposed convolution, as torch.nn.functional.conv_transpose1d (conv_transpose2d at height 1).

    Shape: input (N, C_in, L) or (C_in, L); weight (C_in, C_out / groups, k); output
    (N, C_out, L_out) with L_out = (L - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1.
    """
    if input.ndim not in (2, 3) or weight.ndim != 3:
        raise ValueError(f"conv_transpose1d: expected a 2-D (C_in, L) or 3-D (N, C_in, L) input and a 3-D weight "
                         f"(C_in, C_out / groups, k), got shapes {shape_of(input)} and {shape_of(weight)}")
    if input.shape[-2] != weight.shape[0]:
        raise ValueError(f"conv_transpose1d: input of shape {shape_of(input)} has {input.shape[-2]} channels, but the "
                         f"weight of shape {shape_of(weight)} expects {weight.shape[0]} (its first dim)")
    op = "conv_transpose1d"
    out = conv_transpose2d(input.unsqueeze(-2), weight.unsqueeze(2), bias, (1, single(stride, "stride", op)),
                           (0, single(padding, "padding", op)), (0, single(output_padding, "output_padding", op)),
                           groups, (1, single(dilation, "dilation", op)))
    return out.squeeze(-2)
