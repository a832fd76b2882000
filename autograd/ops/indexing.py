"""Indexing primitives: getitem (ints and slices give a view, index arrays and masks a copy)
and its adjoint IndexAdd, which also records setitem in the graph; gather, scatter_add and
index_select; and SelectAlong, the values of max/min along a dim."""
from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import compiler
from ..shapes import ShapeError, normalize_axis
from ..function import Primitive, watch_indices
from ..tensor import Tensor
from .elementwise import computed, where

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from ..tensor import Operand


_BASIC = (int, slice, type(None), type(Ellipsis))  # checked by exact type first: the ABC check is slow


def is_basic(index):
    """Whether an index tuple holds only ints, slices, None and Ellipsis (indexing with it gives a view)."""
    for i in index:
        if type(i) not in _BASIC and not isinstance(i, numbers.Integral):
            return False
    return True


def plain_index(index):
    """Tensors and lists inside an index become arrays; the result is always a tuple."""
    if not isinstance(index, tuple):
        index = (index,)
    out = []
    for i in index:
        if type(i) in _BASIC:
            out.append(i)
            continue
        if isinstance(i, Tensor):
            i = i._data.copy()  # backward must see the indices of forward, even if the tensor changes
        elif isinstance(i, list):
            i = np.asarray(i)
        if isinstance(i, np.ndarray) and i.dtype.kind not in "iub":
            raise IndexError(f"getitem: tensors used as indices must be integer or bool, got {i.dtype}")
        out.append(i)
    return tuple(out)


def index_error(op, error, shape) -> IndexError:
    """NumPy's IndexError in PyTorch's words ("dimension", not "axis"), naming the op and the shape."""
    message = str(error).replace("for axis", "for dimension")
    return IndexError(f"{op}: {message} (indexing a tensor of shape {tuple(shape)})")


class BasicIndex(Primitive):
    """Indexing with ints, slices, None and Ellipsis: a view, as in PyTorch and NumPy."""
    _is_view = True
    symbol = "[·]"

    @staticmethod
    def forward(ctx, a, index=()):
        ctx.shape, ctx.index = a.shape, index
        try:
            out = a[index]
        except IndexError as error:
            raise index_error("getitem", error, a.shape) from None
        # an element picked by ints alone comes back from NumPy as a copied scalar; index with a
        # trailing Ellipsis instead, which gives a 0-d view, as PyTorch's t[i] is
        if type(out) is np.ndarray or not ctx._is_view:
            return out
        return a[(index if isinstance(index, tuple) else (index,)) + (Ellipsis,)]

    @staticmethod
    def backward(ctx, g):
        return IndexAdd.apply(g, index=ctx.index, shape=ctx.shape, unique=True)


class AdvancedIndex(BasicIndex):
    """Indexing with integer arrays or boolean masks: a copy; repeated indices accumulate."""
    _is_view = False
    symbol = "[·]"

    @staticmethod
    def backward(ctx, g):
        return IndexAdd.apply(g, index=ctx.index, shape=ctx.shape, unique=False)


class IndexAdd(Primitive):
    """zeros(shape) with `a` added at `index`: the adjoint of indexing."""
    symbol = "index+"

    @staticmethod
    def forward(ctx, a, index=(), shape=(), unique=True):
        ctx.index, ctx.unique = index, unique
        if not unique and _is_full_grid(index, len(shape)):
            # every axis indexed by an array (gather's grid): one bincount beats np.add.at
            grid = np.broadcast_arrays(*index)
            flat = np.ravel_multi_index(grid, shape).ravel()
            weights = np.broadcast_to(a, grid[0].shape).ravel().astype(np.float64)
            added = np.bincount(flat, weights=weights, minlength=int(np.prod(shape)))
            return added.reshape(shape).astype(a.dtype, copy=False)
        out = np.zeros(shape, dtype=a.dtype)
        if unique:
            out[index] = a
        else:
            np.add.at(out, index, a)
        return out

    @staticmethod
    def backward(ctx, g):
        basic = is_basic(ctx.index if isinstance(ctx.index, tuple) else (ctx.index,))
        return (BasicIndex if basic else AdvancedIndex).apply(g, index=ctx.index)


def _is_full_grid(index, ndim):
    return (isinstance(index, tuple) and len(index) == ndim
            and all(isinstance(i, np.ndarray) and i.dtype.kind in "iu" for i in index))


def _grid(index, axis):
    """Index arrays that address, along `axis`, the entries named by `index` (take_along_axis)."""
    grid = list(np.indices(index.shape, sparse=True))
    grid[axis] = index
    return tuple(grid)


class Gather(Primitive):
    symbol = "gather"

    @staticmethod
    def forward(ctx, a, axis=0, index=None):
        ctx.shape, ctx.grid = a.shape, _grid(index, axis)
        ctx.unique = index.shape[axis] == 1  # one pick per slice: no repeats to add
        ctx.save_for_backward(a)  # PyTorch's gather saves its input: changing it in place raises, as there
        return a[ctx.grid]

    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors  # noqa: B018 (the version check)
        return IndexAdd.apply(g, index=ctx.grid, shape=ctx.shape, unique=ctx.unique)


class SelectAlong(Primitive):
    """The values of max/min along a dim: one element per slice, chosen by `index` (keepdim
    shape). A fresh tensor that saves no input, as PyTorch's max(dim) values are."""
    symbol = "select"

    @staticmethod
    def forward(ctx, a, axis=0, index=None, keepdims=True):
        ctx.shape, ctx.grid, ctx.kept = a.shape, _grid(index, axis), index.shape
        out = a[ctx.grid]
        return out if keepdims else out.squeeze(axis)

    @staticmethod
    def backward(ctx, g):
        return IndexAdd.apply(g.reshape(ctx.kept), index=ctx.grid, shape=ctx.shape, unique=True)


class ScatterAdd(Primitive):
    symbol = "scatter+"

    @staticmethod
    def forward(ctx, a, src, axis=0, index=None):
        ctx.grid = _grid(index, axis)
        out = a.copy()
        np.add.at(out, ctx.grid, src)
        return out

    @staticmethod
    def backward(ctx, g):
        return g, AdvancedIndex.apply(g, index=ctx.grid)


# ---- the functions users call -----------------------------------------------------------

def getitem(x: Tensor, index: Any) -> Tensor:
    given = index if isinstance(index, tuple) else (index,)
    index = plain_index(index)
    if is_basic(index):
        return BasicIndex.apply(x, index=index if len(index) != 1 else index[0])
    return watch_indices(AdvancedIndex.apply(x, index=index if len(index) != 1 else index[0]), given)


def index_assign(x: Tensor, index: Any, value: Operand) -> Tensor:
    """x with `value` written at `index` (an index plain_index made), out of place: what
    x[index] = value records in the graph. The old values there get gradient 0."""
    region_shape = x._data[index].shape
    keep = np.ones(x.shape, dtype=bool)
    keep[index] = False
    if compiler.recorder is not None:  # (x's shape and a basic index or a view's positions: a constant of the recording)
        compiler.recorder.created(keep)
    value = value if isinstance(value, Tensor) else Tensor._make(np.asarray(value, dtype=x.dtype))
    placed = IndexAdd.apply(value.broadcast_to(region_shape) if value.shape != region_shape else value,
                            index=index, shape=x.shape, unique=is_basic(index if isinstance(index, tuple) else (index,)))
    return where(keep, x, placed)


def _index_array(index: Any, op: str) -> np.ndarray:
    # a private copy, as above (of a Tensor: a no-gradient result ag.compile records)
    index = computed(np.array, index)._data if isinstance(index, Tensor) else np.array(index)
    if index.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must be an integer tensor, got {index.dtype}")
    return index


def _leading_region(x, index, axis=None):
    """PyTorch lets the index be smaller than the input off `axis` (and than scatter's src in
    every dim, axis=None): use that corner of it."""
    if all(i == n or d == axis for d, (i, n) in enumerate(zip(index.shape, x.shape))):
        return x
    return getitem(x, tuple(slice(None) if d == axis else slice(0, n) for d, n in enumerate(index.shape)))


def _check_rank(op, index, x, what="the input"):
    if index.ndim != x.ndim:
        raise ShapeError(f"{op}: index has {index.ndim} dimensions but {what} has {x.ndim}; they must match")


def _check_fits(op, index, other, what, axis=None):
    if any(i > n for d, (i, n) in enumerate(zip(index.shape, other.shape)) if d != axis):
        but = "" if axis is None else f" but dimension {axis}"
        raise ShapeError(f"{op}: the index of shape {tuple(index.shape)} must be no larger than {what} of shape "
                         f"{tuple(other.shape)} in every dimension{but}") from None


def _check_index(op, x, index, axis, src=None):
    """Raises the error for an index that does not fit: larger than the input off `axis` (or than
    src anywhere), or holding a value out of range along `axis`. Called once NumPy has refused it."""
    _check_fits(op, index, x, "the input", axis)
    if src is not None:
        _check_fits(op, index, src, "src")
    size = x.shape[axis]
    outside = index[(index >= size) | (index < -size)]
    if outside.size:
        raise IndexError(f"{op}: index {outside.flat[0]} is out of bounds for dimension {axis} with size {size} "
                         f"(input shape {tuple(x.shape)}, index shape {tuple(index.shape)})") from None


def gather(x: Tensor, dim: int, index: Tensor | ArrayLike) -> Tensor:
    given, index = index, _index_array(index, "gather")
    axis = normalize_axis(dim, x.ndim, "gather")
    _check_rank("gather", index, x)
    try:
        return watch_indices(Gather.apply(_leading_region(x, index, axis), axis=axis, index=index), (given,))
    except IndexError:
        _check_index("gather", x, index, axis)
        raise


def scatter_add(x: Tensor, dim: int, index: Tensor | ArrayLike, src: Operand) -> Tensor:
    given, index = index, _index_array(index, "scatter_add")
    axis = normalize_axis(dim, x.ndim, "scatter_add")
    _check_rank("scatter_add", index, x)
    _check_rank("scatter_add", index, src, "src")
    try:
        return watch_indices(ScatterAdd.apply(x, _leading_region(src, index), axis=axis, index=index), (given,))
    except (IndexError, ValueError):  # ValueError: NumPy broadcasting a src smaller than the index
        _check_index("scatter_add", x, index, axis, src)
        raise


def index_select(x: Tensor, dim: int, index: Tensor | ArrayLike) -> Tensor:
    given, index = index, _index_array(index, "index_select")
    axis = normalize_axis(dim, x.ndim, "index_select")
    if index.ndim > 1:
        raise IndexError(f"index_select: the index must be a vector (1-D), got shape {tuple(index.shape)}")
    try:
        return watch_indices(getitem(x, (slice(None),) * axis + (index.reshape(-1),)), (given,))
    except IndexError:
        _check_index("index_select", x, index, axis)
        raise


def nonzero(x: Tensor, *, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:
    """The indices of the non-zero elements: an (n, ndim) int64 tensor, or one vector per dim."""
    if as_tuple:
        return tuple(Tensor._make(i.astype(np.int64, copy=False)) for i in np.nonzero(np.atleast_1d(x._data)))
    return Tensor._make(np.argwhere(x._data).astype(np.int64, copy=False))


def masked_select(x: Tensor, mask: Tensor | ArrayLike) -> Tensor:
    """The elements of x where the (broadcast) boolean mask holds, as a vector; the gradient goes back to them."""
    given, mask_array = mask, np.asarray(mask._data if isinstance(mask, Tensor) else mask)
    if mask_array.dtype != np.bool_:
        raise TypeError(f"masked_select: the mask must be a bool tensor, got {mask_array.dtype}; use mask.bool()")
    try:
        shape = np.broadcast_shapes(x.shape, mask_array.shape)
    except ValueError:
        raise ShapeError(f"masked_select: the tensor of shape {tuple(x.shape)} and the mask of shape "
                         f"{mask_array.shape} cannot be broadcast together") from None
    source = x if x.shape == shape else x.broadcast_to(shape)
    return watch_indices(getitem(source, np.broadcast_to(mask_array, shape).copy()), (given,))


def repeat_interleave(x: Tensor, repeats: int | Tensor | ArrayLike | None = None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Each element (or slice along dim) repeated `repeats` times in place: [1, 2] -> [1, 1, 2, 2].
    repeat_interleave(counts) alone gives arange(len(counts)) repeated by counts."""
    if repeats is None:
        counts = x._data
        return Tensor._make(np.repeat(np.arange(counts.size, dtype=np.int64), counts))
    counts = np.asarray(repeats._data if isinstance(repeats, Tensor) else repeats)
    source = x.reshape(-1) if dim is None else x
    axis = 0 if dim is None else normalize_axis(dim, x.ndim, "repeat_interleave")
    size = source.shape[axis]
    if counts.ndim > 1 or (counts.ndim == 1 and counts.size not in (1, size)):
        raise RuntimeError(f"repeat_interleave: repeats must be a number or have one entry per element along "
                           f"dim {axis} (size {size}), got shape {counts.shape}")
    if (counts < 0).any():
        raise RuntimeError(f"repeat_interleave: repeats must be non-negative, got {counts.tolist()}")
    positions = np.repeat(np.arange(size), counts.reshape(-1) if counts.ndim else int(counts))
    return getitem(source, (slice(None),) * axis + (positions,))


def meshgrid(*tensors: Tensor | list[Tensor], indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors: 'ij' (matrix) indexing, or 'xy' (Cartesian: the first two dims swapped)."""
    first = tensors[0] if tensors else None
    given: list[Tensor] = list(first) if isinstance(first, (list, tuple)) else list(tensors)  # type: ignore[arg-type]
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    for t in given:
        if t.ndim > 1:
            raise RuntimeError(f"meshgrid: expects 0-D or 1-D tensors, got shape {tuple(t.shape)}")
    vectors = [t.reshape(-1) for t in given]
    if indexing == "xy" and len(vectors) >= 2:
        vectors[0], vectors[1] = vectors[1], vectors[0]
    shape = tuple(v.shape[0] for v in vectors)
    grids = [v.reshape([-1 if d == i else 1 for d in range(len(shape))]).expand(shape) for i, v in enumerate(vectors)]
    if indexing == "xy" and len(grids) >= 2:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Every combination of the 1-D tensors' elements, one per row (itertools.product's order)."""
    if len(tensors) == 1:
        return tensors[0]
    from .shape import stack  # shape.py imports this module
    return stack([g.reshape(-1) for g in meshgrid(*tensors, indexing="ij")], 1)
