"""NAdam: Adam with Nesterov momentum and a momentum schedule."""
from __future__ import annotations

import numpy as np

from .adam import update_moments
from .optimizer import BETAS, BOOLEAN, NON_NEGATIVE, Optimizer, ParamsT


class NAdam(Optimizer):
    r"""NAdam (Dozat, 2016): Adam whose first moment takes a Nesterov look-ahead.

    For each parameter theta with gradient g at step t (after maximize and weight decay, which
    the base applies), with lr gamma, betas (beta1, beta2) and momentum decay psi::

        mu_t <- beta1 * (1 - 0.96^(t * psi) / 2);   mu_{t+1} likewise
        P_t <- P_{t-1} * mu_t                          (P_0 = 1, the running product)
        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g^2
        d <- sqrt(v / (1 - beta2^t)) + eps
        theta <- theta - gamma * (1 - mu_t) / (1 - P_t) * g / d
                       - gamma * mu_{t+1} / (1 - P_t * mu_{t+1}) * m / d

    Args:
        params: parameters, or parameter groups (dicts).
        lr: learning rate gamma. Default 2e-3.
        betas: (beta1, beta2), each in [0, 1). Default (0.9, 0.999).
        eps: added to the denominator for numerical stability. Default 1e-8.
        weight_decay: lambda: L2 penalty g <- g + lambda * theta, or with `decoupled_weight_decay`
            theta <- theta * (1 - gamma * lambda). Default 0.
        momentum_decay: psi. Default 4e-3.
        decoupled_weight_decay: decay the weights directly (NAdamW). Default False.
        maximize: ascend the objective instead of descending it. Default False.

    State: "step", "mu_product" (P, a 0-d tensor like "step"), "exp_avg" (m), "exp_avg_sq" (v).

    Example:
        >>> opt = optim.NAdam(model.parameters(), lr=2e-3)
    """

    _rules = {"lr": NON_NEGATIVE, "betas": BETAS, "eps": NON_NEGATIVE, "weight_decay": NON_NEGATIVE,
              "momentum_decay": NON_NEGATIVE, "decoupled_weight_decay": BOOLEAN, "maximize": BOOLEAN}

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False,
                 *, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def _init_state(self, param, group):
        return {"step": self._scalar(0.0), "mu_product": self._scalar(1.0),
                "exp_avg": self._full_like(param), "exp_avg_sq": self._full_like(param)}

    def _update(self, param, grad, state, group):
        beta1, beta2 = group["betas"]
        lr, psi = group["lr"], group["momentum_decay"]
        step = float(state["step"])
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        # The running product is a 0-d tensor of step's dtype (float32 by default), as in PyTorch.
        mu_product = float(state["mu_product"].mul_(mu))
        m, v, scratch = update_moments(state, grad, beta1, beta2)
        denominator = np.asarray(np.divide(v, 1 - beta2 ** step))
        np.sqrt(denominator, out=denominator)
        denominator += group["eps"]
        np.multiply(grad, -lr * (1.0 - mu) / (1.0 - mu_product), out=scratch)
        scratch /= denominator
        momentum_term = np.asarray(np.multiply(m, -lr * mu_next / (1.0 - mu_product * mu_next)))
        momentum_term /= denominator
        scratch += momentum_term
        param.add_(scratch)
