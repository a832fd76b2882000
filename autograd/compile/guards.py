"""Guards: what must hold for a recording to be replayed, checked on every call.

The key (hashed): each Tensor argument's shape, dtype, requires_grad and whether its .grad is
None; every other argument's value (it must be hashable); grad mode, anomaly mode, the default
dtype. Beside the key, each entry checks (Checks) by identity that every parameter still has the
storage it was recorded with and whether its .grad is None, that every module the call ran has
the `training` flag it had, and that the optimisers' state holds the same keys. Modules and
optimisers held by the function (arguments, closure, `self`) are found once, when recording.
"""
from __future__ import annotations

from typing import Any

from .. import anomaly
from ..dtypes import get_default_dtype
from ..grad_mode import is_grad_enabled
from ..tensor import Tensor


def _is_module(obj: Any) -> bool:
    return hasattr(obj, "training") and callable(getattr(obj, "modules", None))


def _is_optimizer(obj: Any) -> bool:
    return isinstance(getattr(obj, "param_groups", None), list) and hasattr(obj, "state")


def stateful_objects(fn: Any, args: tuple, kwargs: dict) -> tuple[list[Any], list[Any]]:
    """(modules, optimisers) passed to `fn` or held by its closure or its `self`."""
    candidates = list(args) + list(kwargs.values())
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            candidates.append(cell.cell_contents)
        except ValueError:  # an empty cell
            continue
    owner = getattr(fn, "__self__", None)
    if owner is not None:
        candidates.append(owner)
    if _is_module(fn):
        candidates.append(fn)
    modules, optimizers, seen = [], [], set()
    for obj in candidates:
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if _is_module(obj):
            modules.append(obj)
        elif _is_optimizer(obj):
            optimizers.append(obj)
    return modules, optimizers


def _describe(obj: Any, tensors: list[Tensor]) -> Any:
    if isinstance(obj, Tensor):
        tensors.append(obj)
        # (whether a .grad is None decides whether a replay makes a new .grad or adds into it)
        return ("T", obj._data.shape, obj._data.dtype.str, obj._requires_grad, obj._requires_grad and obj.grad is None)
    if type(obj) in (list, tuple):
        return (type(obj).__name__,) + tuple(_describe(o, tensors) for o in obj)
    try:
        hash(obj)
    except TypeError:
        raise TypeError(f"ag.compile: an argument of type {type(obj).__name__} is neither a Tensor nor hashable; "
                        f"pass tensors, numbers, strings or tuples of them (the compiled step is chosen by them)") from None
    return (type(obj).__name__, obj)


def key_of(args: tuple, kwargs: dict) -> tuple[Any, list[Tensor]]:
    """(the guard key of a call, its Tensor arguments in order)."""
    tensors: list[Tensor] = []
    described = tuple(_describe(a, tensors) for a in args)
    named = tuple((k, _describe(v, tensors)) for k, v in sorted(kwargs.items()))
    return (described, named, is_grad_enabled(), anomaly.mode.enabled, get_default_dtype()), tensors


def parameters(modules: list[Any], optimizers: list[Any]) -> list[Tensor]:
    found: dict[int, Tensor] = {}
    for module in modules:
        for p in module.parameters():
            found[id(p)] = p
    for optimizer in optimizers:
        for group in optimizer.param_groups:
            for p in group["params"]:
                found[id(p)] = p
    return list(found.values())


class Checks:
    """What an entry checks beside its key, by identity, on every call: each parameter still has
    the storage it was recorded with, and its .grad is None exactly when it was then (None: not
    checked); each module the call ran keeps its `training` flag; each optimiser's state holds
    the same keys per parameter."""

    def __init__(self, tensors: list[tuple[Tensor, Any, bool | None]], modules: list[Any], optimizers: list[Any]) -> None:
        self.tensors = tensors
        self.training = [(m, m.training) for m in modules]
        self.state = [(opt, [(s, frozenset(s)) for s in opt.state.values()]) for opt in optimizers]

    def miss(self) -> str | None:
        """Why the entry does not apply now, or None."""
        for tensor, data, grad_is_none in self.tensors:
            if tensor._data is not data:
                return "a parameter's storage was replaced"
            if grad_is_none is not None and (tensor.grad is None) != grad_is_none:
                return "whether a parameter's .grad is None changed"
        for module, training in self.training:
            if module.training is not training:
                return f"{type(module).__name__}.training changed"
        for optimizer, states in self.state:
            if len(states) != len(optimizer.state) or any(state.keys() != keys for state, keys in states):
                return f"the keys of {type(optimizer).__name__}'s state changed"
        return None


def snapshot(tensors: list[Tensor]) -> list[tuple[Tensor, Any, bool | None]]:
    """(tensor, its storage, whether its .grad is None) for each."""
    return [(t, t._data, t.grad is None) for t in tensors]
