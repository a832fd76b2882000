"""Tensor creation: from data, constant fills, ranges and random draws."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import compiler, dtypes
from .shapes import shape_from_args
from .device import device as _device
from .ops.elementwise import clone as copy
from .random import draw_from
from .tensor import Tensor

if TYPE_CHECKING:
    from typing import TypeAlias

    from numpy.typing import ArrayLike, DTypeLike

    from .device import device as Device
    from .random import Generator
    from .tensor import ShapeArg

    DeviceLike: TypeAlias = "str | Device"


def _is_sequence(item):
    return isinstance(item, (list, tuple)) or (isinstance(item, (np.ndarray, Tensor)) and item.ndim > 0)


def _describe(item):
    return f"a sequence of length {len(item)}" if _is_sequence(item) else f"a {type(item).__name__}"


def _check_rectangular(data, op):
    """Raises the error for nested sequences of unequal lengths, naming the first mismatch
    (NumPy only says 'inhomogeneous shape')."""
    level, dim = [data], 0
    while any(_is_sequence(item) for item in level):
        first = level[0]
        for item in level:
            if _is_sequence(item) != _is_sequence(first) or (_is_sequence(item) and len(item) != len(first)):
                raise ValueError(f"{op}: expected {_describe(first)} at dim {dim}, got {_describe(item)} "
                                 f"(nested lists must be rectangular)") from None
        level, dim = [x for item in level for x in item], dim + 1


def _check_sizes(sizes, op):
    if any(s < 0 for s in sizes):
        raise ValueError(f"{op}: sizes must be non-negative, got {sizes}") from None


def _finish(array, dtype=None, requires_grad=False, device=None):
    if device is not None:
        _device(device)
    if dtype is not None:
        array = array.astype(dtype, copy=False)
    if compiler.recorder is not None:  # (ag.compile reads it as a constant, copied afresh if the call writes into it)
        compiler.recorder.created(array)
    t = Tensor._make(array)
    if requires_grad:
        t.requires_grad = True
    return t


def tensor(data: Tensor | ArrayLike, dtype: DTypeLike | None = None, requires_grad: bool = False,
           device: DeviceLike | None = None) -> Tensor:
    """A new tensor copied from data (numbers, nested lists, arrays, tensors).

    Python floats become float32 (the default dtype), ints int64, NumPy arrays keep their dtype.

    Example:
        >>> import autograd as ag
        >>> ag.tensor([[1, 2], [3, 4]]).dtype
        dtype('int64')
        >>> ag.tensor([0.5, 1.5], requires_grad=True)
        tensor([0.5, 1.5], requires_grad=True)
    """
    if isinstance(data, Tensor):
        data = data._data
    elif isinstance(data, (list, tuple)) and any(isinstance(d, Tensor) for d in data):
        data = [d._data if isinstance(d, Tensor) else d for d in data]
    try:
        array = np.array(data, dtype=dtype) if dtype is not None else np.array(dtypes.default_float_array(data), copy=True)
    except ValueError as error:
        _check_rectangular(data, "tensor")
        asked = "" if dtype is None else f" (converting to dtype {np.dtype(dtype)})"
        raise ValueError(f"tensor: {error}{asked}") from None
    return _finish(array, None, requires_grad, device)


def as_tensor(data: Tensor | ArrayLike, dtype: DTypeLike | None = None, device: DeviceLike | None = None) -> Tensor:
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtype):
        return data
    return _finish(dtypes.default_float_array(data._data if isinstance(data, Tensor) else data, "as_tensor"), dtype, False, device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with a NumPy array (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor._make(array)


def _filled(shape, value, dtype, requires_grad, device, op):
    dtype = dtypes.get_default_dtype() if dtype is None else dtype
    sizes = shape_from_args(shape, op)
    try:
        array = np.full(sizes, value, dtype=dtype)
    except ValueError:
        _check_sizes(sizes, op)
        raise
    return _finish(array, None, requires_grad, device)


def zeros(*shape: ShapeArg, dtype: DTypeLike | None = None, requires_grad: bool = False,
          device: DeviceLike | None = None) -> Tensor:
    return _filled(shape, 0, dtype, requires_grad, device, "zeros")


def ones(*shape: ShapeArg, dtype: DTypeLike | None = None, requires_grad: bool = False,
         device: DeviceLike | None = None) -> Tensor:
    return _filled(shape, 1, dtype, requires_grad, device, "ones")


def empty(*shape: ShapeArg, dtype: DTypeLike | None = None, requires_grad: bool = False,
          device: DeviceLike | None = None) -> Tensor:
    return _filled(shape, 0, dtype, requires_grad, device, "empty")


def full(shape: ShapeArg, fill_value: complex, dtype: DTypeLike | None = None, requires_grad: bool = False,
         device: DeviceLike | None = None) -> Tensor:
    if dtype is None:
        dtype = dtypes.default_float_array(fill_value).dtype
    return _filled((shape,) if isinstance(shape, int) else (tuple(shape),), fill_value, dtype,
                   requires_grad, device, "full")


def _like(x, value, dtype, requires_grad):
    return _finish(np.full(x.shape, value, dtype=x.dtype if dtype is None else dtype), None, requires_grad)


def zeros_like(x: Tensor, dtype: DTypeLike | None = None, requires_grad: bool = False,
               device: DeviceLike | None = None) -> Tensor:
    return _like(x, 0, dtype, requires_grad)


def ones_like(x: Tensor, dtype: DTypeLike | None = None, requires_grad: bool = False,
              device: DeviceLike | None = None) -> Tensor:
    return _like(x, 1, dtype, requires_grad)


def empty_like(x: Tensor, dtype: DTypeLike | None = None, requires_grad: bool = False,
               device: DeviceLike | None = None) -> Tensor:
    return _like(x, 0, dtype, requires_grad)


def full_like(x: Tensor, fill_value: complex, dtype: DTypeLike | None = None, requires_grad: bool = False,
              device: DeviceLike | None = None) -> Tensor:
    return _like(x, fill_value, dtype, requires_grad)


def arange(start: float | Tensor, end: float | Tensor | None = None, step: float | Tensor = 1, dtype: DTypeLike | None = None,
           requires_grad: bool = False, device: DeviceLike | None = None) -> Tensor:
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    return _finish(dtypes.default_float_array(np.arange(*values)), dtype, requires_grad, device)


def linspace(start: float, end: float, steps: int, dtype: DTypeLike | None = None, requires_grad: bool = False,
             device: DeviceLike | None = None) -> Tensor:
    dtype = dtypes.get_default_dtype() if dtype is None else dtype
    return _finish(np.linspace(start, end, int(steps)), dtype, requires_grad, device)


def eye(n: int, m: int | None = None, dtype: DTypeLike | None = None, requires_grad: bool = False,
        device: DeviceLike | None = None) -> Tensor:
    dtype = dtypes.get_default_dtype() if dtype is None else dtype
    return _finish(np.eye(n, m, dtype=dtype), None, requires_grad, device)


# ---- random -----------------------------------------------------------------------------
# Each draw is a module-level function of (NumPy generator, operands) handed to draw_from, so that
# ag.compile can replay it: a replay calls it again, on the generator in force then.

def _leaf(values, requires_grad):
    if requires_grad and compiler.recorder is not None:
        compiler.recorder.unsupported("a random tensor that requires grad (a new leaf on every call: a replay "
                                      "could not give its .grad back)")
    return _finish(values, None, requires_grad)


def _uniform(rng, sizes, dtype):
    return np.asarray(rng.random(sizes), dtype=dtype)


def _standard_normal(rng, sizes, dtype):
    return np.asarray(rng.standard_normal(sizes), dtype=dtype)


def _random(sample, shape, dtype, requires_grad, generator, op):
    dtype = dtypes.get_default_dtype() if dtype is None else dtype
    sizes = shape_from_args(shape, op)
    try:
        values = draw_from(generator, sample, sizes, dtype)
    except ValueError:
        _check_sizes(sizes, op)
        raise
    return _leaf(values, requires_grad)


def rand(*shape: ShapeArg, dtype: DTypeLike | None = None, requires_grad: bool = False, generator: Generator | None = None,
         device: DeviceLike | None = None) -> Tensor:
    """Uniform on [0, 1)."""
    return _random(_uniform, shape, dtype, requires_grad, generator, "rand")


def randn(*shape: ShapeArg, dtype: DTypeLike | None = None, requires_grad: bool = False, generator: Generator | None = None,
          device: DeviceLike | None = None) -> Tensor:
    """Standard normal."""
    return _random(_standard_normal, shape, dtype, requires_grad, generator, "randn")


def _integers(rng, low, high, sizes, dtype):
    return np.asarray(rng.integers(low, high, size=sizes), dtype=dtype)


def randint(low: int, high: int | ShapeArg | None = None, size: ShapeArg | None = None, dtype: DTypeLike | None = None,
            generator: Generator | None = None, device: DeviceLike | None = None) -> Tensor:
    """Integers in [low, high), as torch.randint(low=0, high, size)."""
    if size is None:
        low, high, size = 0, low, high
    sizes = shape_from_args((size,), "randint")
    try:
        values = draw_from(generator, _integers, low, high, sizes, dtypes.int64 if dtype is None else dtype)
    except ValueError:
        if low >= high:  # type: ignore[operator]  # (ints here: size was given, or shifted into place above)
            raise ValueError(f"randint: low ({low}) must be less than high ({high})") from None
        _check_sizes(sizes, "randint")
        raise
    return _finish(values)


def _permutation(rng, n, dtype):
    return rng.permutation(n).astype(dtype)


def randperm(n: int, dtype: DTypeLike | None = None, generator: Generator | None = None,
             device: DeviceLike | None = None) -> Tensor:
    return _finish(draw_from(generator, _permutation, int(n), dtypes.int64 if dtype is None else dtype))


def _normal(rng, mean, std, shape, dtype):
    return np.asarray(rng.normal(mean, std, shape), dtype=dtype)


def normal(mean: float | Tensor = 0.0, std: float | Tensor = 1.0, size: ShapeArg | None = None, dtype: DTypeLike | None = None,
           requires_grad: bool = False, generator: Generator | None = None) -> Tensor:
    """Normal draws; mean and std may be numbers (give size) or tensors (drawn elementwise)."""
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    shape = shape_from_args((size,), "normal") if size is not None else np.broadcast_shapes(np.shape(m), np.shape(s))
    dtype = dtype or (mean.dtype if isinstance(mean, Tensor) else dtypes.get_default_dtype())
    return _leaf(draw_from(generator, _normal, mean, std, shape, dtype), requires_grad)


def rand_like(x: Tensor, dtype: DTypeLike | None = None, requires_grad: bool = False,
              generator: Generator | None = None) -> Tensor:
    return rand(x.shape, dtype=dtype or x.dtype, requires_grad=requires_grad, generator=generator)


def randn_like(x: Tensor, dtype: DTypeLike | None = None, requires_grad: bool = False,
               generator: Generator | None = None) -> Tensor:
    return randn(x.shape, dtype=dtype or x.dtype, requires_grad=requires_grad, generator=generator)


def _bernoulli(rng, probabilities, shape, dtype):
    probs = np.asarray(probabilities, dtype=np.float64)
    if not ((probs >= 0) & (probs <= 1)).all():  # NaN fails too
        raise RuntimeError(f"bernoulli: probabilities must be in [0, 1], got values from {probs.min()} to {probs.max()}")
    return (rng.random(shape) < probs).astype(dtype)


def bernoulli(input: Tensor, p: float | None = None, *, generator: Generator | None = None) -> Tensor:  # noqa: A002
    """Draws 1 with probability `input` (elementwise, each in [0, 1]) and 0 otherwise, in input's
    shape and dtype, as torch.bernoulli; with `p`, every element is drawn with probability p. The
    draws come from `generator` or the engine's (`ag.manual_seed`) and carry no gradient.

    Example:
        >>> import autograd as ag
        >>> ag.bernoulli(ag.tensor([0.0, 1.0, 1.0]))
        tensor([0., 1., 1.])
    """
    dtype = input.dtype if input.dtype.kind == "f" else dtypes.get_default_dtype()
    return Tensor._make(draw_from(generator, _bernoulli, input if p is None else p, tuple(input.shape), dtype))


def _multinomial(rng, weights, num_samples, replacement):
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: input must be 1-D or 2-D, got shape {weights.shape}")
    rows = weights.reshape(-1, weights.shape[-1])
    categories = rows.shape[1]
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or element < 0")
    if (rows.sum(axis=1) <= 0).any():
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities <= 0)")
    if num_samples <= 0:
        raise RuntimeError(f"multinomial: num_samples must be positive, got {num_samples}")
    if not replacement and num_samples > categories:
        raise RuntimeError(f"multinomial: cannot sample {num_samples} > {categories} categories without replacement")
    if replacement:  # inverse CDF: the first category whose cumulative weight exceeds u
        cdf = np.cumsum(rows, axis=1)
        u = rng.random((len(rows), num_samples)) * cdf[:, -1:]
        samples = np.stack([np.searchsorted(c, v, side="right") for c, v in zip(cdf, u)])
        samples = np.minimum(samples, categories - 1)
    else:  # exponential races: the k smallest Exp(1) / w are a draw of k without replacement
        with np.errstate(divide="ignore"):
            keys = rng.standard_exponential(rows.shape) / rows
        samples = np.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    return samples.reshape(weights.shape[:-1] + (num_samples,)).astype(np.int64)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,  # noqa: A002
                generator: Generator | None = None) -> Tensor:
    """Category indices drawn with probabilities proportional to the rows of `input` (1-D: one
    distribution, 2-D: one per row; non-negative weights, not necessarily normalized), as
    torch.multinomial: int64, shape (num_samples,) or (rows, num_samples). Without replacement an
    index appears at most once per row (num_samples at most the number of categories).

    Example:
        >>> import autograd as ag
        >>> ag.multinomial(ag.tensor([0.0, 1.0, 0.0]), 2, replacement=True)
        tensor([1, 1])
    """
    return Tensor._make(draw_from(generator, _multinomial, input, num_samples, replacement))


def clone(input: Tensor, *, memory_format: object = None) -> Tensor:  # noqa: A002
    """A copy of `input` with its own storage that stays in the graph (the gradient passes
    through unchanged), as torch.clone; `memory_format` is accepted for compatibility.

    Example:
        >>> import autograd as ag
        >>> x = ag.ones(2, requires_grad=True)
        >>> y = ag.clone(x)
        >>> y.requires_grad, y is x
        (True, False)
    """
    return copy(input)
