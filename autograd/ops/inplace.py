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
from .indexing import index_assign, index_error, is_basic, plain_index


def _needs_graph(target, operands):
    if not is_grad_enabled():
        return False
    return target._requires_grad or any(isinstance(o, Tensor) and o._requires_grad for o in operands)


def _apply(target, name, out_of_place, write, *operands):
    """Runs one in-place op: `write(array, *raw_operands)` outside the graph, else `out_of_place`.
    `write` is a module-level function of its arguments alone, so that ag.compile can replay it."""
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
            old = Tensor._make(_copied(target), target._requires_grad)
            old.grad_fn = target.grad_fn
            written, new = target, out_of_place(old, *operands)
        _write(name, written, _assign, new)
        written.grad_fn = new.grad_fn
        written._requires_grad = True
        new.grad_fn._output = weakref.ref(written)
        new.grad_fn.output_dtype = written._data.dtype  # float32 *= float64 stays float32, and so does its gradient
        new.grad_fn.output_version = written._version
    else:
        _write(name, target, write, *operands)
    return target


def _copied(target):
    """A copy of the target's array: its value before the write, which the graph keeps."""
    old = target._data.copy()
    if compiler.recorder is not None:
        compiler.recorder.copy(target, old)
    return old


def _assign(data, new):
    np.copyto(data, new, casting="same_kind")


def _on_view(name, view, root, out_of_place, operands):
    """The root's new value when `view` of it is changed in place, computed out of place from a
    copy of the root as it was: the old root with the view's new value written where the view
    looks. So the gradient reaches the old root outside the view and, through the operation,
    the old view's values inside it; the view itself is taken again from the new root when next
    used (refresh_view)."""
    positions = _positions_in(root, view)
    if compiler.recorder is not None:  # (made from the view's shape and steps alone: ag.compile reads it as a constant)
        compiler.recorder.created(positions)
    if np.unique(positions).size != positions.size:
        raise RuntimeError(f"{name}: more than one element of the view refers to the same element of its base "
                           f"(an expand or broadcast_to): writing into it is ambiguous; clone() it first")
    old = Tensor._make(_copied(root), root._requires_grad)
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


def _write(name, target, write, *operands):
    """write(the target's array, *the operands' arrays), then bumps the target's version (so a
    backward that saved the old value raises). While ag.compile records, the recorder notes it,
    so that a replay writes into the same storage and bumps the same version counter."""
    try:
        write(target._data, *[ew.raw(o) for o in operands])
    except (ValueError, TypeError) as error:  # NumPy's casting errors are TypeErrors
        raise RuntimeError(f"{name}: cannot write the result into a tensor of shape {tuple(target.shape)} "
                           f"and dtype {target.dtype}: {error}") from None
    target._bump_version()
    if compiler.recorder is not None:
        compiler.recorder.write(target, name, write, operands)


def _scaled(other, alpha):
    return other if alpha == 1 else other * alpha


def _add_into(d, o, alpha):
    np.add(d, _scaled(o, alpha), out=d, casting="same_kind")


def add_(t, other, alpha=1):
    return _apply(t, "add_", lambda old, o, a: old + _scaled(o, a), _add_into, other, alpha)


def _sub_into(d, o, alpha):
    np.subtract(d, _scaled(o, alpha), out=d, casting="same_kind")


def sub_(t, other, alpha=1):
    return _apply(t, "sub_", lambda old, o, a: old - _scaled(o, a), _sub_into, other, alpha)


def _mul_into(d, o):
    np.multiply(d, o, out=d, casting="same_kind")


def mul_(t, other):
    return _apply(t, "mul_", lambda old, o: old * o, _mul_into, other)


def _div_into(d, o):
    np.divide(d, o, out=d, casting="same_kind")


def div_(t, other):
    return _apply(t, "div_", lambda old, o: old / o, _div_into, other)


def _filled(old, value):
    return ew.where(np.ones(old.shape, dtype=bool), value, old)  # gradient 0 to the old value


def _zero(d):
    d.fill(0)


def zero_(t):
    return _apply(t, "zero_", lambda old: _filled(old, 0.0), _zero)


def _fill(d, v):
    np.copyto(d, v, casting="unsafe")


def fill_(t, value):
    return _apply(t, "fill_", _filled, _fill, value)


def _copy_into(d, s):
    np.copyto(d, np.broadcast_to(s, d.shape), casting="unsafe")


def copy_(t, src):
    return _apply(t, "copy_", _filled, _copy_into, src)


def _clip_into(d, low, high):
    np.clip(d, low, high, out=d)


def clamp_(t, min=None, max=None):  # noqa: A002
    if min is None and max is None:
        raise ValueError("clamp_: at least one of min and max must be given")
    return _apply(t, "clamp_", ew.clamp, _clip_into, min, max)


def _set_into(d, v, index):
    d[index] = v


def setitem_(t, index, value):
    index = plain_index(index)
    index = index if len(index) != 1 else index[0]
    if compiler.recorder is not None and not is_basic(index if isinstance(index, tuple) else (index,)):
        # (the indices are a copy taken now: a replay would write where this call's indices pointed)
        compiler.recorder.unsupported("an assignment through tensor, list or array indices")
    try:
        return _apply(t, "setitem", lambda old, v, i: index_assign(old, i, v), _set_into, value, index)
    except IndexError as error:
        raise index_error("setitem", error, t.shape) from None


def _uniform(rng, low, high, shape, dtype):
    return np.asarray(rng.uniform(low, high, shape), dtype=dtype)


def _normal(rng, mean, std, shape, dtype):
    return np.asarray(rng.normal(mean, std, shape), dtype=dtype)


def _random_fill(t, name, sample, generator, *operands):
    from ..random import draw_from  # (random.py imports tensor.py, which imports this module)
    values = Tensor._make(draw_from(generator, sample, *operands, tuple(t.shape), t.dtype))
    return _apply(t, name, _filled, _fill, values)


def uniform_(t, a=0.0, b=1.0, generator=None):
    return _random_fill(t, "uniform_", _uniform, generator, a, b)


def normal_(t, mean=0.0, std=1.0, generator=None):
    return _random_fill(t, "normal_", _normal, generator, mean, std)
