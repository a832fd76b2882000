"""Linear algebra: matmul (1-D, 2-D and batched, with broadcasting) and einsum; and, composed of
them and of indexing, addmm, baddbmm, diagonal, diag, diag_embed, trace, cross and cdist."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..shapes import ShapeError, normalize_axis
from ..function import Primitive
from ..tensor import Tensor
from . import elementwise as ew
from .indexing import IndexAdd, getitem
from .reduce import amax, norm, sum
from .shape import broadcast_to, permute, stack, unsqueeze

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


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:  # noqa: A002
    """beta * input + alpha * (mat1 @ mat2); with beta = 0 the input is ignored (NaN included), as in PyTorch."""
    return _scaled_sum("addmm", input, mm(mat1, mat2), beta, alpha)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:  # noqa: A002
    """beta * input + alpha * (batch1 @ batch2) for 3-D batches of matrices."""
    return _scaled_sum("baddbmm", input, bmm(batch1, batch2), beta, alpha)


def _scaled_sum(op, input, product, beta, alpha):  # noqa: A002
    if np.broadcast_shapes(np.shape(input._data if isinstance(input, Tensor) else input), product.shape) != product.shape:
        raise ShapeError(f"{op}: the input of shape {tuple(np.shape(input))} cannot be broadcast to the "
                         f"product's shape {tuple(product.shape)}")
    product = product if alpha == 1 else product * alpha
    if beta == 0:
        return product
    return (input if beta == 1 else input * beta) + product


def _diagonal_positions(length, offset):
    """Row and column indices of the `length` elements of the diagonal `offset` above the main one."""
    steps = np.arange(length)
    return steps + max(-offset, 0), steps + max(offset, 0)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    """The diagonal of the (dim1, dim2) matrices, as a new last dim (a copy, not PyTorch's view)."""
    d1, d2 = normalize_axis(dim1, input.ndim, "diagonal"), normalize_axis(dim2, input.ndim, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal: dim1 and dim2 must differ, both are {d1} (shape {tuple(input.shape)})")
    moved = permute(input, tuple(d for d in range(input.ndim) if d not in (d1, d2)) + (d1, d2))
    n1, n2 = input.shape[d1], input.shape[d2]
    length = max(0, min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2))
    return getitem(moved, (Ellipsis, *_diagonal_positions(length, offset)))


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: A002
    """Matrices (in dims dim1, dim2 of the result) whose diagonal `offset` holds the last dim of input."""
    ndim = input.ndim + 1
    d1, d2 = normalize_axis(dim1, ndim, "diag_embed"), normalize_axis(dim2, ndim, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diag_embed: dim1 and dim2 must differ, both are {d1}")
    length = input.shape[-1]
    n = length + abs(offset)
    out = IndexAdd.apply(input, index=(Ellipsis, *_diagonal_positions(length, offset)),
                         shape=input.shape[:-1] + (n, n), unique=True)
    rest = iter(range(ndim - 2))
    order = tuple(ndim - 2 if d == d1 else ndim - 1 if d == d2 else next(rest) for d in range(ndim))
    return permute(out, order)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """A vector's diagonal matrix, or a matrix's diagonal (offset `diagonal`)."""
    if input.ndim == 1:
        return diag_embed(input, diagonal)
    if input.ndim == 2:
        return _diagonal_of(input, diagonal)
    raise RuntimeError(f"diag: supports 1-D and 2-D tensors, got shape {tuple(input.shape)}; use diagonal or diag_embed")


_diagonal_of = diagonal


def trace(input: Tensor) -> Tensor:  # noqa: A002
    """The sum of a matrix's main diagonal."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a 2-D matrix, got shape {tuple(input.shape)}")
    return sum(diagonal(input))


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:  # noqa: A002
    """The cross product of 3-vectors along `dim` (the first dim of size 3 if None), broadcasting."""
    shape = np.broadcast_shapes(input.shape, other.shape)
    if dim is None:
        dim = next((d for d, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise RuntimeError(f"cross: no dimension of size 3 in the broadcast shape {shape}; pass dim")
    axis = normalize_axis(dim, len(shape), "cross")
    if shape[axis] != 3:
        raise RuntimeError(f"cross: dimension {dim} has size {shape[axis]}, not 3 (shapes {tuple(input.shape)} "
                           f"and {tuple(other.shape)})")
    a, b = broadcast_to(input, shape), broadcast_to(other, shape)
    a0, a1, a2 = (getitem(a, (slice(None),) * axis + (i,)) for i in range(3))
    b0, b1, b2 = (getitem(b, (slice(None),) * axis + (i,)) for i in range(3))
    return stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str | None = None) -> Tensor:
    """The p-norm distances between the rows of x1 (..., P, M) and of x2 (..., R, M): (..., P, R).

    Computed from the differences (not PyTorch's matmul shortcut for p=2), so a distance of zero
    has gradient 0, never NaN, for p = 1, 2, inf and every p >= 1. With p = inf, coordinates tied
    for the largest difference share its gradient (PyTorch gives each of them all of it).
    """
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist: only supports at least 2-D tensors, got shapes {tuple(x1.shape)} and {tuple(x2.shape)}")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"cdist: x1 and x2 must have the same number of columns, got shapes {tuple(x1.shape)} "
                           f"and {tuple(x2.shape)}")
    if p < 0:
        raise RuntimeError(f"cdist: only supports non-negative p values, got {p}")
    diff = unsqueeze(x1, -2) - unsqueeze(x2, -3)
    if p == 2:
        return norm(diff, 2, -1)
    if p == 1:
        return sum(ew.abs(diff), -1)
    if p == float("inf"):
        return amax(ew.abs(diff), -1)
    if p == 0:
        return norm(diff, 0, -1)
    powered = sum(ew.abs(diff) ** p, -1)
    zero = powered._data == 0
    return ew.where(zero, 0.0, ew.where(zero, 1.0, powered) ** (1.0 / p))
