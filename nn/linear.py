"""Linear, Identity, Flatten and Unflatten layers."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from numpy.typing import DTypeLike

import autograd as ag

from . import functional as F
from . import init
from .module import Module, Parameter, factory_dtype


class Identity(Module):
    """Returns its input unchanged; accepts and ignores any constructor arguments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return input


class Linear(Module):
    """y = x W^T + b.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: whether to learn an additive bias (default True).
        device: "cpu" only; dtype: parameter dtype (default: the default float dtype).

    Shape:
        input (*, in_features) -> output (*, out_features).
        weight (out_features, in_features), bias (out_features,), both initialised
        U(-1/sqrt(in_features), 1/sqrt(in_features)) as in PyTorch.

    Example:
        >>> import autograd as ag, nn
        >>> nn.Linear(20, 30)(ag.randn(128, 20)).shape
        (128, 30)
    """

    bias: Parameter | None  # None with bias=False

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device: str | ag.device | None = None,
                 dtype: DTypeLike | None = None) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(ag.empty(out_features, in_features, dtype=factory_dtype(dtype), device=device))
        self.register_parameter("bias", Parameter(ag.empty(out_features, dtype=factory_dtype(dtype), device=device)) if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.reset_fan_in_uniform_(self.weight, self.bias)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Flatten(Module):
    """Flattens dims start_dim..end_dim into one.

    Shape: input (N, *dims) -> output (N, prod(dims)) with the defaults start_dim=1, end_dim=-1.

    Example:
        >>> import autograd as ag, nn
        >>> nn.Flatten()(ag.zeros(32, 1, 5, 5)).shape
        (32, 25)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expands dim `dim` into `unflattened_size` (which may hold one -1).

    Example:
        >>> import autograd as ag, nn
        >>> nn.Unflatten(1, (2, 5, 5))(ag.zeros(2, 50)).shape
        (2, 2, 5, 5)
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
