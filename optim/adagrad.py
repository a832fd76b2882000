"""Adagrad: per-coordinate learning rates from the running sum of squared gradients."""
from __future__ import annotations

import numpy as np

from .optimizer import BOOLEAN, NON_NEGATIVE, Optimizer, ParamsT


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al., 2011).

    For each parameter theta with gradient g at step t (after maximize and weight decay, which
    the base applies), with lr gamma and lr decay eta::

        gamma_t <- gamma / (1 + (t - 1) * eta)
        s <- s + g^2                                 (s starts at initial_accumulator_value)
        theta <- theta - gamma_t * g / (sqrt(s) + eps)

    Args:
        params: parameters, or parameter groups (dicts).
        lr: learning rate gamma. Default 1e-2.
        lr_decay: eta. Default 0.
        weight_decay: L2 penalty lambda: g <- g + lambda * theta. Default 0.
        initial_accumulator_value: the starting value of s. Default 0.
        eps: added to the denominator for numerical stability. Default 1e-10.
        maximize: ascend the objective instead of descending it. Default False.

    State: "step", "sum" (s); created for every parameter at construction, as in PyTorch.

    Example:
        >>> opt = optim.Adagrad(model.parameters(), lr=0.01)
    """

    _rules = {"lr": NON_NEGATIVE, "lr_decay": NON_NEGATIVE, "weight_decay": NON_NEGATIVE,
              "initial_accumulator_value": NON_NEGATIVE, "eps": NON_NEGATIVE, "maximize": BOOLEAN}

    def __init__(self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, *, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize))
        for group in self.param_groups:
            for param in group["params"]:
                self.state[param] = self._init_state(param, group)

    def _init_state(self, param, group):
        return {"step": self._scalar(0.0), "sum": self._full_like(param, group["initial_accumulator_value"])}

    def _update(self, param, grad, state, group):
        step = float(state["step"])
        lr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        squares = np.asarray(state["sum"])
        scratch = np.asarray(np.multiply(grad, grad))
        squares += scratch
        denominator = np.asarray(np.sqrt(squares))
        denominator += group["eps"]
        np.multiply(grad, -lr, out=scratch)
        scratch /= denominator
        param.add_(scratch)
