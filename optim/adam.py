"""Adam and AdamW: one update rule; AdamW only switches weight decay to the decoupled form."""
from __future__ import annotations

import numpy as np

from .optimizer import BETAS, BOOLEAN, NON_NEGATIVE, Optimizer, ParamsT


def update_moments(state: dict, grad: np.ndarray, beta1: float, beta2: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Adam's moment estimates, updated in place: m <- beta1 m + (1 - beta1) g, v <- beta2 v + (1 - beta2) g^2.

    Returns (m, v, scratch), where scratch is a free array of the gradient's shape.
    """
    m, v = np.asarray(state["exp_avg"]), np.asarray(state["exp_avg_sq"])
    scratch = np.asarray(np.subtract(grad, m))  # m += (1 - beta1) * (g - m): PyTorch's lerp, same rounding
    # (asarray: on 0-d arrays NumPy returns a scalar, which `out=` below cannot take)
    scratch *= 1 - beta1
    m += scratch
    v *= beta2
    np.multiply(grad, 1 - beta2, out=scratch)
    scratch *= grad
    v += scratch
    return m, v, scratch


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), with optional AMSGrad.

    For each parameter theta with gradient g at step t (after maximize and weight decay, which
    the base applies), with lr gamma and betas (beta1, beta2)::

        m <- beta1 * m + (1 - beta1) * g               (first moment)
        v <- beta2 * v + (1 - beta2) * g^2             (second moment)
        v_max <- max(v_max, v); use v_max for v        (amsgrad only)
        theta <- theta - gamma / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    The factors 1 - beta^t are the bias corrections of m and v, which start at zero.

    Args:
        params: parameters, or parameter groups (dicts).
        lr: learning rate gamma. Default 1e-3.
        betas: (beta1, beta2), each in [0, 1). Default (0.9, 0.999).
        eps: added to the denominator for numerical stability. Default 1e-8.
        weight_decay: lambda: L2 penalty g <- g + lambda * theta, or with `decoupled_weight_decay`
            theta <- theta * (1 - gamma * lambda) (AdamW). Default 0.
        amsgrad: use the running maximum of v (Reddi et al., 2018). Default False.
        maximize: ascend the objective instead of descending it. Default False.
        decoupled_weight_decay: decay the weights directly instead of through the gradient. Default False.

    State: "step", "exp_avg" (m), "exp_avg_sq" (v), "max_exp_avg_sq" (amsgrad).

    Example:
        >>> opt = optim.Adam(model.parameters(), lr=1e-3)
        >>> opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    """

    _rules = {"lr": NON_NEGATIVE, "betas": BETAS, "eps": NON_NEGATIVE, "weight_decay": NON_NEGATIVE,
              "amsgrad": BOOLEAN, "maximize": BOOLEAN, "decoupled_weight_decay": BOOLEAN}

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, decoupled_weight_decay=decoupled_weight_decay))

    def _init_state(self, param, group):
        state = {"step": self._scalar(0.0), "exp_avg": self._full_like(param), "exp_avg_sq": self._full_like(param)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = self._full_like(param)
        return state

    def _update(self, param, grad, state, group):
        beta1, beta2 = group["betas"]
        step = float(state["step"])
        m, v, scratch = update_moments(state, grad, beta1, beta2)
        if group["amsgrad"]:
            v_max = np.asarray(state["max_exp_avg_sq"])
            v = np.maximum(v_max, v, out=v_max)
        denominator = np.asarray(np.sqrt(v))
        denominator /= (1 - beta2 ** step) ** 0.5
        denominator += group["eps"]
        np.multiply(m, -group["lr"] / (1 - beta1 ** step), out=scratch)
        scratch /= denominator
        param.add_(scratch)


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    The same update as `Adam`, except that weight decay shrinks the weights directly,
    theta <- theta * (1 - gamma * lambda), before the Adam step, instead of adding
    lambda * theta to the gradient (where the moment estimates would rescale it).

    Args:
        params, lr, betas, eps, amsgrad, maximize: as for `Adam`.
        weight_decay: decoupled weight decay lambda. Default 1e-2.

    Example:
        >>> opt = optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize, decoupled_weight_decay=True)
