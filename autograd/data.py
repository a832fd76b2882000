"""Datasets, samplers and batching, as torch.utils.data.

A DataLoader draws indices from a sampler, groups them with a BatchSampler, fetches the samples
from a map-style Dataset and joins them with a collate function. Randomness comes from the
engine's seeded generator (`ag.manual_seed`) or a given `ag.Generator`.
"""
from __future__ import annotations

import bisect
import itertools
import math
import numbers
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, MutableSequence, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .random import default_generator
from .tensor import Tensor

if TYPE_CHECKING:
    from .random import Generator

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "Sampler", "SequentialSampler",
           "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler", "DataLoader",
           "default_collate"]


def _rng(generator: Generator | None) -> np.random.Generator:
    return (generator or default_generator()).numpy_generator


# ---- datasets ----------------------------------------------------------------------------------
class Dataset:
    """A map-style dataset: subclasses define __getitem__(index) and __len__(). `a + b` concatenates."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset that is a stream: subclasses define __iter__(), which yields samples. A
    DataLoader batches them in the order they come (no sampler, no shuffle), as PyTorch's.

    Example:
        >>> import autograd as ag
        >>> class Squares(ag.data.IterableDataset):
        ...     def __iter__(self):
        ...         return (ag.tensor(float(i * i)) for i in range(5))
        >>> [b.tolist() for b in ag.data.DataLoader(Squares(), batch_size=2)]
        [[0.0, 1.0], [4.0, 9.0], [16.0]]
    """

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __len__(self) -> int:  # a stream need not have one: TypeError, as len() of any object without one
        raise TypeError(f"object of type '{type(self).__name__}' has no len()")


class TensorDataset(Dataset):
    """Samples are tuples (`tensors[0][i]`, `tensors[1][i]`, ...); every tensor has the same first dim.

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


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order.

    Example:
        >>> import autograd as ag
        >>> dataset = ag.data.TensorDataset(ag.arange(6.0))
        >>> evens = ag.data.Subset(dataset, range(0, len(dataset), 2))
        >>> [x.item() for (x,) in evens]
        [0.0, 2.0, 4.0]
    """

    def __init__(self, dataset: Dataset | Sequence[Any], indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]  # type: ignore[index, call-overload]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """The samples of several datasets one after the other; `cumulative_sizes[i]` ends dataset i.

    Example:
        >>> import autograd as ag
        >>> train, extra = ag.data.TensorDataset(ag.arange(3.0)), ag.data.TensorDataset(ag.arange(10.0, 12.0))
        >>> both = ag.data.ConcatDataset([train, extra])
        >>> len(both), both[3][0].item(), both.cumulative_sizes
        (5, 10.0, [3, 5])
    """

    def __init__(self, datasets: Iterable[Dataset | Sequence[Any]]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        if index < 0:
            if -index > len(self):
                raise ValueError(f"ConcatDataset: index {index} is out of range for a dataset of {len(self)} samples")
            index += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][index - start]


def random_split(dataset: Dataset | Sequence[Any], lengths: Sequence[int | float],
                 generator: Generator | None = None) -> list[Subset]:
    """Splits a dataset at random into non-overlapping Subsets of the given lengths.

    Fractions that sum to 1 become floor(fraction * len(dataset)) samples each, and what is left
    is handed out one sample at a time from the first split on (PyTorch's rule).

    Example:
        >>> import autograd as ag
        >>> dataset = ag.data.TensorDataset(ag.arange(10.0))
        >>> train, test = ag.data.random_split(dataset, [0.8, 0.2], generator=ag.Generator().manual_seed(0))
        >>> len(train), len(test), sorted(train.indices + test.indices) == list(range(10))
        (8, 2, True)
    """
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, fraction in enumerate(lengths):
            if not 0 <= fraction <= 1:
                raise ValueError(f"random_split: fraction at index {i} is not between 0 and 1, got {fraction}")
        sizes = [math.floor(n * fraction) for fraction in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(f"random_split: the split at index {i} is empty", UserWarning, stacklevel=2)
    else:
        sizes = [int(length) for length in lengths]
    if sum(sizes) != n:
        raise ValueError(f"random_split: the lengths {list(lengths)} sum to {sum(lengths)}, but the dataset has "
                         f"{n} samples; give lengths that sum to {n} or fractions that sum to 1")
    order = _rng(generator).permutation(n).tolist()
    return [Subset(dataset, order[end - size:end]) for end, size in zip(itertools.accumulate(sizes), sizes)]


# ---- samplers ----------------------------------------------------------------------------------
class Sampler:
    """Iterates over dataset indices (or, for a BatchSampler, lists of them)."""

    def __init__(self, data_source: Any = None) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __len__(self) -> int:  # a stream need not have one: TypeError, as len() of any object without one
        raise TypeError(f"object of type '{type(self).__name__}' has no len()")


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source: Any) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """Indices in random order: a fresh permutation per pass, or with `replacement` uniform draws.

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw with replacement. Default False.
        num_samples: how many indices per pass; default len(data_source). Without replacement,
            more than that concatenates permutations.
        generator: the source of randomness; default the engine's (`ag.manual_seed`).
    """

    def __init__(self, data_source: Any, replacement: bool = False, num_samples: int | None = None,
                 generator: Generator | None = None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, but got replacement={replacement}")
        if not isinstance(self.num_samples, int) or isinstance(self.num_samples, bool) or self.num_samples <= 0:
            raise ValueError(f"RandomSampler: num_samples should be a positive integer value, "
                             f"but got num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n, rng = len(self.data_source), _rng(self.generator)
        if self.replacement:
            yield from rng.integers(0, n, size=self.num_samples).tolist()
            return
        for _ in range(self.num_samples // n):
            yield from rng.permutation(n).tolist()
        yield from rng.permutation(n)[:self.num_samples % n].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in a random order each pass."""

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        for i in _rng(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """Indices 0..len(weights)-1 drawn with probability proportional to `weights`.

    Without replacement each index is drawn at most once (indices of weight 0 come last, as in
    PyTorch's multinomial). Example: oversampling rare classes,
    `WeightedRandomSampler(1.0 / class_counts[labels], num_samples=len(labels))`.
    """

    def __init__(self, weights: Sequence[float] | Tensor | np.ndarray, num_samples: int, replacement: bool = True,
                 generator: Generator | None = None) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"WeightedRandomSampler: num_samples should be a positive integer value, "
                             f"but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"WeightedRandomSampler: replacement should be a boolean value, "
                             f"but got replacement={replacement}")
        values = np.asarray(weights, dtype=np.float64)
        if values.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights should be a 1d sequence but given weights have "
                             f"shape {values.shape}")
        if not (np.all(np.isfinite(values)) and np.all(values >= 0) and values.sum() > 0):
            raise RuntimeError("WeightedRandomSampler: weights must be finite, non-negative and not all zero")
        if not replacement and num_samples > len(values):
            raise RuntimeError(f"WeightedRandomSampler: cannot draw {num_samples} samples without replacement "
                               f"from {len(values)} weights")
        self.weights = Tensor._make(values)
        self.num_samples, self.replacement, self.generator = num_samples, replacement, generator

    def __iter__(self) -> Iterator[int]:
        weights, rng = np.asarray(self.weights), _rng(self.generator)
        if self.replacement:
            yield from rng.choice(len(weights), size=self.num_samples, p=weights / weights.sum()).tolist()
            return
        with np.errstate(divide="ignore"):  # exponential races: the first num_samples finishers, in order
            keys = rng.exponential(size=len(weights)) / weights
        yield from np.argsort(keys, kind="stable")[:self.num_samples].tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of `batch_size`; `drop_last` drops a short last one.

    Example:
        >>> import autograd as ag
        >>> list(ag.data.BatchSampler(ag.data.SequentialSampler(range(5)), batch_size=2, drop_last=False))
        [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler: Sampler | Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"BatchSampler: batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self) -> Iterator[list[int]]:
        indices = iter(self.sampler)
        while batch := list(itertools.islice(indices, self.batch_size)):
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


# ---- collation ---------------------------------------------------------------------------------
def default_collate(batch: Sequence[Any]) -> Any:
    """Joins a list of samples into a batch, as PyTorch's default_collate.

    Tensors and NumPy arrays are stacked (keeping their dtype), Python ints become int64, floats
    float64 and bools bool tensors; dicts are collated per key, named tuples per field, other
    tuples and lists per position (a tuple of fields becomes a list of batches, as in PyTorch);
    strings stay as they are (a sequence of strings).
    """
    first = batch[0]
    if isinstance(first, Tensor):
        return Tensor._make(np.stack([s._data for s in batch]))
    if isinstance(first, (np.ndarray, np.generic)) and not isinstance(first, (np.str_, np.bytes_)):
        if first.dtype.kind in "SUO":
            raise TypeError(f"default_collate: cannot batch NumPy arrays of dtype {first.dtype}; "
                            f"pass collate_fn= to DataLoader")
        return Tensor._make(np.stack(batch) if isinstance(first, np.ndarray) else np.array(batch))
    if isinstance(first, bool):
        return Tensor._make(np.array(batch, dtype=bool))
    if isinstance(first, numbers.Integral):
        return Tensor._make(np.array(batch, dtype=np.int64))
    if isinstance(first, numbers.Real):
        return Tensor._make(np.array(batch, dtype=np.float64))
    if isinstance(first, (str, bytes)):
        return batch
    if isinstance(first, Mapping):
        collated = {key: default_collate([sample[key] for sample in batch]) for key in first}
        if isinstance(first, MutableMapping):
            clone = first.copy() if hasattr(first, "copy") else dict(first)
            clone.update(collated)
            return clone
        return collated
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # a named tuple
        return type(first)(*(default_collate(field) for field in zip(*batch)))
    if isinstance(first, Sequence):
        if len({len(sample) for sample in batch}) != 1:
            raise RuntimeError("default_collate: each element in list of batch should be of equal size")
        fields = [default_collate(field) for field in zip(*batch)]
        if isinstance(first, MutableSequence) and not isinstance(first, list):
            try:
                return type(first)(fields)  # type: ignore[call-arg]
            except TypeError:
                pass
        return fields
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                    f"found {type(first).__name__}; pass collate_fn= to DataLoader")


# ---- the loader --------------------------------------------------------------------------------
class DataLoader:
    """Iterates over a dataset in batches.

    Args:
        dataset: a Dataset (anything with __getitem__ and __len__).
        batch_size: samples per batch; None yields single samples without batching. Default 1.
        shuffle: a new random order every epoch, drawn from `generator` (or ag.manual_seed's).
        sampler: the order of the indices (a Sampler or any iterable of them); excludes `shuffle`.
        batch_sampler: yields lists of indices, one per batch; excludes batch_size, shuffle,
            sampler and drop_last.
        num_workers: accepted for compatibility (as are pin_memory, timeout, worker_init_fn and the
            other worker options); loading always runs in the calling process.
        collate_fn: turns a list of samples into a batch (default_collate by default).
        drop_last: drop the last batch if it is smaller than batch_size.
        generator: the source of randomness of the default RandomSampler.

    Example:
        >>> import autograd as ag
        >>> ds = ag.data.TensorDataset(ag.arange(10.0), ag.arange(10))
        >>> loader = ag.data.DataLoader(ds, batch_size=4, shuffle=True, generator=ag.Generator().manual_seed(0))
        >>> [len(x) for x, y in loader]
        [4, 4, 2]
    """

    def __init__(self, dataset: Dataset | Sequence[Any], batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable[int] | None = None, batch_sampler: Iterable[list[int]] | None = None,
                 num_workers: int = 0, collate_fn: Callable[[list[Any]], Any] | None = None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], None] | None = None, multiprocessing_context: Any = None,
                 generator: Generator | None = None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False, pin_memory_device: str = "", in_order: bool = True) -> None:
        if num_workers < 0:
            raise ValueError("DataLoader: num_workers option should be non-negative; "
                             "use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("DataLoader: timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("DataLoader: prefetch_factor option could only be specified in multiprocessing; "
                             "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None.")
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            for option, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified {option} option, "
                                     f"but got {option}={value!r}")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None:
            if drop_last:
                raise ValueError("DataLoader: batch_size=None option disables auto-batching and is mutually "
                                 "exclusive with drop_last")
        source: Sampler | Iterable[Any]
        if isinstance(dataset, IterableDataset):
            source = dataset  # batched by a BatchSampler over its stream: the same batches and checks
        else:
            if sampler is None:
                sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
            source = sampler
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(source, batch_size, drop_last)  # (checks batch_size)
        self.dataset, self.batch_size, self.drop_last, self.generator = dataset, batch_size, drop_last, generator
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self.num_workers, self.pin_memory, self.timeout, self.worker_init_fn = num_workers, pin_memory, timeout, worker_init_fn
        self.collate_fn = collate_fn or (default_collate if batch_sampler is not None else _no_collation)

    def __iter__(self) -> Iterator[Any]:
        if isinstance(self.dataset, IterableDataset):  # the batch sampler groups the samples themselves
            for samples in self.batch_sampler if self.batch_sampler is not None else self.dataset:
                yield self.collate_fn(samples)
            return
        if self.batch_sampler is None:
            for index in self.sampler:  # type: ignore[union-attr]  # None only for an IterableDataset
                yield self.collate_fn(self.dataset[index])
            return
        gather = isinstance(self.dataset, TensorDataset) and self.collate_fn is default_collate
        for indices in self.batch_sampler:
            if gather:  # one gather per tensor instead of a stack of samples: the same batch, faster
                yield [t[np.asarray(indices, dtype=np.int64)] for t in self.dataset.tensors]  # type: ignore[union-attr]
            else:
                yield self.collate_fn([self.dataset[i] for i in indices])

    def __len__(self) -> int:
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)  # type: ignore[arg-type]


def _no_collation(sample: Any) -> Any:
    """What a loader without batching applies to each sample (PyTorch's default_convert, for arrays)."""
    if isinstance(sample, np.ndarray) and sample.dtype.kind not in "SUO":
        return Tensor._make(sample)
    return sample
