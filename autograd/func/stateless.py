"""functional_call: a module run as a function of the tensors given for its parameters and
buffers (torch.func.functional_call), so that grad, vmap and the other transforms can take
them as arguments.

autograd never imports nn, so the module is used through its public surface only:
`named_parameters` / `named_buffers` (with remove_duplicate=False, to see tied names),
`get_submodule` and attributes. A given tensor is put in place as the owning submodule's
attribute for the call (the registries are left alone: a Module accepts only Parameters
for a parameter's name, and layers read their weights as attributes, so named_parameters()
inside the call still yields the originals), and the originals are set back afterwards, also
when the call raises.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..tensor import Tensor

_MISSING = object()


def _merged(parameter_and_buffer_dicts):
    if isinstance(parameter_and_buffer_dicts, Mapping):
        return parameter_and_buffer_dicts
    if isinstance(parameter_and_buffer_dicts, Sequence) and not isinstance(parameter_and_buffer_dicts, str):
        if not all(isinstance(d, Mapping) for d in parameter_and_buffer_dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be dictionaries")
        counts = {}
        for d in parameter_and_buffer_dicts:
            for key in d:
                counts[key] = counts.get(key, 0) + 1
        repeated = [key for key, n in counts.items() if n > 1]
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of functional call is ambiguous")
        return {key: value for d in parameter_and_buffer_dicts for key, value in d.items()}
    raise ValueError(f"Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, but got "
                     f"{type(parameter_and_buffer_dicts)}")


def _untied(named, given):
    """`given` with each value also given to the names tied to its key (the same tensor in the
    module); ValueError if tied names were given different values."""
    names_of = {}
    for name, tensor in named.items():
        names_of.setdefault(id(tensor), []).append(name)
    result = dict(given)
    for key in given:
        if key not in named:
            continue
        tied = names_of[id(named[key])]
        if len(tied) == 1:
            continue
        values = {id(given[name]) for name in tied if name in given}
        if len(values) > 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(tied)}, which are tied. "
                             f"Consider using tie_weights=False")
        result.update({name: given[key] for name in tied})
    return result


def _owner(module, name):
    path, _, attribute = name.rpartition(".")
    return (module.get_submodule(path) if path else module), attribute


def functional_call(module: Any, parameter_and_buffer_dicts: Any, args: Any = None, kwargs: dict[str, Any] | None = None,
                    *, tie_weights: bool = True, strict: bool = False) -> Any:
    """Calls `module(*args, **kwargs)` with its parameters and buffers replaced by the given
    tensors, as torch.func.functional_call: gradients flow to the given tensors, not to the
    module's parameters, and the module is left as it was (also if the call raises).

    Args:
        module: an `nn.Module` (anything with named_parameters, named_buffers and
            get_submodule).
        parameter_and_buffer_dicts: a dict from qualified names ('0.weight',
            'bn.running_mean') to tensors, or a tuple/list of such dicts (no name in two).
            Names the module does not have are set as attributes for the call (strict=False).
        args: the positional argument(s); a non-tuple is one argument.
        kwargs: keyword arguments for the call.
        tie_weights: a parameter shared under several names (tied weights) takes the value
            given for any of them; giving tied names different values is a ValueError. With
            False, each name takes only its own value.
        strict: the dict(s) must name exactly the module's parameters and buffers
            (RuntimeError listing missing and unexpected keys otherwise).

    Returns:
        What the module returns.

    Example:
        >>> import autograd as ag
        >>> from autograd import func
        >>> import nn
        >>> model = nn.Linear(2, 1)
        >>> params = {"weight": ag.tensor([[1.0, 2.0]]), "bias": ag.tensor([0.5])}
        >>> func.functional_call(model, params, (ag.tensor([[1.0, 1.0]]),))
        tensor([[3.5]])
        >>> loss = lambda p, x: func.functional_call(model, p, (x,)).sum()
        >>> func.grad(loss)(params, ag.tensor([[1.0, 1.0]]))["weight"]
        tensor([[1., 1.]])
    """
    given = _merged(parameter_and_buffer_dicts)
    named = dict(module.named_parameters(remove_duplicate=False))
    named.update(module.named_buffers(remove_duplicate=False))
    replacements = _untied(named, given) if tie_weights else dict(given)
    if strict:
        unexpected = [key for key in replacements if key not in named]
        missing = [key for key in named if key not in replacements]
        errors = ([f"Unexpected key(s): {', '.join(map(repr, unexpected))}."] if unexpected else []) + (
            [f"Missing key(s): {', '.join(map(repr, missing))}."] if missing else [])
        if errors:
            kind = getattr(module, "_get_name", lambda: type(module).__name__)()
            raise RuntimeError("Error(s) in reparametrizing for {}:\n\t{}".format(kind, "\n\t".join(errors)))
    for key, value in replacements.items():
        if not isinstance(value, Tensor) and value is not None:
            raise TypeError(f"functional_call: the value for {key!r} is a {type(value).__name__}, not a Tensor")
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    originals: list[tuple[Any, str, Any]] = []
    try:
        for key, value in replacements.items():
            owner, attribute = _owner(module, key)
            originals.append((owner, attribute, getattr(owner, attribute, _MISSING)))
            # past Module.__setattr__, which takes only Parameters for a parameter's name; setting
            # the original back through it below re-registers it in its place
            object.__setattr__(owner, attribute, value)
        return module(*args, **(kwargs or {}))
    finally:
        for owner, attribute, original in reversed(originals):
            if original is _MISSING:
                delattr(owner, attribute)
            else:
                setattr(owner, attribute, original)
