"""nn.functional's convolution: conv2d as im2col. `sliding_windows` gives every kernel
window of a padded (N, C, H, W) input as a view (Tensor.unfold, strided for dilation), and
one 2-D matmul per group does the rest, so no Python loop ever runs over pixels; pooling
takes its windows from the same helper."""
from __future__ import annotations

import autograd as ag

from .arguments import as_batch4, conv_padding, pair, shape_of


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
