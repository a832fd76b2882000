"""Gradient clipping and flattening parameters to and from one vector (torch.nn.utils); `rnn`
holds the padding and packing of variable-length sequences (torch.nn.utils.rnn)."""
from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

import autograd as ag

from . import rnn as rnn  # nn.utils.rnn, as torch.nn.utils.rnn


def _with_grads(parameters):
    parameters = [parameters] if isinstance(parameters, ag.Tensor) else list(parameters)
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters: ag.Tensor | Iterable[ag.Tensor], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> ag.Tensor:
    """Scales all gradients in place so that their joint norm is at most max_norm.

    The joint norm is the norm_type-norm (inf for the largest absolute value) of all the
    gradients as one vector; they are scaled by min(1, max_norm / (norm + 1e-6)).
    Returns the norm before clipping, as a tensor.

    Example:
        >>> import autograd as ag, nn
        >>> w = ag.ones(4, requires_grad=True)
        >>> (w * 10).sum().backward()
        >>> nn.utils.clip_grad_norm_([w], 1.0).item()
        20.0
        >>> round(float(w.grad.norm()), 4)
        1.0
    """
    grads = _with_grads(parameters)
    if not grads:
        return ag.tensor(0.0)
    norm_type = float(norm_type)
    arrays = [np.asarray(g, dtype=np.float64) for g in grads]
    if norm_type == math.inf:
        total = max(float(np.abs(a).max(initial=0.0)) for a in arrays)
    else:
        per_tensor = np.array([np.linalg.norm(a.reshape(-1), ord=norm_type) for a in arrays])
        total = float(np.linalg.norm(per_tensor, ord=norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           f"it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           f"norm anyway, set `error_if_nonfinite=False`")
    scale = min(max_norm / (total + 1e-6), 1.0)
    with ag.no_grad():
        for grad in grads:
            grad.mul_(scale)
    return ag.tensor(total, dtype=grads[0].dtype)


def clip_grad_value_(parameters: ag.Tensor | Iterable[ag.Tensor], clip_value: float, foreach: bool | None = None) -> None:
    """Clamps every gradient in place to [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    with ag.no_grad():
        for grad in _with_grads(parameters):
            grad.clamp_(-clip_value, clip_value)


def parameters_to_vector(parameters: Iterable[ag.Tensor]) -> ag.Tensor:
    """All parameters flattened and concatenated into one 1-D tensor (differentiable)."""
    return ag.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: ag.Tensor, parameters: Iterable[ag.Tensor]) -> None:
    """Sets each parameter's data to its slice of the 1-D tensor `vec` (sharing its storage)."""
    if not isinstance(vec, ag.Tensor):
        raise TypeError(f"expected a Tensor, but got: {type(vec).__name__}")
    flat, offset = vec.detach(), 0
    for param in parameters:
        size = param.numel()
        if offset + size > flat.numel():
            raise ValueError(f"vector_to_parameters: the vector has {flat.numel()} elements, fewer than the "
                             f"parameters need")
        param.data = flat[offset:offset + size].reshape(param.shape)
        offset += size
