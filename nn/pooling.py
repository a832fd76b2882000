"""Pooling layers: MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d, AdaptiveMaxPool1d/2d
(thin wrappers of nn.functional)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import autograd as ag

from . import functional as F
from .functional.arguments import single
from .module import Module


class _MaxPoolNd(Module):
    """What MaxPool1d and MaxPool2d share: their arguments, forward (through `_pool`) and repr."""

    _pool: ClassVar[Callable[..., Any]]  # F.max_pool1d or F.max_pool2d

    def __init__(self, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
                 padding: int | tuple[int, ...] = 0, dilation: int | tuple[int, ...] = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input: ag.Tensor) -> ag.Tensor | tuple[ag.Tensor, ag.Tensor]:
        return self._pool(input, self.kernel_size, self.stride, self.padding, self.dilation,
                          ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPoolNd):
    """Maximum over each kernel window; the gradient flows to each window's maximum.

    Args:
        kernel_size: int or (h, w); stride: default kernel_size; padding (0, implicit -inf,
        at most half the kernel); dilation (1); return_indices (False): also return the
        flat h * W + w position of each maximum; ceil_mode (False): round the output size up.

    Shape:
        input (N, C, H, W) or (C, H, W) -> output (N, C, H_out, W_out) with
        H_out = (H + 2 padding - dilation (kernel - 1) - 1) // stride + 1.

    Example:
        >>> import autograd as ag, nn
        >>> nn.MaxPool2d(2)(ag.randn(1, 3, 8, 8)).shape
        (1, 3, 4, 4)
    """

    _pool = staticmethod(F.max_pool2d)


class AvgPool2d(Module):
    """Mean over each kernel window.

    Args:
        kernel_size; stride (default kernel_size); padding (0, zeros); ceil_mode (False);
        count_include_pad (True): whether padded zeros count in the divisor;
        divisor_override: a fixed divisor instead.

    Shape:
        input (N, C, H, W) or (C, H, W) -> output (N, C, H_out, W_out).

    Example:
        >>> import autograd as ag, nn
        >>> nn.AvgPool2d(2)(ag.ones(1, 1, 4, 4)).sum().item()
        4.0
    """

    def __init__(self, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
                 padding: int | tuple[int, int] = 0, ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size, whatever the input size.

    Args:
        output_size: int or (h, w); None in the pair keeps that input size.

    Shape:
        input (N, C, H, W) or (C, H, W) -> output (N, C, h, w).

    Example:
        >>> import autograd as ag, nn
        >>> nn.AdaptiveAvgPool2d(1)(ag.randn(2, 5, 7, 7)).shape
        (2, 5, 1, 1)
    """

    def __init__(self, output_size: int | None | tuple[int | None, int | None]) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class MaxPool1d(_MaxPoolNd):
    """Maximum over each kernel window along L; the gradient flows to each window's maximum.

    Args:
        kernel_size; stride (default kernel_size); padding (0, implicit -inf, at most half
        the kernel); dilation (1); return_indices (False): also return each maximum's
        position along L; ceil_mode (False): round the output length up.

    Shape:
        input (N, C, L) or (C, L) -> output (N, C, L_out) with
        L_out = (L + 2 padding - dilation (kernel - 1) - 1) // stride + 1.

    Example:
        >>> import autograd as ag, nn
        >>> nn.MaxPool1d(2)(ag.randn(1, 3, 8)).shape
        (1, 3, 4)
    """

    _pool = staticmethod(F.max_pool1d)


class AvgPool1d(Module):
    """Mean over each kernel window along L.

    Args:
        kernel_size; stride (default kernel_size); padding (0, zeros); ceil_mode (False);
        count_include_pad (True): whether padded zeros count in the divisor.

    Shape:
        input (N, C, L) or (C, L) -> output (N, C, L_out).

    Example:
        >>> import autograd as ag, nn
        >>> nn.AvgPool1d(2)(ag.ones(1, 1, 4)).tolist()
        [[[1.0, 1.0]]]
    """

    def __init__(self, kernel_size: int | tuple[int], stride: int | tuple[int] | None = None,
                 padding: int | tuple[int] = 0, ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = (single(kernel_size, "kernel_size", "AvgPool1d"),)
        self.stride = self.kernel_size if stride is None else (single(stride, "stride", "AvgPool1d"),)
        self.padding = (single(padding, "padding", "AvgPool1d"),)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool1d(Module):
    """Average pooling to a fixed length, whatever the input length.

    Args:
        output_size: the output length.

    Shape:
        input (N, C, L) or (C, L) -> output (N, C, output_size).

    Example:
        >>> import autograd as ag, nn
        >>> nn.AdaptiveAvgPool1d(1)(ag.randn(2, 5, 7)).shape
        (2, 5, 1)
    """

    def __init__(self, output_size: int | tuple[int]) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.adaptive_avg_pool1d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(Module):
    """Max pooling to a fixed length, whatever the input length (window i covers
    [floor(i L / out), ceil((i + 1) L / out))).

    Args:
        output_size: the output length; return_indices (False): also return each maximum's
        position along L.

    Shape:
        input (N, C, L) or (C, L) -> output (N, C, output_size).

    Example:
        >>> import autograd as ag, nn
        >>> nn.AdaptiveMaxPool1d(2)(ag.tensor([[[1.0, 5.0, 2.0, 4.0]]])).tolist()
        [[[5.0, 4.0]]]
    """

    def __init__(self, output_size: int | tuple[int], return_indices: bool = False) -> None:
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input: ag.Tensor) -> ag.Tensor | tuple[ag.Tensor, ag.Tensor]:
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """Max pooling to a fixed output size, whatever the input size (window i covers rows
    [floor(i H / oh), ceil((i + 1) H / oh)), and columns likewise).

    Args:
        output_size: int or (h, w); None in the pair keeps that input size;
        return_indices (False): also return each maximum's flat h * W + w position.

    Shape:
        input (N, C, H, W) or (C, H, W) -> output (N, C, h, w).

    Example:
        >>> import autograd as ag, nn
        >>> nn.AdaptiveMaxPool2d((2, 1))(ag.randn(2, 5, 7, 7)).shape
        (2, 5, 2, 1)
    """

    def __init__(self, output_size: int | None | tuple[int | None, int | None], return_indices: bool = False) -> None:
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input: ag.Tensor) -> ag.Tensor | tuple[ag.Tensor, ag.Tensor]:
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
