"""torch.linalg's namespace: `import autograd as torch; torch.linalg.solve(A, B)`.

Every function takes batches of matrices (leading dims, broadcast where PyTorch broadcasts)
and is differentiable where PyTorch's is; the primitives are in ops/solvers.py (solve, inv,
det, slogdet, solve_triangular, pinv) and ops/decompositions.py (cholesky, eigh, svd, qr), the
rest is composed of them. Factorizations return PyTorch's named tuples. Singular input to solve
and inv, and input that is not positive-definite to cholesky, raise LinAlgError (a RuntimeError).

Gradients at degenerate points are ill-defined, as in PyTorch (see ops/decompositions.py): the
gradient through eigenvectors at repeated eigenvalues, or singular vectors at repeated singular
values, is inf or NaN; through eigenvalues or singular values alone it stays finite. With
svd(full_matrices=True), the extra columns of U and rows of Vh get no gradient; a gradient
through qr's Q and R needs mode='reduced' (or 'complete' with m <= n). det's gradient at an
exactly singular matrix is the adjugate (PyTorch's is 0 there, a known PyTorch bug).
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from .ops.decompositions import QR, SVD, Cholesky, Eigh, qr_shapes, svd_shapes, unpack
from .ops.elementwise import log
from .ops.reduce import amax, amin, norm as reduce_norm, sum as reduce_sum
from .ops.shape import squeeze, unsqueeze
from .ops.solvers import (Det, LinAlgError, LogAbsDet, Pinv, SignDet, SolveTriangular, check_square, check_system, inv, mT,
                          pinv_cutoff, solve_matrices)
from .shapes import ShapeError, normalize_axis
from .tensor import Tensor

__all__ = ["LinAlgError", "solve", "inv", "det", "slogdet", "logdet", "cholesky", "cholesky_solve", "solve_triangular",
           "eigh", "eigvalsh", "svd", "svdvals", "qr", "norm", "vector_norm", "matrix_norm", "pinv", "lstsq"]

# PyTorch's torch.return_types
SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])
EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])
QRResult = namedtuple("QRResult", ["Q", "R"])
LstsqResult = namedtuple("LstsqResult", ["solution", "residuals", "rank", "singular_values"])


def _vector_rhs(a: Tensor, b: Tensor) -> bool:
    """PyTorch's rule: B is a (batch of) vector(s) if 1-D, or if its shape is A's batch dims plus n."""
    return b.ndim == 1 or (b.ndim == a.ndim - 1 and tuple(b.shape) == tuple(a.shape[:-1]))


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """X with AX = B (XA = B if left=False), for A (..., n, n) and B (..., n, k) or (..., n)."""
    n = check_square("linalg.solve", A)
    if not left:
        if B.ndim < 2 or B.shape[-1] != n:
            raise ShapeError(f"linalg.solve: incompatible shapes of A {tuple(A.shape)} and B {tuple(B.shape)} for the "
                             f"equation XA = B (left=False): B must be (..., k, {n}), its last dim equal to A's size")
        return mT(solve(mT(A), mT(B)))
    if _vector_rhs(A, B):
        return squeeze(solve(A, unsqueeze(B, -1)), -1)
    check_system("linalg.solve", A, B)
    return solve_matrices(A, B)


def det(A: Tensor) -> Tensor:
    check_square("linalg.det", A)
    return Det.apply(A)


def slogdet(A: Tensor) -> SlogdetResult:
    """(sign, log|det A|); the sign has no gradient."""
    check_square("linalg.slogdet", A)
    return SlogdetResult(SignDet.apply(A), LogAbsDet.apply(A))


def logdet(A: Tensor) -> Tensor:
    """log det A: NaN where det A < 0, -inf where it is 0 (as PyTorch)."""
    sign, logabsdet = slogdet(A)
    with np.errstate(divide="ignore", invalid="ignore"):
        return logabsdet + log(sign)  # (an op, not np.log on the array: ag.compile records it)


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """L (lower-triangular) with A = L L^T, from A's lower triangle; U = L^T if upper."""
    check_square("linalg.cholesky", A)
    lower = Cholesky.apply(A)
    return mT(lower) if upper else lower


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False) -> Tensor:
    """X with (L L^T) X = B given the Cholesky factor L (U^T U if upper). As PyTorch's, the
    gradient for L is that of the full matrix L L^T (not only its triangle)."""
    check_square("cholesky_solve", L)
    return solve(mT(L) @ L if upper else L @ mT(L), B)


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False) -> Tensor:
    """X with TX = B (XT = B if left=False), T the upper or lower triangle of A (with a unit
    diagonal if unitriangular); A's other elements are not read."""
    n = check_square("linalg.solve_triangular", A)
    if not left:
        if B.ndim < 2 or B.shape[-1] != n:
            raise ShapeError(f"linalg.solve_triangular: incompatible shapes of A {tuple(A.shape)} and B {tuple(B.shape)} "
                             f"for the equation XA = B (left=False): B must be (..., k, {n})")
        return mT(solve_triangular(mT(A), mT(B), upper=not upper, unitriangular=unitriangular))
    check_system("linalg.solve_triangular", A, B)
    return SolveTriangular.apply(A, B, upper=upper, unitriangular=unitriangular)


def eigh(A: Tensor, UPLO: str = "L") -> EighResult:  # noqa: N803 (PyTorch's name)
    """Eigenvalues (ascending) and orthonormal eigenvectors (columns) of symmetric A, read from
    its lower (UPLO='L') or upper triangle. Eigenvector gradients are inf/NaN at repeated eigenvalues."""
    check_square("linalg.eigh", A)
    if UPLO not in ("L", "U"):
        raise ValueError(f"linalg.eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    packed = Eigh.apply(A, uplo=UPLO)
    return EighResult(packed[..., 0, :], packed[..., 1:, :])


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:  # noqa: N803
    return eigh(A, UPLO).eigenvalues


def _check_matrix(op: str, A: Tensor) -> None:
    if A.ndim < 2:
        raise ShapeError(f"{op}: A must have at least 2 dimensions (a matrix or a batch of them), got shape {tuple(A.shape)}")


def svd(A: Tensor, full_matrices: bool = True, *, driver: str | None = None) -> SVDResult:
    """A = U diag(S) Vh, S descending. Singular-vector gradients are inf/NaN at repeated singular values."""
    _check_matrix("linalg.svd", A)
    packed = SVD.apply(A, full_matrices=full_matrices)
    return SVDResult(*unpack(packed, tuple(A.shape[:-2]), *svd_shapes(tuple(A.shape), full_matrices)))


def svdvals(A: Tensor, *, driver: str | None = None) -> Tensor:
    return svd(A, full_matrices=False).S


def qr(A: Tensor, mode: str = "reduced") -> QRResult:
    """A = QR with Q's columns orthonormal and R upper-triangular; mode 'reduced', 'complete' or
    'r' (R only: Q is an empty tensor, and there is no gradient)."""
    _check_matrix("linalg.qr", A)
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"linalg.qr: mode must be 'reduced', 'complete' or 'r', got {mode!r}")
    packed = QR.apply(A, mode=mode)
    q, r = unpack(packed, tuple(A.shape[:-2]), *qr_shapes(tuple(A.shape), mode))
    if mode == "r":
        q = Tensor._make(np.zeros((0,), dtype=A.dtype))
    return QRResult(q, r)


def pinv(A: Tensor, *, atol: float | None = None, rtol: float | None = None, hermitian: bool = False,
         rcond: float | None = None) -> Tensor:
    """The pseudo-inverse, from the SVD; singular values <= max(atol, rtol * largest) count as 0
    (rtol defaults to eps * max(m, n), as PyTorch's; `rcond` is rtol's old name)."""
    _check_matrix("linalg.pinv", A)
    return Pinv.apply(A, atol=atol, rtol=rtol if rtol is not None else rcond)


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *, driver: str | None = None) -> LstsqResult:
    """The least-squares (minimum-norm) solution of AX = B, for A (..., m, n), B (..., m, k).

    The solution is pinv(A) @ B and is differentiable (PyTorch's gradient is that one too);
    residuals, rank and singular_values are not. As PyTorch's CPU drivers: rank is given by
    'gelsy' (the default), 'gelsd' and 'gelss'; singular values by 'gelsd' and 'gelss';
    residuals (the squared residual norm per column) by all but 'gelsy', when m > n and A has
    full rank. What a driver does not give is an empty tensor."""
    _check_matrix("linalg.lstsq", A)
    driver = driver or "gelsy"
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(f"linalg.lstsq: driver must be one of gels, gelsy, gelsd, gelss, got {driver!r}")
    vector = _vector_rhs(A, B)
    rhs = unsqueeze(B, -1) if vector else B
    if rhs.ndim < 2 or rhs.shape[-2] != A.shape[-2]:
        raise ShapeError(f"linalg.lstsq: A {tuple(A.shape)} and B {tuple(B.shape)} must have the same number of rows "
                         f"(B is (..., m, k) or (..., m) for A (..., m, n))")
    solution = pinv(A, rtol=rcond) @ rhs
    m, n = A.shape[-2:]
    s = np.linalg.svd(A._data, compute_uv=False)
    rank = np.sum(s > pinv_cutoff(s, A.shape, A.dtype, None, rcond), -1)
    empty = Tensor._make(np.zeros((0,), dtype=A.dtype))
    residuals = empty
    if driver != "gelsy" and m > n and bool(np.all(rank == n)):
        residuals = Tensor._make(np.sum((A._data @ solution._data - rhs._data) ** 2, -2))
    return LstsqResult(squeeze(solution, -1) if vector else solution, residuals,
                       Tensor._make(np.asarray(rank, dtype=np.int64)) if driver != "gels" else
                       Tensor._make(np.zeros((0,), dtype=np.int64)),
                       Tensor._make(s) if driver in ("gelsd", "gelss") else empty)


# ---- norms -----------------------------------------------------------------------------------

def vector_norm(x: Tensor, ord: float = 2, dim: int | tuple[int, ...] | None = None, keepdim: bool = False,  # noqa: A002
                *, dtype: Any = None) -> Tensor:
    """The vector ord-norm over dim (all elements if None): ord = 2, 1, inf, -inf, 0 or any float."""
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord!r} (use linalg.matrix_norm for 'fro', 'nuc')")
    if dtype is not None:
        x = x.to(dtype)
    return reduce_norm(x, ord, dim, keepdim)


def matrix_norm(A: Tensor, ord: float | str = "fro", dim: tuple[int, int] = (-2, -1), keepdim: bool = False,  # noqa: A002
                *, dtype: Any = None) -> Tensor:
    """The matrix norm over the two dims: 'fro', 'nuc', 2 / -2 (largest / smallest singular value),
    1 / -1 (largest / smallest column abs-sum), inf / -inf (largest / smallest row abs-sum)."""
    if dtype is not None:
        A = A.to(dtype)
    if A.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: the input must have at least 2 dimensions, got shape {tuple(A.shape)}")
    d0, d1 = (normalize_axis(d, A.ndim, "linalg.matrix_norm") for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different, got {dim}")
    if ord == "fro":
        return reduce_norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        values = svdvals(_to_end(A, d0, d1))
        out = reduce_sum(values, -1) if ord == "nuc" else (amax if ord == 2 else amin)(values, -1)
        return unsqueeze(unsqueeze(out, min(d0, d1)), max(d0, d1)) if keepdim else out
    if ord in (1, -1, float("inf"), float("-inf")):
        summed, picked = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = reduce_sum(abs(A), summed, True)
        out = (amax if ord > 0 else amin)(sums, picked, True)
        return out if keepdim else squeeze(out, (d0, d1))
    raise RuntimeError(f"linalg.matrix_norm: order {ord!r} is not supported; use 'fro', 'nuc', 2, -2, 1, -1, inf or -inf")


def _to_end(A: Tensor, d0: int, d1: int) -> Tensor:
    """A with dims d0, d1 moved to the end, in that order."""
    rest = [d for d in range(A.ndim) if d not in (d0, d1)]
    return A.permute(*rest, d0, d1)


def norm(A: Tensor, ord: float | str | None = None, dim: int | tuple[int, ...] | None = None,  # noqa: A002
         keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """A vector norm (dim an int, or A 1-D) or a matrix norm (dim a pair, or A 2-D); with ord and
    dim both None, the 2-norm of all elements."""
    if isinstance(dim, int) or (isinstance(dim, (tuple, list)) and len(dim) == 1):
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)  # type: ignore[arg-type]
    if dim is not None:
        return matrix_norm(A, "fro" if ord is None else ord, tuple(dim), keepdim, dtype=dtype)  # type: ignore[arg-type]
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)  # type: ignore[arg-type]
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise RuntimeError(f"linalg.norm: if dim is not specified but ord is, the input must be 1-D or 2-D, got shape "
                       f"{tuple(A.shape)}")
