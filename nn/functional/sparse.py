"""nn.functional's sparse functions (PyTorch's heading for index lookups): embedding, rows
of a table by integer index (padding_idx gets no gradient, max_norm renormalises the rows
used in place), and one_hot, an int64 one-hot encoding."""
from __future__ import annotations

import numpy as np

import autograd as ag


def _renorm_rows_(weight, rows, max_norm, norm_type):
    """Scales the rows of `weight` used in this lookup down to norm max_norm, in place."""
    with ag.no_grad():
        table = weight.detach()
        values = np.asarray(table)[rows]
        norms = np.linalg.norm(values, ord=norm_type, axis=1, keepdims=True)
        scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        table[rows] = ag.from_numpy((values * scale).astype(values.dtype))


def embedding(input: ag.Tensor, weight: ag.Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> ag.Tensor:
    """Looks up rows of `weight` (num_embeddings, dim) by integer index.

    Shape: input (*) of integers; output (*, dim). Entries equal to padding_idx get no
    gradient; with max_norm, rows used are first renormalised in place.
    """
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse gradients are not supported")
    indices = np.asarray(input)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {indices.dtype}; use input.long()")
    rows = weight.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= rows):
        bad = indices.min() if indices.min() < 0 else indices.max()
        raise IndexError(f"embedding: index {bad} is out of range for a table of {rows} rows")
    if max_norm is not None:
        _renorm_rows_(weight, np.unique(indices), max_norm, norm_type)
    out = weight[indices]
    if padding_idx is not None:
        padding_idx = padding_idx + rows if padding_idx < 0 else padding_idx
        padded = (indices == padding_idx)[..., None]
        if padded.any():
            out = ag.where(padded, out.detach(), out)
    return out


def one_hot(tensor: ag.Tensor, num_classes: int = -1) -> ag.Tensor:
    """int64 one-hot encoding with a new last dim of num_classes (max + 1 when -1)."""
    indices = np.asarray(tensor)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected an integer tensor, got dtype {indices.dtype}")
    if num_classes == -1:
        num_classes = int(indices.max()) + 1 if indices.size else 0
    if indices.size and (indices.min() < 0 or indices.max() >= num_classes):
        raise ValueError(f"one_hot: class values must be in [0, {num_classes}), got range "
                         f"[{indices.min()}, {indices.max()}]")
    return ag.from_numpy((indices[..., None] == np.arange(num_classes)).astype(np.int64))
