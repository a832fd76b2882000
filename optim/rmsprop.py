"""RMSprop: gradients scaled by a running root mean square of their recent values."""
from __future__ import annotations

import numpy as np

from .optimizer import BOOLEAN, NON_NEGATIVE, Optimizer, ParamsT


class RMSprop(Optimizer):
    r"""RMSprop (Hinton's lecture 6e), optionally centred and with momentum.

    For each parameter theta with gradient g (after maximize and weight decay, which the base
    applies), with lr gamma, smoothing constant alpha and momentum mu::

        v <- alpha * v + (1 - alpha) * g^2
        a <- alpha * a + (1 - alpha) * g;  d <- sqrt(v - a^2) + eps    if centered
                                           d <- sqrt(v) + eps          otherwise
        b <- mu * b + g / d;  theta <- theta - gamma * b               if mu > 0
        theta <- theta - gamma * g / d                                 otherwise

    Args:
        params: parameters, or parameter groups (dicts).
        lr: learning rate gamma. Default 1e-2.
        alpha: smoothing constant (the decay of the running mean of g^2). Default 0.99.
        eps: added to the denominator for numerical stability. Default 1e-8.
        weight_decay: L2 penalty lambda: g <- g + lambda * theta. Default 0.
        momentum: mu. Default 0.
        centered: normalise by an estimate of the gradient's variance instead of its second moment. Default False.
        maximize: ascend the objective instead of descending it. Default False.

    State: "step", "square_avg" (v), "momentum_buffer" (b, when momentum > 0), "grad_avg" (a, when centered).

    Example:
        >>> opt = optim.RMSprop(model.parameters(), lr=0.01, alpha=0.9)
    """

    _rules = {"lr": NON_NEGATIVE, "alpha": NON_NEGATIVE, "eps": NON_NEGATIVE, "weight_decay": NON_NEGATIVE,
              "momentum": NON_NEGATIVE, "centered": BOOLEAN, "maximize": BOOLEAN}

    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0,
                 momentum: float = 0, centered: bool = False, *, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, maximize=maximize))

    def _init_state(self, param, group):
        state = {"step": self._scalar(0.0), "square_avg": self._full_like(param)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = self._full_like(param)
        if group["centered"]:
            state["grad_avg"] = self._full_like(param)
        return state

    def _update(self, param, grad, state, group):
        alpha = group["alpha"]
        square_avg = np.asarray(state["square_avg"])
        square_avg *= alpha
        scratch = np.asarray(np.multiply(grad, 1 - alpha))
        scratch *= grad
        square_avg += scratch
        if group["centered"]:
            grad_avg = np.asarray(state["grad_avg"])
            np.subtract(grad, grad_avg, out=scratch)  # a += (1 - alpha) * (g - a): PyTorch's lerp
            scratch *= 1 - alpha
            grad_avg += scratch
            denominator = np.asarray(np.negative(grad_avg))
            denominator *= grad_avg
            denominator += square_avg
            np.sqrt(denominator, out=denominator)
        else:
            denominator = np.asarray(np.sqrt(square_avg))
        denominator += group["eps"]
        if group["momentum"] > 0:
            buffer = np.asarray(state["momentum_buffer"])
            buffer *= group["momentum"]
            np.divide(grad, denominator, out=scratch)
            buffer += scratch
            param.add_(buffer, alpha=-group["lr"])
        else:
            np.multiply(grad, -group["lr"], out=scratch)
            scratch /= denominator
            param.add_(scratch)
