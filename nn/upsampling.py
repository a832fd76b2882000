"""Resampling layers: Upsample (and its fixed-mode forms UpsamplingNearest2d,
UpsamplingBilinear2d) on F.interpolate, PixelShuffle and PixelUnshuffle."""
from __future__ import annotations

from collections.abc import Sequence

import autograd as ag

from . import functional as F
from .module import Module


class Upsample(Module):
    """Resamples the spatial dims to a given size or by a given factor.

    Args:
        size: the output's spatial size (int or tuple); or scale_factor: float or tuple,
        output = floor(input x factor); mode: 'nearest' (default), 'nearest-exact', 'linear',
        'bilinear', 'trilinear' or 'area'; align_corners (linear modes; default False);
        recompute_scale_factor: place samples by the rounded size instead of the factor.

    Shape:
        input (N, C, L), (N, C, H, W) or (N, C, D, H, W) -> the same with the new spatial sizes.

    Example:
        >>> import autograd as ag, nn
        >>> nn.Upsample(scale_factor=2, mode="bilinear")(ag.randn(1, 3, 4, 5)).shape
        (1, 3, 8, 10)
    """

    def __init__(self, size: int | Sequence[int] | None = None, scale_factor: float | Sequence[float] | None = None,
                 mode: str = "nearest", align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.size = size
        self.scale_factor: float | tuple[float, ...] | None
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None  # type: ignore[arg-type]
        self.mode, self.align_corners, self.recompute_scale_factor = mode, align_corners, recompute_scale_factor

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Upsample(size, scale_factor, mode='nearest') for (N, C, H, W) inputs.

    Example:
        >>> import autograd as ag, nn
        >>> nn.UpsamplingNearest2d(scale_factor=2)(ag.ones(1, 1, 2, 2)).shape
        (1, 1, 4, 4)
    """

    def __init__(self, size: int | Sequence[int] | None = None, scale_factor: float | Sequence[float] | None = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Upsample(size, scale_factor, mode='bilinear', align_corners=True) for (N, C, H, W) inputs.

    Example:
        >>> import autograd as ag, nn
        >>> nn.UpsamplingBilinear2d(size=(3, 3))(ag.ones(1, 1, 2, 2)).shape
        (1, 1, 3, 3)
    """

    def __init__(self, size: int | Sequence[int] | None = None, scale_factor: float | Sequence[float] | None = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class PixelShuffle(Module):
    """Rearranges (*, C r^2, H, W) into (*, C, H r, W r): sub-pixel convolution's upsampling.

    Args:
        upscale_factor: r.

    Example:
        >>> import autograd as ag, nn
        >>> nn.PixelShuffle(2)(ag.randn(1, 8, 3, 3)).shape
        (1, 2, 6, 6)
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """The inverse of PixelShuffle: (*, C, H r, W r) into (*, C r^2, H, W).

    Args:
        downscale_factor: r.

    Example:
        >>> import autograd as ag, nn
        >>> nn.PixelUnshuffle(2)(ag.randn(1, 2, 6, 6)).shape
        (1, 8, 3, 3)
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
