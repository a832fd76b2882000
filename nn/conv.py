"""Conv2d: a 2-D convolution layer on F.conv2d (im2col and one matmul)."""
from __future__ import annotations

from numpy.typing import DTypeLike

import autograd as ag

from . import functional as F
from . import init
from .functional.arguments import conv_padding, pair
from .module import Module, Parameter, factory_dtype

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class Conv2d(Module):
    """2-D convolution (cross-correlation) over an input of several planes.

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size, stride (1), dilation (1): ints or (h, w) pairs.
        padding (0): an int, a pair, 'valid' (none) or 'same' (output size = input size;
            stride 1 only; an odd total puts the extra row/column at the bottom/right).
        groups (1): in and out channels are split into this many independent groups.
        bias (True); padding_mode: 'zeros', 'reflect', 'replicate' or 'circular'.

    Shape:
        input (N, C_in, H, W) or (C_in, H, W) -> output (N, C_out, H_out, W_out) with
        H_out = (H + 2 padding - dilation (kernel - 1) - 1) // stride + 1.
        weight (C_out, C_in / groups, kh, kw), initialised as PyTorch (kaiming_uniform_
        with a = sqrt(5)); bias (C_out,) U(-1/sqrt(fan_in), 1/sqrt(fan_in)).

    Example:
        >>> import autograd as ag, nn
        >>> nn.Conv2d(3, 8, 3, padding=1)(ag.randn(2, 3, 16, 16)).shape
        (2, 8, 16, 16)
    """

    bias: Parameter | None  # None with bias=False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: str | int | tuple[int, int] = 0,
                 dilation: int | tuple[int, int] = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: str | ag.device | None = None, dtype: DTypeLike | None = None) -> None:
        super().__init__()
        if groups <= 0 or in_channels % groups or out_channels % groups:
            raise ValueError(f"Conv2d: in_channels ({in_channels}) and out_channels ({out_channels}) must be "
                             f"divisible by groups ({groups}), a positive integer")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {list(_PADDING_MODES)}, but got padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = pair(kernel_size, "kernel_size", "Conv2d")
        self.stride = pair(stride, "stride", "Conv2d")
        self.dilation = pair(dilation, "dilation", "Conv2d")
        self.padding = padding if isinstance(padding, str) else pair(padding, "padding", "Conv2d")
        conv_padding(padding, self.kernel_size, self.stride, self.dilation)  # validates 'same'/'valid'
        self.padding_mode = padding_mode
        shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(ag.empty(shape, dtype=factory_dtype(dtype), device=device))
        self.register_parameter("bias", Parameter(ag.empty(out_channels, dtype=factory_dtype(dtype), device=device)) if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.reset_fan_in_uniform_(self.weight, self.bias)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        if self.padding_mode == "zeros":
            return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        top, bottom, left, right = conv_padding(self.padding, self.kernel_size, self.stride, self.dilation)
        padded = F.pad(input, (left, right, top, bottom), mode=self.padding_mode)
        return F.conv2d(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text
