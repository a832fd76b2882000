"""Convolution layers: Conv1d and Conv2d on F.conv1d / F.conv2d (im2col and one matmul), and
ConvTranspose1d / ConvTranspose2d on F.conv_transpose1d / 2d (one matmul and col2im)."""
from __future__ import annotations

from numpy.typing import DTypeLike

import autograd as ag

from . import functional as F
from . import init
from .functional.arguments import conv_padding, pair, single
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


class Conv1d(Module):
    """1-D convolution (cross-correlation) over an input of several channels.

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size, stride (1), dilation (1): ints (or 1-tuples).
        padding (0): an int, 'valid' (none) or 'same' (output length = input length; stride 1
            only; an odd total puts the extra on the right).
        groups (1): in and out channels are split into this many independent groups.
        bias (True); padding_mode: 'zeros', 'reflect', 'replicate' or 'circular'.

    Shape:
        input (N, C_in, L) or (C_in, L) -> output (N, C_out, L_out) with
        L_out = (L + 2 padding - dilation (kernel - 1) - 1) // stride + 1.
        weight (C_out, C_in / groups, kernel), initialised as PyTorch (kaiming_uniform_
        with a = sqrt(5)); bias (C_out,) U(-1/sqrt(fan_in), 1/sqrt(fan_in)).

    Example:
        >>> import autograd as ag, nn
        >>> nn.Conv1d(3, 8, 5, padding=2)(ag.randn(2, 3, 20)).shape
        (2, 8, 20)
    """

    bias: Parameter | None  # None with bias=False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int], stride: int | tuple[int] = 1,
                 padding: str | int | tuple[int] = 0, dilation: int | tuple[int] = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: str | ag.device | None = None,
                 dtype: DTypeLike | None = None) -> None:
        super().__init__()
        if groups <= 0 or in_channels % groups or out_channels % groups:
            raise ValueError(f"Conv1d: in_channels ({in_channels}) and out_channels ({out_channels}) must be "
                             f"divisible by groups ({groups}), a positive integer")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {list(_PADDING_MODES)}, but got padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = (single(kernel_size, "kernel_size", "Conv1d"),)
        self.stride = (single(stride, "stride", "Conv1d"),)
        self.dilation = (single(dilation, "dilation", "Conv1d"),)
        self.padding = padding if isinstance(padding, str) else (single(padding, "padding", "Conv1d"),)
        if isinstance(padding, str):  # validates 'same'/'valid'
            if padding not in ("same", "valid"):
                raise ValueError(f"Conv1d: padding must be an int, 'valid' or 'same', got {padding!r}")
            if padding == "same" and self.stride != (1,):
                raise ValueError("Conv1d: padding='same' is not supported for strided convolutions")
        self.padding_mode = padding_mode
        shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(ag.empty(shape, dtype=factory_dtype(dtype), device=device))
        self.register_parameter("bias", Parameter(ag.empty(out_channels, dtype=factory_dtype(dtype), device=device)) if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.reset_fan_in_uniform_(self.weight, self.bias)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        if self.padding_mode == "zeros":
            return F.conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        left, right = conv_padding(self.padding if isinstance(self.padding, str) else (0, self.padding[0]),
                                   (1, self.kernel_size[0]), (1, self.stride[0]), (1, self.dilation[0]))[2:]
        padded = F.pad(input, (left, right), mode=self.padding_mode)
        return F.conv1d(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)

    def extra_repr(self) -> str:
        return _conv_repr(self)


def _conv_repr(layer) -> str:
    """PyTorch's _ConvNd.extra_repr: the arguments that differ from their defaults."""
    dims = len(layer.kernel_size)
    text = f"{layer.in_channels}, {layer.out_channels}, kernel_size={layer.kernel_size}, stride={layer.stride}"
    if layer.padding != (0,) * dims:
        text += f", padding={layer.padding}"
    if layer.dilation != (1,) * dims:
        text += f", dilation={layer.dilation}"
    if getattr(layer, "output_padding", (0,) * dims) != (0,) * dims:
        text += f", output_padding={layer.output_padding}"
    if layer.groups != 1:
        text += f", groups={layer.groups}"
    if layer.bias is None:
        text += ", bias=False"
    if layer.padding_mode != "zeros":
        text += f", padding_mode={layer.padding_mode}"
    return text


class _ConvTransposeNd(Module):
    """Shared state of the transposed convolutions; subclasses set `_dims` and `_functional`."""

    _dims = 2
    bias: Parameter | None  # None with bias=False

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros",
                 device: str | ag.device | None = None, dtype: DTypeLike | None = None) -> None:
        super().__init__()
        name = type(self).__name__
        if groups <= 0 or in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) must be "
                             f"divisible by groups ({groups}), a positive integer")
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {name}')
        if isinstance(padding, str):
            raise ValueError(f"{name}: padding must be an int or a tuple of ints, not {padding!r}")
        tuples = (lambda v, what: (single(v, what, name),)) if self._dims == 1 else (lambda v, what: pair(v, what, name))
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride = tuples(kernel_size, "kernel_size"), tuples(stride, "stride")
        self.padding, self.dilation = tuples(padding, "padding"), tuples(dilation, "dilation")
        self.output_padding = tuples(output_padding, "output_padding")
        for op, s, d in zip(self.output_padding, self.stride, self.dilation):
            if not 0 <= op < max(s, d):
                raise ValueError(f"{name}: output_padding {self.output_padding} must be smaller than either stride "
                                 f"{self.stride} or dilation {self.dilation}")
        self.padding_mode = padding_mode
        shape = (in_channels, out_channels // groups, *self.kernel_size)  # PyTorch's layout: input channels first
        self.weight = Parameter(ag.empty(shape, dtype=factory_dtype(dtype), device=device))
        self.register_parameter("bias", Parameter(ag.empty(out_channels, dtype=factory_dtype(dtype), device=device)) if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.reset_fan_in_uniform_(self.weight, self.bias)  # fan_in from dim 1, as PyTorch's

    def _output_padding(self, input: ag.Tensor, output_size) -> tuple[int, ...]:
        """output_padding, or what gives `output_size` (PyTorch's rule and its range check)."""
        if output_size is None:
            return self.output_padding
        name, dims = type(self).__name__, self._dims
        output_size = list(output_size)
        if len(output_size) == input.ndim:  # (N, C, *spatial) or (C, *spatial): keep the spatial sizes
            output_size = output_size[input.ndim - dims:]
        if len(output_size) != dims:
            raise ValueError(f"{name}: for {input.ndim}D input, output_size must have {dims} or {input.ndim} "
                             f"elements (got {len(output_size)})")
        smallest = [(input.shape[input.ndim - dims + d] - 1) * self.stride[d] - 2 * self.padding[d]
                    + self.dilation[d] * (self.kernel_size[d] - 1) + 1 for d in range(dims)]
        largest = [s + self.stride[d] - 1 for d, s in enumerate(smallest)]
        if any(not lo <= int(size) <= hi for size, lo, hi in zip(output_size, smallest, largest)):
            raise ValueError(f"{name}: requested an output size of {output_size}, but valid sizes range from "
                             f"{smallest} to {largest} (for an input of {list(input.shape[input.ndim - dims:])})")
        return tuple(int(size) - lo for size, lo in zip(output_size, smallest))

    def extra_repr(self) -> str:
        return _conv_repr(self)


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution: the gradient of Conv1d with respect to its input, used to
    upsample (a "deconvolution").

    Args:
        in_channels, out_channels; kernel_size, stride (1), padding (0: removes dilation
        (kernel - 1) - padding from each end of the full output), output_padding (0: extra
        length on the right; smaller than stride or dilation), groups (1), bias (True),
        dilation (1); padding_mode 'zeros' only.

    Shape:
        input (N, C_in, L) or (C_in, L) -> output (N, C_out, L_out) with
        L_out = (L - 1) stride - 2 padding + dilation (kernel - 1) + output_padding + 1;
        forward(input, output_size=None) picks output_padding to give output_size instead.
        weight (C_in, C_out / groups, kernel), bias (C_out,), initialised as PyTorch.

    Example:
        >>> import autograd as ag, nn
        >>> nn.ConvTranspose1d(4, 2, 4, stride=2, padding=1)(ag.randn(1, 4, 10)).shape
        (1, 2, 20)
    """

    _dims = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int], stride: int | tuple[int] = 1,
                 padding: int | tuple[int] = 0, output_padding: int | tuple[int] = 0, groups: int = 1,
                 bias: bool = True, dilation: int | tuple[int] = 1, padding_mode: str = "zeros",
                 device: str | ag.device | None = None, dtype: DTypeLike | None = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, output_padding, groups, bias,
                         dilation, padding_mode, device, dtype)

    def forward(self, input: ag.Tensor, output_size: list[int] | tuple[int, ...] | None = None) -> ag.Tensor:
        return F.conv_transpose1d(input, self.weight, self.bias, self.stride, self.padding,
                                  self._output_padding(input, output_size), self.groups, self.dilation)


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution: the gradient of Conv2d with respect to its input, used to
    upsample in decoders and GAN generators (a "deconvolution").

    Args:
        in_channels, out_channels; kernel_size, stride (1), padding (0), output_padding (0:
        extra rows/columns at the bottom/right; smaller than stride or dilation), groups (1),
        bias (True), dilation (1): ints or (h, w) pairs; padding_mode 'zeros' only.

    Shape:
        input (N, C_in, H, W) or (C_in, H, W) -> output (N, C_out, H_out, W_out) with
        H_out = (H - 1) stride - 2 padding + dilation (kernel - 1) + output_padding + 1;
        forward(input, output_size=None) picks output_padding to give output_size instead.
        weight (C_in, C_out / groups, kh, kw), bias (C_out,), initialised as PyTorch.

    Example:
        >>> import autograd as ag, nn
        >>> nn.ConvTranspose2d(8, 3, 4, stride=2, padding=1)(ag.randn(1, 8, 16, 16)).shape
        (1, 3, 32, 32)
    """

    _dims = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0,
                 output_padding: int | tuple[int, int] = 0, groups: int = 1, bias: bool = True,
                 dilation: int | tuple[int, int] = 1, padding_mode: str = "zeros",
                 device: str | ag.device | None = None, dtype: DTypeLike | None = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, output_padding, groups, bias,
                         dilation, padding_mode, device, dtype)

    def forward(self, input: ag.Tensor, output_size: list[int] | tuple[int, ...] | None = None) -> ag.Tensor:
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  self._output_padding(input, output_size), self.groups, self.dilation)
