"""Linear algebra: matmul (1-D, 2-D and batched, with broadcasting) and einsum."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..shapes import ShapeError
from ..function import Primitive
from ..tensor import Tensor

if TYPE_CHECKING:
    from ..tensor import Operand


def _shape(x):
    return tuple(np.shape(x))


def _matmul_error(a, b):
    sa, sb = _shape(a), _shape(b)
    if not sa or not sb:
        return ShapeError(f"matmul: both operands need at least 1 dimension, got shapes {sa} and {sb}; "
                          f"use * to multiply by a scalar")
    inner_b = sb[0] if len(sb) == 1 else sb[-2]
    if sa[-1] != inner_b:
        return ShapeError(f"matmul: shapes {sa} and {sb} do not align: the last dim of the first "
                          f"({sa[-1]}) must equal the {'only' if len(sb) == 1 else 'second-to-last'} "
                          f"dim of the second ({inner_b})")
    return ShapeError(f"matmul: the batch dimensions {sa[:-2]} and {sb[:-2]} of shapes {sa} and {sb} cannot be "
                      f"broadcast together: compared from the right, each must be equal or 1")


class Matmul(Primitive):
    symbol = "@"

    @staticmethod
    def forward(ctx, a, b):
        try:
            out = np.matmul(a, b)
        except ValueError:
            raise _matmul_error(a, b) from None
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        ctx.vector_a, ctx.vector_b = a.ndim == 1, b.ndim == 1
        return out

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        # Treat vectors as matrices (a row for `a`, a column for `b`), as matmul itself does.
        if ctx.vector_b:
            g = np.expand_dims(g, -1)
            b = np.expand_dims(b, -1) if b is not None else None
        if ctx.vector_a:
            g = np.expand_dims(g, -2)
            a = np.expand_dims(a, 0) if a is not None else None
        grad_a = grad_b = None
        if b is not None:
            grad_a = g @ np.swapaxes(b, -1, -2)
            if ctx.vector_a:
                grad_a = grad_a[..., 0, :]
        if a is not None:
            grad_b = np.swapaxes(a, -1, -2) @ g
            if ctx.vector_b:
                grad_b = grad_b[..., 0]
        return grad_a, grad_b


def _parse_einsum(equation, count):
    equation = equation.replace(" ", "")
    if "." in equation:
        raise NotImplementedError("einsum: '...' (ellipsis) is not supported; name every dimension")
    inputs, _, output = equation.partition("->")
    terms = inputs.split(",")
    if len(terms) != count:
        raise ValueError(f"einsum: the equation {equation!r} names {len(terms)} operands but {count} were given")
    if not _:
        letters = "".join(terms)
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return terms, output


def _einsum_error(equation, terms, shapes, error):
    """Names the subscript whose sizes disagree (NumPy speaks of broadcasting remapped shapes)."""
    listed = ", ".join(str(s) for s in shapes)
    seen = {}  # subscript -> (size, operand) where it first has a size other than 1
    for operand, (term, shape) in enumerate(zip(terms, shapes)):
        if len(term) != len(shape):
            continue  # NumPy's message already names the operand with too many or too few subscripts
        for letter, size in zip(term, shape):
            if size == 1:
                continue  # broadcasts against any size
            first_size, first_operand = seen.setdefault(letter, (size, operand))
            if first_size != size:
                return ShapeError(f"einsum: subscript {letter!r} has size {first_size} in operand {first_operand} but "
                                  f"size {size} in operand {operand} (equation {equation!r}, shapes {listed})")
    return ShapeError(f"einsum: {error} (equation {equation!r}, shapes {listed})")


class Einsum(Primitive):
    symbol = "einsum"

    @staticmethod
    def forward(ctx, *operands, equation=""):
        ctx.terms, ctx.output_term = _parse_einsum(equation, len(operands))
        ctx.shapes = [op.shape for op in operands]
        ctx.save_for_backward(*operands)
        try:
            return np.einsum(f"{','.join(ctx.terms)}->{ctx.output_term}", *operands)
        except ValueError as error:
            raise _einsum_error(equation, ctx.terms, ctx.shapes, error) from None

    @staticmethod
    def backward(ctx, g):
        operands = ctx.saved_tensors
        grads = []
        for i, term in enumerate(ctx.terms):
            if not ctx.needs_input_grad[i]:
                grads.append(None)
                continue
            if len(set(term)) != len(term):
                raise NotImplementedError(f"einsum: the gradient for an operand with a repeated "
                                          f"subscript ({term!r}) is not supported")
            others = [t for j, t in enumerate(ctx.terms) if j != i]
            available = set(ctx.output_term).union(*others)
            kept = "".join(c for c in term if c in available)
            spec = ",".join([ctx.output_term, *others]) + "->" + kept
            grad = np.einsum(spec, g, *[op for j, op in enumerate(operands) if j != i])
            if kept != term:  # letters summed only inside this operand: broadcast back over them
                shape = tuple(n if c in available else 1 for c, n in zip(term, ctx.shapes[i]))
                grad = np.broadcast_to(grad.reshape(shape), ctx.shapes[i])
            grads.append(grad)
        return tuple(grads)


def matmul(a: Operand, b: Operand) -> Tensor:
    return Matmul.apply(a, b)


def _require(op, x, ndim, what):
    if x.ndim != ndim:
        raise ShapeError(f"{op}: expected {what}, got a tensor of shape {tuple(x.shape)}")


def dot(a: Tensor, b: Tensor) -> Tensor:
    _require("dot", a, 1, "1-D tensors")
    _require("dot", b, 1, "1-D tensors")
    if a.shape != b.shape:
        raise ShapeError(f"dot: the vectors must have the same length, got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    return Matmul.apply(a, b)


def mm(a: Tensor, b: Tensor) -> Tensor:
    _require("mm", a, 2, "2-D matrices")
    _require("mm", b, 2, "2-D matrices")
    return Matmul.apply(a, b)


def bmm(a: Tensor, b: Tensor) -> Tensor:
    _require("bmm", a, 3, "3-D batches of matrices")
    _require("bmm", b, 3, "3-D batches of matrices")
    if a.shape[0] != b.shape[0]:
        raise ShapeError(f"bmm: batch sizes differ: shapes {tuple(a.shape)} and {tuple(b.shape)}")
    return Matmul.apply(a, b)


def outer(a: Tensor, b: Tensor) -> Tensor:
    from .shape import reshape
    _require("outer", a, 1, "1-D tensors")
    _require("outer", b, 1, "1-D tensors")
    return reshape(a, (-1, 1)) * reshape(b, (1, -1))


def einsum(equation: str, *operands: Tensor | Sequence[Tensor]) -> Tensor:
    """Einstein summation, e.g. einsum("ij,jk->ik", a, b); operands may also be given as one list."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return Einsum.apply(*operands, equation=equation)


__all__ = ["Tensor", "matmul", "dot", "mm", "bmm", "outer", "einsum"]
