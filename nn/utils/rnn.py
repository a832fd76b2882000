"""Batches of sequences of different lengths, as torch.nn.utils.rnn: padded to one length
(pad_sequence), or packed time step by time step (PackedSequence), which the recurrent layers
read without computing anything for the padding.

A PackedSequence holds the steps of every sequence interleaved: first step 0 of each
sequence, longest first, then step 1 of those still running, and so on; batch_sizes[t] is how
many sequences are still running at step t. Each conversion is one differentiable indexing
node (an index map with a row of padding appended), not one node per sequence or step.
"""
from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd as ag

_Fields = namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])  # type: ignore[name-match]


class PackedSequence(_Fields):
    """Packed steps of a batch of sequences: a tuple (data, batch_sizes, sorted_indices,
    unsorted_indices), as PyTorch's. Made by pack_padded_sequence or pack_sequence, not by hand.

    data: (sum of the lengths, *) the steps, interleaved; batch_sizes: int64 (max length,),
    the number of sequences running at each step; sorted_indices: the batch order, longest
    first, the packing used (None if the batch came sorted); unsorted_indices: its inverse.

    Example:
        >>> import autograd as ag
        >>> from nn.utils.rnn import pack_sequence
        >>> pack_sequence([ag.tensor([1.0, 2.0, 3.0]), ag.tensor([4.0, 5.0])]).batch_sizes
        tensor([2, 2, 1])
    """

    def __new__(cls, data: ag.Tensor, batch_sizes: ag.Tensor | None = None, sorted_indices: ag.Tensor | None = None,
                unsorted_indices: ag.Tensor | None = None) -> PackedSequence:
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = ag.from_numpy(np.argsort(np.asarray(sorted_indices), kind="stable"))
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else type(self)(data, self.batch_sizes, self.sorted_indices,
                                                          self.unsorted_indices)

    def double(self) -> PackedSequence:
        return self.to(ag.float64)

    def float(self) -> PackedSequence:
        return self.to(ag.float32)

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


def _lengths(lengths: Any) -> np.ndarray:
    values = np.asarray(lengths.detach() if isinstance(lengths, ag.Tensor) else lengths).astype(np.int64).reshape(-1)
    if (values <= 0).any():
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    return values


def _with_padding_row(rows: ag.Tensor, padding_value: float) -> ag.Tensor:
    """rows (N, *) with one more row of padding_value: index N is the padding."""
    return ag.cat([rows, ag.full((1, *rows.shape[1:]), padding_value, dtype=rows.dtype)], 0)


def pack_padded_sequence(input: ag.Tensor, lengths: ag.Tensor | Sequence[int], batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Packs a padded batch (T, B, *) ((B, T, *) if batch_first) of sequences of the given lengths.

    With enforce_sorted=True the lengths must be in decreasing order; otherwise the batch is
    sorted here and sorted_indices records how (the recurrent layers undo it on their outputs).
    """
    sizes = _lengths(lengths)
    if enforce_sorted:
        if (np.diff(sizes) > 0).any():
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                               "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                               "sidestep this requirement if you do not need ONNX exportability.")
        order, sorted_indices = np.arange(len(sizes)), None
    else:
        order = np.argsort(-sizes, kind="stable")
        sorted_indices = ag.from_numpy(order)
    steps = input.shape[1] if batch_first else input.shape[0]
    if sizes.max() > steps:
        raise RuntimeError(f"pack_padded_sequence: a length ({sizes.max()}) exceeds the {steps} time steps of the input")
    ordered = sizes[order]
    batch_sizes = (ordered[None, :] > np.arange(ordered[0])[:, None]).sum(axis=1)
    time = np.repeat(np.arange(len(batch_sizes)), batch_sizes)
    batch = order[np.concatenate([np.arange(n) for n in batch_sizes])]
    data = input[batch, time] if batch_first else input[time, batch]
    return PackedSequence(data, ag.from_numpy(batch_sizes.astype(np.int64)), sorted_indices,
                          None if sorted_indices is None else ag.from_numpy(np.argsort(order, kind="stable")))


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[ag.Tensor, ag.Tensor]:
    """The inverse of pack_padded_sequence: (padded (T, B, *) or (B, T, *), lengths in the batch's order).

    total_length pads to that many steps (at least the longest sequence's length).
    """
    data, batch_sizes, sorted_indices, _ = sequence
    sizes = np.asarray(batch_sizes).astype(np.int64)
    steps = len(sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"Expected total_length to be at least the length of the longest sequence in input, but "
                             f"got total_length={total_length} and max sequence length being {steps}")
        steps = total_length
    batch = int(sizes[0])
    order = np.arange(batch) if sorted_indices is None else np.asarray(sorted_indices).astype(np.int64)
    rows = np.full((steps, batch), data.shape[0], dtype=np.int64)  # the padding row by default
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    for t, (offset, size) in enumerate(zip(offsets, sizes)):
        rows[t, order[:size]] = np.arange(offset, offset + size)
    lengths = np.zeros(batch, dtype=np.int64)
    lengths[order] = (sizes[None, :] > np.arange(batch)[:, None]).sum(axis=1)
    padded = _with_padding_row(data, padding_value)[rows.T if batch_first else rows]
    return padded, ag.from_numpy(lengths)


def pad_sequence(sequences: ag.Tensor | Sequence[ag.Tensor], batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> ag.Tensor:
    """Stacks sequences of shapes (L_i, *) into (max L, B, *) ((B, max L, *) if batch_first),
    padding each with padding_value on the right (or the left).

    Example:
        >>> import autograd as ag
        >>> from nn.utils.rnn import pad_sequence
        >>> pad_sequence([ag.tensor([1.0, 2.0]), ag.tensor([3.0])], batch_first=True)
        tensor([[1., 2.],
                [3., 0.]])
    """
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    lengths = np.array([s.shape[0] for s in sequences], dtype=np.int64)
    longest, total = int(lengths.max()), int(lengths.sum())
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    rows = np.full((len(sequences), longest), total, dtype=np.int64)
    for b, (start, length) in enumerate(zip(starts, lengths)):
        at = slice(0, length) if padding_side == "right" else slice(longest - length, longest)
        rows[b, at] = np.arange(start, start + length)
    padded = _with_padding_row(ag.cat(sequences, 0), padding_value)
    return padded[rows if batch_first else rows.T]


def pack_sequence(sequences: Sequence[ag.Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Packs sequences of shapes (L_i, *): pack_padded_sequence(pad_sequence(sequences), lengths)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: ag.Tensor, lengths: ag.Tensor | Sequence[int],
                   batch_first: bool = False) -> list[ag.Tensor]:
    """The sequences of a padded batch, each cut to its length."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[b, :n] for b, n in enumerate(_lengths(lengths))]


def unpack_sequence(packed_sequences: PackedSequence) -> list[ag.Tensor]:
    """The sequences of a PackedSequence, in the batch's order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
