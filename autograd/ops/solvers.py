"""Solving and inverting: solve, inv, det, log|det|, solve_triangular and pinv, one primitive
each. Their gradients are written with matmul, swapaxes and np.linalg.solve / np.linalg.inv
(which numpy_protocol maps to solve and inv on Tensors), so they can be differentiated again.

An exactly singular matrix (a zero pivot) raises LinAlgError, a RuntimeError as PyTorch's
torch.linalg.LinAlgError; shapes that do not fit raise ShapeError naming them."""
from __future__ import annotations

import numpy as np

from ..function import Primitive
from ..shapes import ShapeError


class LinAlgError(RuntimeError):
    """A matrix the operation cannot take: singular for solve and inv, not positive-definite for
    cholesky (PyTorch's torch.linalg.LinAlgError, also a RuntimeError)."""


def shape_of(x) -> tuple[int, ...]:
    return tuple(np.shape(x))


def mT(x):
    """The matrix transpose of the last two dims, on arrays and Tensors alike."""
    return np.swapaxes(x, -1, -2)


def check_square(op: str, a) -> int:
    """The size n of a's (..., n, n) matrices; ShapeError otherwise."""
    s = shape_of(a)
    if len(s) < 2:
        raise ShapeError(f"{op}: A must have at least 2 dimensions (a matrix or a batch of them), got shape {s}")
    if s[-1] != s[-2]:
        raise ShapeError(f"{op}: A must be batches of square matrices, but they are {s[-2]} by {s[-1]} "
                         f"matrices (shape {s})")
    return s[-1]


def check_system(op: str, a, b) -> None:
    """A (..., n, n) and B (..., n, k) with broadcastable batch dims."""
    n, sa, sb = check_square(op, a), shape_of(a), shape_of(b)
    if len(sb) < 2 or sb[-2] != n:
        raise ShapeError(f"{op}: incompatible shapes of A {sa} and B {sb} for the equation AX = B: B must be "
                         f"(..., {n}, k), its second-to-last dim equal to A's size {n}")
    try:
        np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        raise ShapeError(f"{op}: the batch dims {sa[:-2]} of A {sa} and {sb[:-2]} of B {sb} cannot be broadcast "
                         f"together: compared from the right, each must be equal or 1") from None


def _singular(op, a):
    return LinAlgError(f"{op}: the input matrix A of shape {shape_of(a)} is singular (its LU factorization has an "
                       f"exact zero pivot), so it has no inverse and AX = B has no unique solution; "
                       f"use linalg.lstsq or linalg.pinv for singular systems")


def _factored(op, fn, a, *rest):
    """fn(a, *rest) (np.linalg.solve or inv); matrices with inf or NaN give NaN, as PyTorch's (no
    error), and an exactly singular one raises LinAlgError."""
    try:
        return fn(a, *rest)
    except np.linalg.LinAlgError:
        bad = ~np.isfinite(a).all((-2, -1))[..., None, None]
        if not bad.any():
            raise _singular(op, a) from None
    try:
        out = fn(np.where(bad, np.eye(a.shape[-1], dtype=a.dtype), a), *rest)
    except np.linalg.LinAlgError:
        raise _singular(op, a) from None
    return np.where(bad, np.nan, out).astype(out.dtype)


class Solve(Primitive):
    """X = A^-1 B for A (..., n, n), B (..., n, k)."""
    symbol = "solve"

    @staticmethod
    def forward(ctx, a, b):
        x = _factored("linalg.solve", np.linalg.solve, a, b)
        ctx.save_for_backward(a, x if ctx.needs_input_grad[0] else None)
        return x

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        grad_b = np.linalg.solve(mT(a), g)  # A^-T g
        return (-grad_b @ mT(x) if x is not None else None), grad_b


class Inv(Primitive):
    symbol = "A⁻¹"

    @staticmethod
    def forward(ctx, a):
        out = _factored("linalg.inv", np.linalg.inv, a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        inv_t = mT(ctx.saved_tensors[0])
        return -(inv_t @ g @ inv_t)


def _adjugate_t(a):
    """The transposed adjugate det(A) A^-T from the SVD A = U S Vh: det(U) det(Vh) U diag(p) Vh,
    p_i the product of the singular values other than s_i; defined at singular A too."""
    u, s, vh = np.linalg.svd(a)
    others = np.prod(np.where(np.eye(s.shape[-1], dtype=bool), 1, s[..., None, :]), -1)
    return (np.linalg.det(u) * np.linalg.det(vh))[..., None, None] * (u * others[..., None, :]) @ vh


class Det(Primitive):
    """det A; gradient det(A) A^-T, or the transposed adjugate where A is exactly singular (the
    true derivative; PyTorch 2.13 gives 0 there, pytorch/pytorch#104675). At a singular A the
    gradient is first order only: differentiated again it is a constant."""
    symbol = "det"

    @staticmethod
    def forward(ctx, a):
        out = np.linalg.det(a)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        try:
            inv_t = mT(np.linalg.inv(a))
        except (np.linalg.LinAlgError, LinAlgError):
            return g[..., None, None] * _adjugate_t(np.asarray(a))
        return (g * out)[..., None, None] * inv_t


class LogAbsDet(Primitive):
    """log |det A| (slogdet's second output); gradient A^-T."""
    symbol = "log|det|"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.linalg.slogdet(a)[1]

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g[..., None, None] * mT(np.linalg.inv(a))


class SignDet(Primitive):
    """sign(det A) (slogdet's first output): piecewise constant, so no gradient; an op (not a
    constant) only so that it requires grad when A does, as PyTorch's."""
    symbol = "sgn|A|"

    @staticmethod
    def forward(ctx, a):
        return np.linalg.slogdet(a)[0]

    @staticmethod
    def backward(ctx, g):
        return None


def _triangle(a, upper, unitriangular):
    """The triangular matrix solve_triangular reads from a (arrays or Tensors)."""
    if not unitriangular:
        return np.triu(a) if upper else np.tril(a)
    eye = np.eye(a.shape[-1], dtype=a.dtype)
    return (np.triu(a, 1) if upper else np.tril(a, -1)) + eye


def _substitute(t, b, upper):
    """Back (or forward) substitution, row by row: for a triangular t with a zero on its diagonal,
    where LU gives up, this gives the inf and NaN that PyTorch's triangular solver gives."""
    n = t.shape[-1]
    x = np.zeros(np.broadcast_shapes(t.shape[:-2], b.shape[:-2]) + b.shape[-2:], dtype=np.result_type(t, b))
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in (range(n - 1, -1, -1) if upper else range(n)):
            done = np.einsum("...j,...jk->...k", t[..., i, :], x)
            x[..., i, :] = (b[..., i, :] - done) / t[..., i, i, None]
    return x


class SolveTriangular(Primitive):
    """X = T^-1 B where T is A's upper or lower triangle (with ones on the diagonal if
    unitriangular); A's other elements are never read and get no gradient."""
    symbol = "solve△"

    @staticmethod
    def forward(ctx, a, b, upper=False, unitriangular=False):
        t = _triangle(a, upper, unitriangular)
        try:
            x = np.linalg.solve(t, b)
        except np.linalg.LinAlgError:
            x = _substitute(t, b, upper)
        ctx.save_for_backward(a, x if ctx.needs_input_grad[0] else None)
        ctx.upper, ctx.unit = upper, unitriangular
        return x

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        grad_b = np.linalg.solve(mT(_triangle(a, ctx.upper, ctx.unit)), g)
        if x is None:
            return None, grad_b
        grad_a = -grad_b @ mT(x)
        offset = 1 if ctx.unit else 0
        return (np.triu(grad_a, offset) if ctx.upper else np.tril(grad_a, -offset)), grad_b


def pinv_cutoff(s, shape, dtype, atol, rtol):
    """Singular values at or below this (..., 1) threshold count as zero (PyTorch's rule:
    max(atol, rtol * largest); rtol defaults to eps * max(m, n) unless atol > 0 is given)."""
    if rtol is None:
        rtol = np.finfo(dtype).eps * max(shape[-2:]) if not atol else 0.0
    largest = s.max(-1, keepdims=True) if s.shape[-1] else np.zeros(s.shape[:-1] + (1,), dtype)
    return np.maximum(atol or 0.0, rtol * largest)


class Pinv(Primitive):
    """The Moore-Penrose pseudo-inverse; its gradient is PyTorch's pinv_backward (exact where
    the rank does not change under a small perturbation)."""
    symbol = "A⁺"

    @staticmethod
    def forward(ctx, a, atol=None, rtol=None):
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        keep = s > pinv_cutoff(s, a.shape, a.dtype, atol, rtol)
        s_inv = np.where(keep, 1 / np.where(keep, s, 1), 0).astype(a.dtype)
        out = (mT(vh) * s_inv[..., None, :]) @ mT(u)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, p = ctx.saved_tensors
        m, n = a.shape[-2:]
        p_t, g_t = mT(p), mT(g)
        if m <= n:
            k = g_t @ p
            k_p_t = k @ p_t
            return -mT(p @ k) + k_p_t - (a @ p) @ k_p_t + (p_t @ p) @ (g_t - k @ a)
        k = p @ g_t
        p_t_k = p_t @ k
        return -mT(k @ p) + (g_t - a @ k) @ p @ p_t + p_t_k - p_t_k @ p @ a


def solve_matrices(a, b):
    """np.linalg.solve on Tensors (A (..., n, n), B (..., n, k)): what gradient rules call."""
    check_system("linalg.solve", a, b)
    return Solve.apply(a, b)


def inv(a):
    check_square("linalg.inv", a)
    return Inv.apply(a)
