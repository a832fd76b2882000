"""Activation layers: each holds its options and calls the nn.functional form.

`inplace=True` is accepted for compatibility with PyTorch code (and shown in the repr);
the result is always a new tensor, so the input is never modified.
"""
from __future__ import annotations

from numpy.typing import DTypeLike

import autograd as ag

from . import functional as F
from .module import Module, Parameter, factory_dtype


def _inplace_repr(inplace: bool) -> str:
    return "inplace=True" if inplace else ""


class ReLU(Module):
    """max(0, x) elementwise.

    Shape: any -> the same shape.

    Example:
        >>> import autograd as ag, nn
        >>> nn.ReLU()(ag.tensor([-1.0, 2.0])).tolist()
        [0.0, 2.0]
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.relu(input)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise (negative_slope default 0.01).

    Example:
        >>> import autograd as ag, nn
        >>> nn.LeakyReLU(0.5)(ag.tensor([-1.0, 2.0])).tolist()
        [-0.5, 2.0]
    """

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class PReLU(Module):
    """LeakyReLU with a learned slope: one shared (num_parameters=1) or one per channel (dim 1).

    Args:
        num_parameters: 1 or the number of input channels; init: the initial slope (0.25).

    Example:
        >>> import autograd as ag, nn
        >>> nn.PReLU()(ag.tensor([-1.0, 2.0])).tolist()
        [-0.25, 2.0]
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: str | ag.device | None = None,
                 dtype: DTypeLike | None = None) -> None:
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(ag.full((num_parameters,), init, dtype=factory_dtype(dtype), device=device))

    def reset_parameters(self) -> None:
        with ag.no_grad():
            self.weight.fill_(self.init)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class ELU(Module):
    """x for x > 0, alpha (exp(x) - 1) otherwise.

    Example:
        >>> import autograd as ag, nn
        >>> round(nn.ELU()(ag.tensor([-1.0])).item(), 4)
        -0.6321
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """x * Phi(x), Phi the standard normal CDF; approximate='tanh' uses the tanh formula.

    Example:
        >>> import autograd as ag, nn
        >>> round(nn.GELU()(ag.tensor([1.0])).item(), 4)
        0.8413
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x * sigmoid(x) (also called swish).

    Example:
        >>> import autograd as ag, nn
        >>> round(nn.SiLU()(ag.tensor([1.0])).item(), 4)
        0.7311
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.silu(input)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class Sigmoid(Module):
    """1 / (1 + exp(-x)), computed without overflow.

    Example:
        >>> import autograd as ag, nn
        >>> nn.Sigmoid()(ag.tensor([0.0])).tolist()
        [0.5]
    """

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.sigmoid(input)


class Tanh(Module):
    """tanh(x).

    Example:
        >>> import autograd as ag, nn
        >>> nn.Tanh()(ag.tensor([0.0])).tolist()
        [0.0]
    """

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.tanh(input)


class Softplus(Module):
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold.

    Example:
        >>> import autograd as ag, nn
        >>> round(nn.Softplus()(ag.tensor([0.0])).item(), 4)
        0.6931
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """exp(x) / sum(exp(x)) along `dim`: each slice along dim sums to 1.

    Example:
        >>> import autograd as ag, nn
        >>> nn.Softmax(dim=1)(ag.zeros(1, 4)).tolist()
        [[0.25, 0.25, 0.25, 0.25]]
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along `dim`, computed stably in one fused step.

    Example:
        >>> import autograd as ag, nn
        >>> round(nn.LogSoftmax(dim=1)(ag.zeros(1, 2))[0, 0].item(), 4)
        -0.6931
    """

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.log_softmax(input, self.dim)


class Hardtanh(Module):
    """x clamped to [min_val, max_val] (default [-1, 1]).

    Example:
        >>> import autograd as ag, nn
        >>> nn.Hardtanh()(ag.tensor([-2.0, 0.5, 3.0])).tolist()
        [-1.0, 0.5, 1.0]
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        if max_val <= min_val:
            raise ValueError(f"Hardtanh: max_val ({max_val}) must be greater than min_val ({min_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class ReLU6(Hardtanh):
    """min(max(0, x), 6).

    Example:
        >>> import autograd as ag, nn
        >>> nn.ReLU6()(ag.tensor([-1.0, 7.0])).tolist()
        [0.0, 6.0]
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class Hardsigmoid(Module):
    """relu6(x + 3) / 6: a piecewise-linear sigmoid.

    Example:
        >>> import autograd as ag, nn
        >>> nn.Hardsigmoid()(ag.tensor([-4.0, 0.0, 4.0])).tolist()
        [0.0, 0.5, 1.0]
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.hardsigmoid(input)


class Hardswish(Hardsigmoid):
    """x * relu6(x + 3) / 6.

    Example:
        >>> import autograd as ag, nn
        >>> nn.Hardswish()(ag.tensor([-4.0, 1.0, 4.0])).tolist()
        [-0.0, 0.6666666865348816, 4.0]
    """

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.hardswish(input)


class Mish(Module):
    """x * tanh(softplus(x)).

    Example:
        >>> import autograd as ag, nn
        >>> round(nn.Mish()(ag.tensor([1.0])).item(), 4)
        0.8651
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.mish(input)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class LogSigmoid(Module):
    """log(sigmoid(x)), computed without overflow.

    Example:
        >>> import autograd as ag, nn
        >>> round(nn.LogSigmoid()(ag.tensor([0.0])).item(), 4)
        -0.6931
    """

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.logsigmoid(input)


class Softsign(Module):
    """x / (1 + |x|).

    Example:
        >>> import autograd as ag, nn
        >>> nn.Softsign()(ag.tensor([-1.0, 3.0])).tolist()
        [-0.5, 0.75]
    """

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.softsign(input)


class GLU(Module):
    """Gated linear unit: a * sigmoid(b), a and b the halves of the input along `dim`.

    Shape: (*, 2n, *) -> (*, n, *) along dim.

    Example:
        >>> import autograd as ag, nn
        >>> nn.GLU()(ag.randn(4, 6)).shape
        (4, 3)
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
