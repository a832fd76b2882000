"""In-place operations. Outside the graph they write straight into the array; inside it they
compute the same result out of place (so the gradient rule is the ordinary one), write it
into the tensor's storage and move the tensor onto the new graph node. Either way the
version counter is bumped, so a backward that saved the old value raises instead of
returning a wrong gradient."""
import weakref

import numpy as np

from .. import compiler
from ..grad_mode import is_grad_enabled
from ..tensor import Tensor
from . import elementwise as ew
from .indexing import index_assign, index_error, plain_index


def _needs_graph(target, operands):
    if not is_grad_enabled():
        return False
    return target._requires_grad or any(isinstance(o, Tensor) and o._requires_grad for o in operands)


def _apply(target, name, out_of_place, write, *operands):
    """Runs one in-place op: `write(array, *raw_operands)` outside the graph, else `out_of_place`."""
    if compiler.recorder is not None:
        compiler.recorder.unsupported(f"the in-place operation {name}")
    if _needs_graph(target, operands):
        if target.grad_fn is None and target._requires_grad:
            raise RuntimeError(
                f"{name}: a leaf tensor that requires grad is being used in an in-place operation. "
                f"Wrap the update in `with ag.no_grad():` (as optimisers do), or use the out-of-place form.")
        base = target._base
        if base is not None and base.grad_fn is None and base._requires_grad:
            raise RuntimeError(
                f"{name}: a view of a leaf tensor that requires grad is being used in an in-place operation. "
                f"Wrap the update in `with ag.no_grad():`, or clone() the view first.")
        if base is not None:  # the view's storage root takes the new history: PyTorch's CopySlices
            written, new = base, _on_view(name, target, base, out_of_place, operands)
        else:
            old = Tensor._make(target._data.copy(), target._requires_grad)
            old.grad_fn = target.grad_fn
            written, new = target, out_of_place(old, *operands)
        _write_checked(name, written, lambda data: np.copyto(data, new._data, casting="same_kind"))
        written.grad_fn = new.grad_fn
        written._requires_grad = True
        new.grad_fn._output = weakref.ref(written)
        new.grad_fn.output_dtype = written._data.dtype  # float32 *= float64 stays float32, and so does its gradient
        written._bump_version()
        new.grad_fn.output_version = written._version
    else:
        raw = [ew.raw(o) for o in operands]
        _write_checked(name, target, lambda data: write(data, *raw))
        target._bump_version()
    return target


def _on_view(name, view, root, out_of_place, operands):
    """The root's new value when `view` of it is changed in place, computed out of place from a
    copy of the root as it was: the old root with the view's new value written where the view
    looks. So the gradient reaches the old root outside the view and, through the operation,
    the old view's values inside it; the view itself is taken again from the new root when next
    used (refresh_view)."""
    positions = _positions_in(root, view)
    if np.unique(positions).size != positions.size:
        raise RuntimeError(f"{name}: more than one element of the view refers to the same element of its base "
                           f"(an expand or broadcast_to): writing into it is ambiguous; clone() it first")
    old = Tensor._make(root._data.copy(), root._requires_grad)
    old.grad_fn = root.grad_fn
    flat = old.reshape(-1)
    new_view = out_of_place(flat[positions], *operands)
    return index_assign(flat, positions, new_view).reshape(root.shape)


def _positions_in(root, view):
    """For each element of `view`, its position in `root` flattened: the view's steps (recorded by
    link_view) taken again on the root's positions."""
    positions = np.arange(root._data.size).reshape(root.shape)
    for cls, args, options in view._aux["replay"]:
        positions = cls.forward(object.__new__(cls), positions, *args, **options)
    return positions


def _write_checked(name, target, write):
    try:
        write(target._data)
    except (ValueError, TypeError) as error:  # NumPy's casting errors are TypeErrors
        raise RuntimeError(f"{name}: cannot write the result into a tensor of shape {tuple(target.shape)} "
                           f"and dtype {target.dtype}: {error}") from None


def _scaled(other, alpha):
    return other if alpha == 1 else other * alpha


def add_(t, other, alpha=1):
    return _apply(t, "add_", lambda old, o: old + _scaled(o, alpha),
                  lambda d, o: np.add(d, _scaled(o, alpha), out=d, casting="same_kind"), other)


def sub_(t, other, alpha=1):
    return _apply(t, "sub_", lambda old, o: old - _scaled(o, alpha),
                  lambda d, o: np.subtract(d, _scaled(o, alpha), out=d, casting="same_kind"), other)


def mul_(t, other):
    return _apply(t, "mul_", lambda old, o: old * o, lambda d, o: np.multiply(d, o, out=d, casting="same_kind"), other)


def div_(t, other):
    return _apply(t, "div_", lambda old, o: old / o, lambda d, o: np.divide(d, o, out=d, casting="same_kind"), other)


def _filled(old, value):
    return ew.where(np.ones(old.shape, dtype=bool), value, old)  # gradient 0 to the old value


def zero_(t):
    return _apply(t, "zero_", lambda old: _filled(old, 0.0), lambda d: d.fill(0))


def fill_(t, value):
    return _apply(t, "fill_", _filled, lambda d, v: np.copyto(d, v, casting="unsafe"), value)


def copy_(t, src):
    def write(d, s):
        np.copyto(d, np.broadcast_to(s, d.shape), casting="unsafe")
    return _apply(t, "copy_", _filled, write, src)


def clamp_(t, min=None, max=None):  # noqa: A002
    if min is None and max is None:
        raise ValueError("clamp_: at least one of min and max must be given")
    return _apply(t, "clamp_", lambda old: ew.clamp(old, min, max), lambda d: np.clip(d, min, max, out=d))


def setitem_(t, index, value):
    index = plain_index(index)
    index = index if len(index) != 1 else index[0]

    def write(d, v):
        d[index] = v

    try:
        return _apply(t, "setitem", lambda old, v: index_assign(old, index, v), write, value)
    except IndexError as error:
        raise index_error("setitem", error, t.shape) from None


def _random_fill(t, name, draw, generator):
    from ..random import default_generator
    rng = (generator or default_generator()).numpy_generator
    values = np.asarray(draw(rng, t.shape), dtype=t.dtype)
    return _apply(t, name, _filled, lambda d, v: np.copyto(d, v), values)


def uniform_(t, a=0.0, b=1.0, generator=None):
    return _random_fill(t, "uniform_", lambda rng, shape: rng.uniform(a, b, shape), generator)


def normal_(t, mean=0.0, std=1.0, generator=None):
    return _random_fill(t, "normal_", lambda rng, shape: rng.normal(mean, std, shape), generator)
