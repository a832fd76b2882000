"""Weight initialisation, as torch.nn.init: each function fills a tensor in place, under
no_grad, from the engine's seeded generator (or `generator=`), and returns it. Besides
PyTorch's functions it holds reset_fan_in_uniform_, PyTorch's default initialisation of
Linear and Conv layers, which they share."""
from __future__ import annotations

import math
import numbers

import numpy as np

import autograd as ag

_LINEAR_LIKE = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
                "sigmoid")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity: 1 (linear, conv, sigmoid), 5/3 (tanh),
    sqrt(2) (relu), sqrt(2 / (1 + slope^2)) (leaky_relu, slope `param`, default 0.01), 3/4 (selu).

    Example:
        >>> import nn
        >>> round(nn.init.calculate_gain("relu"), 4)
        1.4142
    """
    if nonlinearity in _LINEAR_LIKE:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, numbers.Number) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor) -> tuple:
    """fan_in = size(1) * receptive field, fan_out = size(0) * receptive field."""
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: ag.Tensor, a: float = 0.0, b: float = 1.0, generator: ag.Generator | None = None) -> ag.Tensor:
    """Fills with U(a, b)."""
    with ag.no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: ag.Tensor, mean: float = 0.0, std: float = 1.0, generator: ag.Generator | None = None) -> ag.Tensor:
    """Fills with N(mean, std^2)."""
    with ag.no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor: ag.Tensor, val: float) -> ag.Tensor:
    """Fills with the constant `val`."""
    with ag.no_grad():
        return tensor.fill_(val)


def ones_(tensor: ag.Tensor) -> ag.Tensor:
    return constant_(tensor, 1.0)


def zeros_(tensor: ag.Tensor) -> ag.Tensor:
    with ag.no_grad():
        return tensor.zero_()


def eye_(tensor: ag.Tensor) -> ag.Tensor:
    """Fills a 2-D tensor with the identity (ones on the diagonal)."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    with ag.no_grad():
        return tensor.copy_(ag.eye(*tensor.shape, dtype=tensor.dtype))  # type: ignore[arg-type, misc]  # 2-D: n, m


def xavier_uniform_(tensor: ag.Tensor, gain: float = 1.0, generator: ag.Generator | None = None) -> ag.Tensor:
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)), variance
    gain^2 * 2 / (fan_in + fan_out)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: ag.Tensor, gain: float = 1.0, generator: ag.Generator | None = None) -> ag.Tensor:
    """Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def kaiming_uniform_(tensor: ag.Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: ag.Generator | None = None) -> ag.Tensor:
    """He uniform: U(-bound, bound) with bound = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a).

    Example:
        >>> import autograd as ag, nn
        >>> w = nn.init.kaiming_uniform_(ag.empty(256, 128), nonlinearity="relu")
        >>> bool(abs(w).max() <= (6 / 128) ** 0.5)
        True
    """
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: ag.Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: ag.Generator | None = None) -> ag.Tensor:
    """He normal: N(0, std^2) with std = gain / sqrt(fan)."""
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def reset_fan_in_uniform_(weight: ag.Tensor, bias: ag.Tensor | None) -> None:
    """PyTorch's default for Linear and Conv: kaiming_uniform_(a=sqrt(5)) on the weight, which
    is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the bias uniform with that same bound."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in = _calculate_fan_in_and_fan_out(weight)[0]
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        uniform_(bias, -bound, bound)
