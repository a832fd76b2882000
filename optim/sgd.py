"""Stochastic gradient descent, with optional (Nesterov) momentum."""
from __future__ import annotations

import numpy as np

import autograd as ag

from .optimizer import BOOLEAN, NON_NEGATIVE, Optimizer, ParamsT


class SGD(Optimizer):
    r"""Stochastic gradient descent with optional momentum (PyTorch's formulation).

    For each parameter theta with gradient g (after maximize and weight decay, which the base
    applies), with lr gamma, momentum mu and dampening tau::

        b <- g                          on the first step
        b <- mu * b + (1 - tau) * g     afterwards
        d <- g + mu * b   if nesterov   else   d <- b        (d <- g when mu = 0)
        theta <- theta - gamma * d

    With a constant lr this is the textbook momentum `v <- mu v - gamma g; theta <- theta + v`
    with `v = -gamma b`, and Nesterov's look-ahead gradient re-parametrised so that theta is the
    look-ahead point (tests/optim/test_optim_article.py proves both numerically).

    Args:
        params: parameters, or parameter groups (dicts).
        lr: learning rate gamma. Default 1e-3.
        momentum: momentum factor mu. Default 0.
        dampening: dampening tau of the momentum. Default 0.
        weight_decay: L2 penalty lambda: g <- g + lambda * theta. Default 0.
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0). Default False.
        maximize: ascend the objective instead of descending it. Default False.

    State: "momentum_buffer" (when momentum != 0).

    Example:
        >>> opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        >>> opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    """

    _rules = {"lr": NON_NEGATIVE, "momentum": NON_NEGATIVE, "dampening": NON_NEGATIVE,
              "weight_decay": NON_NEGATIVE, "nesterov": BOOLEAN, "maximize": BOOLEAN}

    def __init__(self, params: ParamsT, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize))

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"SGD: Nesterov momentum needs momentum > 0 and dampening = 0, got "
                             f"momentum={group['momentum']!r}, dampening={group['dampening']!r}")

    def _update(self, param, grad, state, group):
        momentum = group["momentum"]
        direction = grad
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = np.array(grad)
                state["momentum_buffer"] = ag.from_numpy(buffer)
            else:
                buffer = np.asarray(buffer)
                buffer *= momentum
                keep = 1 - group["dampening"]
                buffer += grad if keep == 1 else keep * grad
            direction = grad + momentum * buffer if group["nesterov"] else buffer
        param.add_(direction, alpha=-group["lr"])
