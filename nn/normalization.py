"""BatchNorm1d, BatchNorm2d, InstanceNorm1d, InstanceNorm2d, LayerNorm, GroupNorm and RMSNorm."""
from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence

from numpy.typing import DTypeLike

import autograd as ag

from . import functional as F
from . import init
from .module import Module, Parameter, factory_dtype


class _BatchNorm(Module):
    """Shared state and forward of the batch-norm layers; subclasses check the input's dims."""

    _dims: tuple[int, ...] = ()
    weight: Parameter | None  # None unless affine
    bias: Parameter | None
    running_mean: ag.Tensor | None  # None unless track_running_stats
    running_var: ag.Tensor | None
    num_batches_tracked: ag.Tensor | None

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: str | ag.device | None = None,
                 dtype: DTypeLike | None = None, *, bias: bool = True) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = factory_dtype(dtype)
        if affine:
            self.weight = Parameter(ag.empty(num_features, dtype=dtype, device=device))
            self.register_parameter("bias", Parameter(ag.empty(num_features, dtype=dtype, device=device)) if bias else None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", ag.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", ag.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", ag.tensor(0, dtype=ag.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            with ag.no_grad():  # (the buffers are tensors when track_running_stats)
                self.running_mean.zero_()  # type: ignore[union-attr]
                self.running_var.fill_(1)  # type: ignore[union-attr]
                self.num_batches_tracked.zero_()  # type: ignore[union-attr]

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)  # type: ignore[arg-type]  # a Parameter when affine
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        if input.ndim not in self._dims:
            expected = " or ".join(f"{d}D" for d in self._dims)
            raise ValueError(f"expected {expected} input (got {input.ndim}D input of shape {tuple(input.shape)})")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            with ag.no_grad():
                self.num_batches_tracked.add_(1)
            # momentum=None: a cumulative average, each batch weighted 1 / (batches so far)
            factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        keep_stats = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if keep_stats else None, self.running_var if keep_stats else None,
                            self.weight, self.bias, use_batch_stats, factor, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over a (N, C) or (N, C, L) input, per channel C.

    In training it normalises with the batch mean and biased variance and updates
    running_mean / running_var (the unbiased variance) with `momentum` (None: a cumulative
    average); in eval mode it uses the running statistics.

    Args:
        num_features: C; eps (1e-5); momentum (0.1 or None); affine (True): learn weight
        (ones) and bias (zeros); track_running_stats (True); bias (True, keyword only):
        whether the affine part includes a bias.

    Shape:
        input (N, C) or (N, C, L) -> output of the same shape.

    Example:
        >>> import autograd as ag, nn
        >>> nn.BatchNorm1d(4)(ag.randn(8, 4)).shape
        (8, 4)
    """

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation over a (N, C, H, W) input, per channel C (see BatchNorm1d).

    Shape:
        input (N, C, H, W) -> output of the same shape.

    Example:
        >>> import autograd as ag, nn
        >>> nn.BatchNorm2d(3)(ag.randn(2, 3, 4, 4)).shape
        (2, 3, 4, 4)
    """

    _dims = (4,)


class LayerNorm(Module):
    """Normalises each sample over its trailing `normalized_shape` dims, then scales and shifts.

    Args:
        normalized_shape: int or tuple, the trailing dims; eps (1e-5);
        elementwise_affine (True): learn weight (ones) and bias (zeros) of that shape;
        bias (True): whether the affine part includes a bias.

    Shape:
        input (*, *normalized_shape) -> output of the same shape.

    Example:
        >>> import autograd as ag, nn
        >>> nn.LayerNorm(10)(ag.randn(4, 10)).shape
        (4, 10)
    """

    weight: Parameter | None  # None unless elementwise_affine
    bias: Parameter | None

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device: str | ag.device | None = None, dtype: DTypeLike | None = None) -> None:
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):  # (mypy can't narrow by numbers.Integral)
            normalized_shape = (normalized_shape,)  # type: ignore[assignment]
        self.normalized_shape, self.eps = tuple(normalized_shape), eps  # type: ignore[arg-type]
        self.elementwise_affine = elementwise_affine
        dtype = factory_dtype(dtype)
        if elementwise_affine:
            self.weight = Parameter(ag.ones(self.normalized_shape, dtype=dtype, device=device))
            self.register_parameter("bias", Parameter(ag.zeros(self.normalized_shape, dtype=dtype, device=device)) if bias else None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.elementwise_affine:
            init.ones_(self.weight)  # type: ignore[arg-type]  # a Parameter when elementwise_affine
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class _InstanceNorm(_BatchNorm):
    """Shared forward of the instance-norm layers: the batch-norm state, PyTorch's defaults
    (no affine, no running statistics) and F.instance_norm."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device: str | ag.device | None = None,
                 dtype: DTypeLike | None = None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        name, unbatched = type(self).__name__, self._dims[0]
        if input.ndim not in self._dims:
            raise ValueError(f"{name}: expected {unbatched}D (unbatched) or {unbatched + 1}D input, got "
                             f"{input.ndim}D input of shape {tuple(input.shape)}")
        channel_dim = input.ndim - unbatched
        if input.shape[channel_dim] != self.num_features:
            message = (f"{name}: expected input's size at dim={channel_dim} to match num_features "
                       f"({self.num_features}), but got: {input.shape[channel_dim]} (input of shape {tuple(input.shape)})")
            if self.affine or self.track_running_stats:
                raise ValueError(message)
            warnings.warn(message + "; num_features is not used because affine=False", stacklevel=2)
        x = input.unsqueeze(0) if input.ndim == unbatched else input
        out = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              self.training or not self.track_running_stats,
                              self.momentum if self.momentum is not None else 0.0, self.eps)
        return out.squeeze(0) if input.ndim == unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Normalises each sample's channel over its length (biased variance), as PyTorch's.

    With track_running_stats it keeps running_mean / running_var (averaged over the batch,
    the variance unbiased, with `momentum`) and uses them in eval mode.

    Args:
        num_features: C; eps (1e-5); momentum (0.1); affine (False): learn a per-channel
        weight (ones) and bias (zeros); track_running_stats (False).

    Shape:
        input (N, C, L) or (C, L) -> output of the same shape.

    Example:
        >>> import autograd as ag, nn
        >>> nn.InstanceNorm1d(4)(ag.randn(2, 4, 10)).shape
        (2, 4, 10)
    """

    _dims = (2, 3)


class InstanceNorm2d(_InstanceNorm):
    """Normalises each sample's channel over its height and width (see InstanceNorm1d).

    Shape:
        input (N, C, H, W) or (C, H, W) -> output of the same shape.

    Example:
        >>> import autograd as ag, nn
        >>> nn.InstanceNorm2d(3, affine=True)(ag.randn(2, 3, 5, 5)).shape
        (2, 3, 5, 5)
    """

    _dims = (3, 4)


class GroupNorm(Module):
    """Normalises each sample over groups of channels (and all their positions), then scales
    and shifts per channel; independent of the batch size.

    Args:
        num_groups: how many groups the channels split into; num_channels: C, divisible by
        num_groups; eps (1e-5); affine (True): learn weight (ones) and bias (zeros) of shape
        (C,); bias (True, keyword only): whether the affine part includes a bias.

    Shape:
        input (N, C, *) -> output of the same shape.

    Example:
        >>> import autograd as ag, nn
        >>> nn.GroupNorm(2, 6)(ag.randn(3, 6, 4, 4)).shape
        (3, 6, 4, 4)
    """

    weight: Parameter | None  # None unless affine
    bias: Parameter | None

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device: str | ag.device | None = None, dtype: DTypeLike | None = None, *, bias: bool = True) -> None:
        super().__init__()
        if num_groups <= 0 or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        dtype = factory_dtype(dtype)
        if affine:
            self.weight = Parameter(ag.ones(num_channels, dtype=dtype, device=device))
            self.register_parameter("bias", Parameter(ag.zeros(num_channels, dtype=dtype, device=device)) if bias else None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.affine:
            init.ones_(self.weight)  # type: ignore[arg-type]  # a Parameter when affine
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise ValueError(f"GroupNorm: expected an input of shape (N, {self.num_channels}, *), got "
                             f"{tuple(input.shape)}")
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, bias={self.bias is not None}"


class RMSNorm(Module):
    """Root-mean-square normalisation over the trailing `normalized_shape` dims:
    x / sqrt(mean(x^2) + eps), times a learned weight (no centring, no bias).

    Args:
        normalized_shape: int or tuple, the trailing dims; eps (None: the input dtype's
        machine epsilon); elementwise_affine (True): learn weight (ones) of that shape.

    Shape:
        input (*, *normalized_shape) -> output of the same shape.

    Example:
        >>> import autograd as ag, nn
        >>> nn.RMSNorm(8)(ag.randn(2, 5, 8)).shape
        (2, 5, 8)
    """

    weight: Parameter | None  # None unless elementwise_affine

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, device: str | ag.device | None = None,
                 dtype: DTypeLike | None = None) -> None:
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):  # (mypy can't narrow by numbers.Integral)
            normalized_shape = (normalized_shape,)  # type: ignore[assignment]
        self.normalized_shape, self.eps = tuple(normalized_shape), eps  # type: ignore[arg-type]
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ag.ones(self.normalized_shape, dtype=factory_dtype(dtype), device=device))
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
