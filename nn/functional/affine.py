"""nn.functional's linear, an affine map: y = x W^T + b. The common case (a batch of rows,
a 2-D weight and a 1-D bias) is one fused graph node, an ag.Primitive whose backward is
three array-speed BLAS calls; other shapes are composed from the engine's differentiable
matmul."""
from __future__ import annotations

import autograd as ag

from .arguments import shape_of


def linear(input: ag.Tensor, weight: ag.Tensor, bias: ag.Tensor | None = None) -> ag.Tensor:
    """y = x W^T + b.  Shape: input (*, in_features), weight (out_features, in_features)."""
    if input.shape[-1:] != weight.shape[-1:]:
        raise ValueError(f"linear: the input's last dimension ({shape_of(input)}) must equal in_features, "
                         f"the weight's second dimension ({shape_of(weight)})")
    if input.ndim == 2 and weight.ndim == 2 and (bias is None or bias.ndim == 1):
        return _Linear.apply(input, weight, bias)  # the common case: one node, three BLAS calls
    if input.ndim > 2:  # one 2-D matmul (NumPy's BLAS path in both directions), not a stacked one
        out = (input.reshape(-1, input.shape[-1]) @ weight.T).reshape(*input.shape[:-1], weight.shape[0])
    else:
        out = input @ weight.T
    return out if bias is None else out + bias


class _Linear(ag.Primitive):
    """x W^T + b for a batch of rows, as one graph node. Backward gives each gradient in its
    parameter's own (row-major) layout: dx = g W, dW = g^T x, db = sum of g over rows, in
    the vocabulary arrays and Tensors share, so that it is itself differentiable."""

    symbol = "linear"

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        ctx.save_for_backward(x, weight)
        out = x @ weight.T
        if bias is None:
            return out
        if bias.dtype == out.dtype:
            out += bias
            return out
        return out + bias

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_weight, need_bias = ctx.needs_input_grad
        return (grad @ weight if need_x else None, grad.T @ x if need_weight else None,
                grad.sum(axis=0) if need_bias else None)
