"""RAdam: Adam whose adaptive step is switched on gradually, as the variance of v allows."""
from __future__ import annotations

import numpy as np

from .adam import update_moments
from .optimizer import BETAS, BOOLEAN, NON_NEGATIVE, Optimizer, ParamsT


class RAdam(Optimizer):
    r"""RAdam (Liu et al., 2020): rectified Adam.

    For each parameter theta with gradient g at step t (after maximize and weight decay, which
    the base applies), with lr gamma and betas (beta1, beta2)::

        m <- beta1 * m + (1 - beta1) * g;   v <- beta2 * v + (1 - beta2) * g^2
        m_hat = m / (1 - beta1^t)
        rho_inf = 2 / (1 - beta2) - 1;   rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
        if rho_t > 5:   r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
                        theta <- theta - gamma * m_hat * r * sqrt(1 - beta2^t) / (sqrt(v) + eps)
        else:           theta <- theta - gamma * m_hat          (SGD with momentum while v is unreliable)

    Args:
        params: parameters, or parameter groups (dicts).
        lr: learning rate gamma. Default 1e-3.
        betas: (beta1, beta2), each in [0, 1). Default (0.9, 0.999).
        eps: added to the denominator for numerical stability. Default 1e-8.
        weight_decay: lambda: L2 penalty g <- g + lambda * theta, or with `decoupled_weight_decay`
            theta <- theta * (1 - gamma * lambda) (as AdamW). Default 0.
        decoupled_weight_decay: decay the weights directly. Default False.
        maximize: ascend the objective instead of descending it. Default False.

    State: "step", "exp_avg" (m), "exp_avg_sq" (v).

    Example:
        >>> opt = optim.RAdam(model.parameters(), lr=1e-3)
    """

    _rules = {"lr": NON_NEGATIVE, "betas": BETAS, "eps": NON_NEGATIVE, "weight_decay": NON_NEGATIVE,
              "decoupled_weight_decay": BOOLEAN, "maximize": BOOLEAN}

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay, maximize=maximize))

    def _init_state(self, param, group):
        return {"step": self._scalar(0.0), "exp_avg": self._full_like(param), "exp_avg_sq": self._full_like(param)}

    def _update(self, param, grad, state, group):
        beta1, beta2 = group["betas"]
        step = float(state["step"])
        m, v, scratch = update_moments(state, grad, beta1, beta2)
        correction2 = 1 - beta2 ** step
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * beta2 ** step / correction2
        np.divide(m, 1 - beta1 ** step, out=scratch)
        scratch *= group["lr"]
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            denominator = np.asarray(np.sqrt(v))
            denominator += group["eps"]
            scratch *= correction2 ** 0.5 / denominator
            scratch *= rect
        param.sub_(scratch)
