"""Datasets and batching, as torch.utils.data: Dataset, TensorDataset, DataLoader."""
from __future__ import annotations

import numbers
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .random import default_generator
from .tensor import Tensor

if TYPE_CHECKING:
    from .random import Generator


class Dataset:
    """A map-style dataset: subclasses define __getitem__(index) and __len__()."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


class TensorDataset(Dataset):
    """Samples are tuples (tensors[0][i], tensors[1][i], ...); every tensor has the same first dim.

    Example:
        >>> import autograd as ag
        >>> ds = ag.data.TensorDataset(ag.arange(6).reshape(3, 2), ag.tensor([0, 1, 0]))
        >>> len(ds), ds[1]
        (3, (tensor([2, 3]), tensor(1)))
    """

    def __init__(self, *tensors: Tensor) -> None:
        sizes = {len(t) for t in tensors}
        if len(sizes) != 1:
            shapes = ", ".join(str(tuple(t.shape)) for t in tensors)
            raise ValueError(f"TensorDataset: all tensors must have the same size in dim 0, got shapes {shapes}")
        self.tensors = tuple(tensors)

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return len(self.tensors[0])


def default_collate(samples: Sequence[Any]) -> Any:
    """Stacks a list of samples: tensors, arrays and numbers into tensors, recursing into tuples and dicts."""
    first = samples[0]
    if isinstance(first, Tensor):
        return Tensor._make(np.stack([s._data for s in samples]))
    if isinstance(first, np.ndarray):
        return Tensor._make(np.stack(samples))
    if isinstance(first, bool):
        return Tensor._make(np.array(samples, dtype=bool))
    if isinstance(first, numbers.Integral):
        return Tensor._make(np.array(samples, dtype=np.int64))
    if isinstance(first, numbers.Real):
        from .dtypes import get_default_dtype
        return Tensor._make(np.array(samples, dtype=get_default_dtype()))
    if isinstance(first, dict):
        return {key: default_collate([s[key] for s in samples]) for key in first}
    if isinstance(first, (tuple, list)):
        if len({len(s) for s in samples}) != 1:
            raise ValueError("default_collate: every sample in a batch must have the same number of fields")
        return type(first)(default_collate(list(field)) for field in zip(*samples))
    if isinstance(first, str):
        return list(samples)
    raise TypeError(f"default_collate: cannot batch samples of type {type(first).__name__}; "
                    f"pass collate_fn= to DataLoader")


class DataLoader:
    """Iterates over a dataset in batches, optionally shuffled by a seeded generator.

    Args:
        dataset: a Dataset (anything with __getitem__ and __len__).
        batch_size: samples per batch; None yields single samples without batching.
        shuffle: a new random order every epoch, drawn from `generator` (or ag.manual_seed's).
        drop_last: drop the last batch if it is smaller than batch_size.
        collate_fn: turns a list of samples into a batch (default_collate by default).

    Example:
        >>> import autograd as ag
        >>> ds = ag.data.TensorDataset(ag.arange(10.0), ag.arange(10))
        >>> loader = ag.data.DataLoader(ds, batch_size=4, shuffle=True, generator=ag.Generator().manual_seed(0))
        >>> [len(x) for x, y in loader]
        [4, 4, 2]
    """

    def __init__(self, dataset: Dataset | Sequence[Any], batch_size: int | None = 1, shuffle: bool = False, drop_last: bool = False,
                 generator: Generator | None = None, collate_fn: Callable[[list[Any]], Any] | None = None,
                 num_workers: int = 0, pin_memory: bool = False) -> None:
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer or None, got {batch_size}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = generator
        self.collate_fn = collate_fn or default_collate

    def _order(self):
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return (self.generator or default_generator()).numpy_generator.permutation(n)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        if self.batch_size is None:
            for i in order:
                yield self.dataset[int(i)]
            return
        stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
        for start in range(0, stop, self.batch_size):
            index = order[start:start + self.batch_size]
            if isinstance(self.dataset, TensorDataset) and self.collate_fn is default_collate:
                yield tuple(t[index] for t in self.dataset.tensors)  # one gather instead of a stack
            else:
                yield self.collate_fn([self.dataset[int(i)] for i in index])

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
