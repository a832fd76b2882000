"""Matrix decompositions: cholesky, eigh, svd and qr, one primitive each, with PyTorch's gradient
rules (FunctionsManual.cpp: cholesky_backward, linalg_eig_backward, svd_backward,
linalg_qr_backward) written with matmul, swapaxes, tril and np.linalg.solve so that they can be
differentiated again.

A Function has one output, so eigh, svd and qr return their factors packed into one array
(`pack`) that autograd.linalg slices apart (`unpack`); the slices' gradients meet again in the
packed output's gradient, zero where a factor was not used.

Gradients at degenerate points are ill-defined, as in PyTorch: eigenvectors of repeated
eigenvalues, and singular vectors of repeated (or, for non-square A, zero) singular values,
are not unique, and the gradient through them has 1 / (lambda_j - lambda_i) terms, so it is
inf or NaN there. When only eigenvalues (singular values) are used, those terms are 0 and the
gradient stays finite, as PyTorch's eigvalsh / svdvals gradients do.
"""
from __future__ import annotations

import numpy as np

from ..function import Primitive
from .solvers import LinAlgError, mT, shape_of


def pack(batch: tuple[int, ...], *parts: np.ndarray) -> np.ndarray:
    """The parts, each flattened past the batch dims, side by side in the last dim."""
    return np.concatenate([p.reshape(batch + (-1,)) for p in parts], -1)


def unpack(packed, batch: tuple[int, ...], *shapes: tuple[int, ...]) -> list:
    """The parts pack put side by side (arrays or Tensors), reshaped to batch + shape each."""
    parts, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        parts.append(packed[..., start:start + size].reshape(batch + shape))
        start += size
    return parts


def _eye_like(x, n):
    return np.eye(n, dtype=x.dtype)


def _divided(numerator, denominator):
    """numerator / denominator, but 0 where the numerator is exactly 0: the gradient through
    eigenvectors (singular vectors) that were not used is 0 even at repeated eigenvalues."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(numerator == 0, 0.0, numerator / denominator)


class Cholesky(Primitive):
    """L with A = L L^T, from A's lower triangle. The gradient is symmetric, as PyTorch's:
    L^-T Phi(L^T gL) L^-1 symmetrised, where Phi takes the lower triangle with half the diagonal."""
    symbol = "chol"

    @staticmethod
    def forward(ctx, a):
        try:
            out = np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            raise LinAlgError(f"linalg.cholesky: the input of shape {shape_of(a)} is not positive-definite, so it "
                              f"has no Cholesky factor (make it symmetric positive-definite, e.g. add a multiple "
                              f"of the identity, or use linalg.eigh)") from None
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        lower, = ctx.saved_tensors
        eye = _eye_like(lower, lower.shape[-1])
        product = mT(lower) @ g
        phi = np.tril(product) - 0.5 * product * eye
        left = np.linalg.solve(mT(lower), phi)  # L^-T Phi
        grad = mT(np.linalg.solve(mT(lower), mT(left)))  # L^-T Phi L^-1
        return 0.5 * (grad + mT(grad))


class Eigh(Primitive):
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix, read from one triangle
    (UPLO), packed as (..., n + 1, n): row 0 the eigenvalues, rows 1.. the eigenvectors. The
    gradient is PyTorch's: V (diag(gL) + skew(V^T gV) / E) V^T with E_ij = lambda_j - lambda_i,
    a gradient for A as a symmetric matrix (so it does not depend on UPLO)."""
    symbol = "eigh"

    @staticmethod
    def forward(ctx, a, uplo="L"):
        values, vectors = np.linalg.eigh(a, UPLO=uplo)
        out = np.concatenate([values[..., None, :], vectors], -2)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        values, vectors = out[..., 0, :], out[..., 1:, :]
        g_values, g_vectors = g[..., 0, :], g[..., 1:, :]
        eye = _eye_like(out, values.shape[-1])
        projected = mT(vectors) @ g_vectors
        skew = 0.5 * (projected - mT(projected))
        gaps = values[..., None, :] - values[..., :, None] + eye
        inner = _divided(skew, gaps) + g_values[..., None, :] * eye
        return vectors @ inner @ mT(vectors)


def svd_shapes(shape: tuple[int, ...], full_matrices: bool) -> tuple[tuple[int, ...], ...]:
    """The shapes of U, S and Vh for a (..., m, n) input."""
    m, n = shape[-2:]
    k = min(m, n)
    return ((m, m if full_matrices else k), (k,), (n if full_matrices else k, n))


class SVD(Primitive):
    """U, S, Vh packed (pack) in the last dim. The gradient is PyTorch's svd_backward; with
    full_matrices=True only the first min(m, n) columns of U and rows of Vh carry gradient (the
    others are not determined by A), as in PyTorch."""
    symbol = "svd"

    @staticmethod
    def forward(ctx, a, full_matrices=True):
        u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
        ctx.full = full_matrices
        out = pack(a.shape[:-2], u, s, vh)
        ctx.save_for_backward(out)
        ctx.shape = a.shape
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        batch, (m, n) = ctx.shape[:-2], ctx.shape[-2:]
        shapes = svd_shapes(ctx.shape, ctx.full)
        u, s, vh = unpack(out, batch, *shapes)
        g_u, g_s, g_vh = unpack(g, batch, *shapes)
        k = s.shape[-1]
        if ctx.full:
            u, g_u, vh, g_vh = u[..., :k], g_u[..., :k], vh[..., :k, :], g_vh[..., :k, :]
        eye = _eye_like(out, k)
        u_g_u = mT(u) @ g_u
        v_g_v = vh @ mT(g_vh)
        s2 = s * s
        gaps = s2[..., None, :] - s2[..., :, None] + eye
        numerator = (u_g_u - mT(u_g_u)) * s[..., None, :] + s[..., :, None] * (v_g_v - mT(v_g_v))
        inner = _divided(numerator, gaps) + g_s[..., None, :] * eye
        if m > n:  # the part of gU outside U's span: (I - U U^T) gU S^-1
            g_u_s = _divided(g_u, s[..., None, :])
            return (u @ inner + g_u_s - u @ (mT(u) @ g_u_s)) @ vh
        if m < n:
            s_g_vh = _divided(g_vh, s[..., :, None])
            return u @ (inner @ vh + s_g_vh - (s_g_vh @ mT(vh)) @ vh)
        return u @ inner @ vh


def qr_shapes(shape: tuple[int, ...], mode: str) -> tuple[tuple[int, ...], ...]:
    m, n = shape[-2:]
    k = m if mode == "complete" else min(m, n)
    return ((m, k), (k, n))


def _qr_square_backward(g_q, g_r, q, r):
    """A = QR with R (n, n) invertible, Q (m, n), m >= n: gA = (gQ + Q copyltu(M)) R^-T, where
    M = R gR^T - gQ^T Q and copyltu(M) is the symmetric matrix with M's lower triangle."""
    m_ = r @ mT(g_r) - mT(g_q) @ q
    lower = np.tril(m_)
    sym = lower + mT(np.tril(m_, -1))
    y = g_q + q @ sym
    return mT(np.linalg.solve(r, mT(y)))  # y R^-T


class QR(Primitive):
    """Q and R packed (pack). The gradient is PyTorch's: defined for mode 'reduced', and for
    'complete' when m <= n (then the same factors); mode 'r' computes no Q and has none."""
    symbol = "qr"

    @staticmethod
    def forward(ctx, a, mode="reduced"):
        q, r = np.linalg.qr(a, mode="complete" if mode == "complete" else "reduced")
        ctx.mode, ctx.shape = mode, a.shape
        out = pack(a.shape[:-2], q, r)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        m, n = ctx.shape[-2:]
        if ctx.mode == "r":
            raise RuntimeError("linalg.qr: the derivative of linalg.qr depends on Q, which is not computed when "
                               "mode='r'; use linalg.qr(A, mode='reduced') to differentiate through it")
        if ctx.mode == "complete" and m > n:
            raise RuntimeError(f"linalg.qr: the QR decomposition is not differentiable when mode='complete' and "
                               f"nrows > ncols (input shape {ctx.shape}): use mode='reduced'")
        out, = ctx.saved_tensors
        batch, shapes = ctx.shape[:-2], qr_shapes(ctx.shape, ctx.mode)
        q, r = unpack(out, batch, *shapes)
        g_q, g_r = unpack(g, batch, *shapes)
        if m >= n:
            return _qr_square_backward(g_q, g_r, q, r)
        # A = [X | Y] with X = Q R1 square and R2 = Q^T Y
        r1, r2, g_r1, g_r2 = r[..., :m], r[..., m:], g_r[..., :m], g_r[..., m:]
        y = q @ r2
        grad_x = _qr_square_backward(g_q + y @ mT(g_r2), g_r1, q, r1)
        return np.concatenate([grad_x, q @ g_r2], -1)
