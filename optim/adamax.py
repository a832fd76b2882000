"""Adamax: Adam with the infinity norm of past gradients in place of their second moment."""
from __future__ import annotations

import numpy as np

from .optimizer import BETAS, BOOLEAN, NON_NEGATIVE, Optimizer, ParamsT


class Adamax(Optimizer):
    r"""Adamax (Kingma & Ba, 2015, section 7.1).

    For each parameter theta with gradient g at step t (after maximize and weight decay, which
    the base applies), with lr gamma and betas (beta1, beta2)::

        m <- beta1 * m + (1 - beta1) * g
        u <- max(beta2 * u, |g| + eps)
        theta <- theta - gamma / (1 - beta1^t) * m / u

    Args:
        params: parameters, or parameter groups (dicts).
        lr: learning rate gamma. Default 2e-3.
        betas: (beta1, beta2), each in [0, 1). Default (0.9, 0.999).
        eps: added to |g| for numerical stability. Default 1e-8.
        weight_decay: L2 penalty lambda: g <- g + lambda * theta. Default 0.
        maximize: ascend the objective instead of descending it. Default False.

    State: "step", "exp_avg" (m), "exp_inf" (u).

    Example:
        >>> opt = optim.Adamax(model.parameters(), lr=2e-3)
    """

    _rules = {"lr": NON_NEGATIVE, "betas": BETAS, "eps": NON_NEGATIVE, "weight_decay": NON_NEGATIVE,
              "maximize": BOOLEAN}

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, *, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def _init_state(self, param, group):
        return {"step": self._scalar(0.0), "exp_avg": self._full_like(param), "exp_inf": self._full_like(param)}

    def _update(self, param, grad, state, group):
        beta1, beta2 = group["betas"]
        m, u = np.asarray(state["exp_avg"]), np.asarray(state["exp_inf"])
        scratch = np.asarray(np.subtract(grad, m))  # PyTorch's lerp from m to g with weight w = 1 - beta1, same rounding:
        if 1 - beta1 < 0.5:              # m + w (g - m) for small weights, g - (1 - w)(g - m) for large ones
            scratch *= 1 - beta1
            m += scratch
        else:
            scratch *= beta1
            np.subtract(grad, scratch, out=m)
        u *= beta2
        np.abs(grad, out=scratch)
        scratch += group["eps"]
        np.maximum(u, scratch, out=u)
        np.divide(m, u, out=scratch)
        scratch *= -(group["lr"] / (1 - beta1 ** float(state["step"])))
        param.add_(scratch)
