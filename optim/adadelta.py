"""Adadelta: steps sized by the ratio of running RMS of past updates to that of gradients."""
from __future__ import annotations

import numpy as np

from .optimizer import BOOLEAN, IN_UNIT_INTERVAL, NON_NEGATIVE, Optimizer, ParamsT


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, 2012).

    For each parameter theta with gradient g (after maximize and weight decay, which the base
    applies), with lr gamma and decay rho::

        v <- rho * v + (1 - rho) * g^2
        delta <- sqrt(u + eps) / sqrt(v + eps) * g
        u <- rho * u + (1 - rho) * delta^2
        theta <- theta - gamma * delta

    Args:
        params: parameters, or parameter groups (dicts).
        lr: scale gamma of the update. Default 1.0.
        rho: decay of the running averages, in [0, 1]. Default 0.9.
        eps: added inside the square roots for numerical stability. Default 1e-6.
        weight_decay: L2 penalty lambda: g <- g + lambda * theta. Default 0.
        maximize: ascend the objective instead of descending it. Default False.

    State: "step", "square_avg" (v), "acc_delta" (u).

    Example:
        >>> opt = optim.Adadelta(model.parameters())
    """

    _rules = {"lr": NON_NEGATIVE, "rho": IN_UNIT_INTERVAL, "eps": NON_NEGATIVE, "weight_decay": NON_NEGATIVE,
              "maximize": BOOLEAN}

    def __init__(self, params: ParamsT, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0,
                 *, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def _init_state(self, param, group):
        return {"step": self._scalar(0.0), "square_avg": self._full_like(param), "acc_delta": self._full_like(param)}

    def _update(self, param, grad, state, group):
        rho, eps = group["rho"], group["eps"]
        square_avg, acc_delta = np.asarray(state["square_avg"]), np.asarray(state["acc_delta"])
        square_avg *= rho
        scratch = np.asarray(np.multiply(grad, 1 - rho))
        scratch *= grad
        square_avg += scratch
        std = np.asarray(np.add(square_avg, eps))
        np.sqrt(std, out=std)
        delta = np.asarray(np.add(acc_delta, eps))
        np.sqrt(delta, out=delta)
        delta /= std
        delta *= grad
        acc_delta *= rho
        np.multiply(delta, 1 - rho, out=scratch)
        scratch *= delta
        acc_delta += scratch
        param.add_(delta, alpha=-group["lr"])
