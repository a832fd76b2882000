"""Shape primitives (reshape, permute, broadcast_to, cat, stack, flip, roll, pad, unfold and
its adjoint fold) and the shape functions composed of primitives (squeeze, flatten, split,
chunk, repeat, tril, ...). Indexing, gather and scatter_add: indexing.py."""
from __future__ import annotations

import functools
import numbers
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..shapes import ShapeError, normalize_axes, normalize_axis, shape_from_args, sum_to
from ..function import Primitive
from ..tensor import Tensor
from .indexing import getitem

if TYPE_CHECKING:
    from ..tensor import Dims, ShapeArg


class Reshape(Primitive):
    _is_view = True
    symbol = "reshape"

    @staticmethod
    def forward(ctx, a, shape=()):
        ctx.shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape)


class Permute(Primitive):
    _is_view = True
    symbol = "permute"

    @staticmethod
    def forward(ctx, a, dims=()):
        ctx.dims = dims
        return a.transpose(dims)

    @staticmethod
    def backward(ctx, g):
        dims = ctx.dims
        return np.transpose(g, sorted(range(len(dims)), key=dims.__getitem__))  # the inverse permutation


class BroadcastTo(Primitive):
    _is_view = True
    symbol = "expand"

    @staticmethod
    def forward(ctx, a, shape=()):
        ctx.shape = a.shape
        return a.view() if a.shape == shape else np.broadcast_to(a, shape)  # NumPy's broadcast is read-only

    @staticmethod
    def backward(ctx, g):
        return sum_to(g, ctx.shape)


class Cat(Primitive):
    symbol = "cat"

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis
        ctx.bounds = np.cumsum([a.shape[axis] for a in arrays])
        return np.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, g):
        lead = (slice(None),) * ctx.axis
        starts = [0, *ctx.bounds[:-1]]
        return tuple(g[lead + (slice(int(s), int(e)),)] for s, e in zip(starts, ctx.bounds))


class Stack(Primitive):
    """One node for any number of inputs (10^5 scalars stacked make one node, not 10^5 unsqueezes)."""
    symbol = "stack"

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis, ctx.count = axis, len(arrays)
        return np.stack(arrays, axis=axis)

    @staticmethod
    def backward(ctx, g):
        lead = (slice(None),) * ctx.axis
        return tuple(g[lead + (i,)] for i in range(ctx.count))


class Flip(Primitive):
    symbol = "flip"

    @staticmethod
    def forward(ctx, a, axes=()):
        ctx.axes = axes
        return np.flip(a, axes).copy()

    @staticmethod
    def backward(ctx, g):
        return np.flip(g, ctx.axes)


class Roll(Primitive):
    symbol = "roll"

    @staticmethod
    def forward(ctx, a, shifts=0, axes=None):
        ctx.shifts, ctx.axes = shifts, axes
        return np.roll(a, shifts, axes)

    @staticmethod
    def backward(ctx, g):
        back = tuple(-s for s in ctx.shifts) if isinstance(ctx.shifts, tuple) else -ctx.shifts
        return np.roll(g, back, ctx.axes)


class Pad(Primitive):
    symbol = "pad"

    @staticmethod
    def forward(ctx, a, widths=(), value=0.0):
        ctx.inner = tuple(slice(lo, n + lo) for (lo, _), n in zip(widths, a.shape))
        return np.pad(a, widths, constant_values=value)

    @staticmethod
    def backward(ctx, g):
        return g[ctx.inner]


class Unfold(Primitive):
    """Sliding windows along one axis (torch.Tensor.unfold): the axis becomes the window
    count and a new last axis of `size` holds each window. A view, as in PyTorch."""
    _is_view = True
    symbol = "unfold"

    @staticmethod
    def forward(ctx, a, axis=0, size=1, step=1):
        ctx.shape, ctx.axis, ctx.size, ctx.step = a.shape, axis, size, step
        windows = np.lib.stride_tricks.sliding_window_view(a, size, axis=axis)
        return windows[(slice(None),) * axis + (slice(None, None, step),)]

    @staticmethod
    def backward(ctx, g):
        return Fold.apply(g, shape=ctx.shape, axis=ctx.axis, step=ctx.step)


class Fold(Primitive):
    """The adjoint of Unfold: adds every window back where it came from."""
    symbol = "fold"

    @staticmethod
    def forward(ctx, g, shape=(), axis=0, step=1):
        ctx.axis, ctx.size, ctx.step = axis, g.shape[-1], step
        out = np.zeros(shape, dtype=g.dtype)
        count = g.shape[axis]
        lead = (slice(None),) * axis
        windows = np.ascontiguousarray(np.moveaxis(g, -1, 0))  # each offset's slab read contiguously
        for k in range(ctx.size):  # one vectorised add per window offset, never per element
            out[lead + (slice(k, k + step * (count - 1) + 1, step),)] += windows[k]
        return out

    @staticmethod
    def backward(ctx, g):
        return Unfold.apply(g, axis=ctx.axis, size=ctx.size, step=ctx.step)


# ---- the functions users call -----------------------------------------------------------

def reshape(x: Tensor, *shape: ShapeArg) -> Tensor:
    return Reshape.apply(x, shape=shape_from_args(shape, "reshape"))


view = reshape


def permute(x: Tensor, *dims: ShapeArg) -> Tensor:
    dims = shape_from_args(dims, "permute")
    if sorted(d % max(x.ndim, 1) for d in dims) != list(range(x.ndim)):
        raise ValueError(f"permute: dims {dims} are not a permutation of the {x.ndim} dimensions of a "
                         f"tensor of shape {tuple(x.shape)}")
    return Permute.apply(x, dims=tuple(d % x.ndim for d in dims))


def reverse_dims(x: Tensor) -> Tensor:
    """x.T: the dimensions in reverse order (always a permutation, so nothing to check)."""
    return Permute.apply(x, dims=tuple(range(x.ndim))[::-1])


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    if x.ndim < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return Permute.apply(x, dims=tuple(range(x.ndim)))  # nothing to swap: still a new tensor (a view), as PyTorch's
    dims = list(range(x.ndim))
    a, b = normalize_axis(dim0, x.ndim, "transpose"), normalize_axis(dim1, x.ndim, "transpose")
    dims[a], dims[b] = dims[b], dims[a]
    return Permute.apply(x, dims=tuple(dims))


swapaxes: Callable[[Tensor, int, int], Tensor]  # declared: numpy_protocol may be checked before this module
swapdims: Callable[[Tensor, int, int], Tensor]
swapaxes = swapdims = transpose


def broadcast_to(x: Tensor, *shape: ShapeArg) -> Tensor:
    shape = shape_from_args(shape, "broadcast_to")
    try:
        np.broadcast_shapes(x.shape, shape)
        if len(shape) < x.ndim or np.broadcast_shapes(x.shape, shape) != shape:
            raise ValueError
    except ValueError:
        raise ShapeError(f"broadcast_to: a tensor of shape {tuple(x.shape)} cannot be broadcast to "
                         f"{shape}: each dimension must match or be 1") from None
    return BroadcastTo.apply(x, shape=shape)


def expand(x: Tensor, *sizes: ShapeArg) -> Tensor:
    sizes = shape_from_args(sizes, "expand")
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise ShapeError(f"expand: the number of sizes {sizes} must be at least the tensor's "
                         f"dimensions {tuple(x.shape)}")
    target = tuple(x.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    return broadcast_to(x, target)


def squeeze(x: Tensor, dim: Dims = None) -> Tensor:
    if dim is None:
        shape = tuple(n for n in x.shape if n != 1)
    else:
        axes = normalize_axes(dim, x.ndim, "squeeze")
        shape = tuple(n for i, n in enumerate(x.shape) if not (i in axes and n == 1))
    return Reshape.apply(x, shape=shape)  # a new tensor (a view) even with nothing to squeeze, as PyTorch's


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    axis = normalize_axis(dim, x.ndim + 1, "unsqueeze")
    shape = x.shape[:axis] + (1,) + x.shape[axis:]
    return Reshape.apply(x, shape=shape)


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    if x.ndim == 0:
        return Reshape.apply(x, shape=(1,))
    start, end = normalize_axis(start_dim, x.ndim, "flatten"), normalize_axis(end_dim, x.ndim, "flatten")
    shape = x.shape[:start] + (int(np.prod(x.shape[start:end + 1])),) + x.shape[end + 1:]
    return Reshape.apply(x, shape=shape)


def unflatten(x: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    axis = normalize_axis(dim, x.ndim, "unflatten")
    return Reshape.apply(x, shape=x.shape[:axis] + tuple(sizes) + x.shape[axis + 1:])


def _check_tensors(op, tensors):
    for position, t in enumerate(tensors):
        if not isinstance(t, (Tensor, np.ndarray)):
            raise TypeError(f"{op}: expected a sequence of Tensors, got {type(t).__name__} at position {position}") from None


def cat(tensors: Sequence[Tensor | np.ndarray], dim: int = 0, **aliases: Any) -> Tensor:
    dim = aliases.pop("axis", dim)
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors")
    try:
        return Cat.apply(*tensors, axis=normalize_axis(dim, tensors[0].ndim, "cat"))
    except AttributeError:  # a number or a list among them: name it rather than leak the AttributeError
        _check_tensors("cat", tensors)
        raise


concatenate = concat = cat


def stack(tensors: Sequence[Tensor | np.ndarray], dim: int = 0, **aliases: Any) -> Tensor:
    dim = aliases.pop("axis", dim)
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: expected a non-empty list of tensors")
    try:
        shapes = {tuple(t.shape) for t in tensors}
    except AttributeError:
        _check_tensors("stack", tensors)
        raise
    if len(shapes) > 1:
        raise ShapeError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    axis = normalize_axis(dim, tensors[0].ndim + 1, "stack")
    return Stack.apply(*tensors, axis=axis)


def split(x: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    axis = normalize_axis(dim, x.ndim, "split")
    n = x.shape[axis]
    if isinstance(split_size_or_sections, numbers.Integral):
        step = int(split_size_or_sections)
        sizes = [min(step, n - s) for s in range(0, n, step)]
    else:
        sizes = list(split_size_or_sections)  # type: ignore[arg-type]  # mypy can't narrow by numbers.Integral
        if sum(sizes) != n:
            raise ShapeError(f"split: sections {sizes} sum to {sum(sizes)} but dimension {dim} has size {n}")
    lead, start, out = (slice(None),) * axis, 0, []
    for size in sizes:
        out.append(getitem(x, lead + (slice(start, start + size),)))
        start += size
    return tuple(out)


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    if chunks < 1:
        raise ValueError(f"chunk: chunks must be at least 1, got {chunks}")
    n = x.shape[normalize_axis(dim, x.ndim, "chunk")]
    return split(x, -(-n // chunks), dim)


def flip(x: Tensor, dims: ShapeArg) -> Tensor:
    return Flip.apply(x, axes=normalize_axes(dims, x.ndim, "flip"))


def roll(x: Tensor, shifts: ShapeArg, dims: ShapeArg | None = None) -> Tensor:
    if dims is None:
        return reshape(Roll.apply(flatten(x), shifts=shifts, axes=0), x.shape)
    if isinstance(shifts, numbers.Integral):
        return Roll.apply(x, shifts=int(shifts), axes=normalize_axis(dims, x.ndim, "roll"))
    # (mypy can't narrow by numbers.Integral: shifts and dims are sequences here)
    return Roll.apply(x, shifts=tuple(shifts),  # type: ignore[arg-type]
                      axes=tuple(normalize_axis(d, x.ndim, "roll") for d in dims))  # type: ignore[union-attr]


def pad(x: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """torch.nn.functional.pad with mode="constant": `pad` lists (left, right) pairs from the last dim."""
    if mode != "constant":
        raise NotImplementedError(f"pad: mode {mode!r} is not supported; only 'constant'")
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: expected an even number of pad sizes, at most 2 per dimension of a "
                         f"tensor of shape {tuple(x.shape)}; got {tuple(pad)}")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    if any(lo < 0 or hi < 0 for lo, hi in widths):
        raise ValueError("pad: negative padding is not supported")
    return Pad.apply(x, widths=tuple(widths), value=value)


def _triangle(x, diagonal, lower):
    if x.ndim < 2:
        raise ShapeError(f"{'tril' if lower else 'triu'}: expected a tensor with at least 2 dimensions, "
                         f"got shape {tuple(x.shape)}")
    rows, cols = x.shape[-2:]
    from .elementwise import computed, where
    # (a no-gradient result ag.compile records: made of the shape alone, but on each call)
    keep = computed(functools.partial(_kept, rows, cols, diagonal, lower))
    return where(keep, x, 0.0)


def _kept(rows, cols, diagonal, lower):
    """The positions tril (lower) or triu keeps."""
    return np.tri(rows, cols, diagonal, dtype=bool) if lower else ~np.tri(rows, cols, diagonal - 1, dtype=bool)


def tril(x: Tensor, diagonal: int = 0) -> Tensor:
    return _triangle(x, diagonal, True)


def triu(x: Tensor, diagonal: int = 0) -> Tensor:
    return _triangle(x, diagonal, False)


def repeat(x: Tensor, *sizes: ShapeArg) -> Tensor:
    """torch.Tensor.repeat: tiles the tensor `sizes` times along each dimension."""
    sizes = shape_from_args(sizes, "repeat")
    if len(sizes) < x.ndim:
        raise ShapeError(f"repeat: give at least {x.ndim} repeat counts for a tensor of shape {tuple(x.shape)}")
    shape = (1,) * (len(sizes) - x.ndim) + tuple(x.shape)
    spread = tuple(d for n in shape for d in (1, n))
    tiled = tuple(d for r, n in zip(sizes, shape) for d in (r, n))
    return reshape(broadcast_to(reshape(x, spread), tiled), tuple(r * n for r, n in zip(sizes, shape)))


def tile(x: Tensor, *dims: ShapeArg) -> Tensor:
    dims = shape_from_args(dims, "tile")
    return repeat(x, (1,) * (x.ndim - len(dims)) + dims)


def moveaxis(x: Tensor, source: int, destination: int) -> Tensor:
    order = [d for d in range(x.ndim) if d != normalize_axis(source, x.ndim)]
    order.insert(normalize_axis(destination, x.ndim), normalize_axis(source, x.ndim))
    return Permute.apply(x, dims=tuple(order))


def expand_dims(x: Tensor, axis: int) -> Tensor:
    return unsqueeze(x, axis)


def unfold(x: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Windows of `size` every `step` along `dimension`, appended as a new last dimension."""
    axis = normalize_axis(dimension, x.ndim, "unfold")
    if not 0 < size <= x.shape[axis] or step < 1:
        raise ValueError(f"unfold: size {size} must be in [1, {x.shape[axis]}] and step {step} at least 1 "
                         f"for dimension {dimension} of a tensor of shape {tuple(x.shape)}")
    return Unfold.apply(x, axis=axis, size=int(size), step=int(step))


def narrow(x: Tensor, dim: int, start: int | Tensor, length: int) -> Tensor:
    """The elements start, ..., start + length - 1 along `dim`: a view sharing x's storage, as
    torch.narrow (`start` may be negative, counted from the end).

    Example:
        >>> import autograd as ag
        >>> ag.arange(6).reshape(2, 3).narrow(1, 1, 2)
        tensor([[1, 2],
                [4, 5]])
    """
    axis = normalize_axis(dim, x.ndim, "narrow")
    size = x.shape[axis]
    begin = int(start)
    if not -size <= begin <= size:
        raise IndexError(f"narrow: start ({begin}) is out of range for dimension {dim} of size {size} "
                         f"(expected a value in [{-size}, {size}])")
    if begin < 0:
        begin += size
    if length < 0 or begin + length > size:
        raise RuntimeError(f"narrow: start ({begin}) + length ({length}) exceeds dimension {dim}'s size ({size})")
    return getitem(x, (slice(None),) * axis + (slice(begin, begin + length),))
