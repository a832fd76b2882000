"""Containers: Sequential (a pipeline), ModuleList and ModuleDict (registered collections of
modules), ParameterList and ParameterDict (of parameters)."""
from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from typing import Any, TypeVar, overload

import autograd as ag

from .module import Module, Parameter, addindent

_Indexed = TypeVar("_Indexed", bound="_IndexedModules")  # append/extend return self, typed as its own class


class _IndexedModules(Module):
    """Shared list behaviour of Sequential and ModuleList: children named '0', '1', ..."""

    def _index(self, idx):
        idx = operator.index(idx)
        size = len(self._modules)
        if not -size <= idx < size:
            raise IndexError(f"index {idx} is out of range for {self._get_name()} of length {size}")
        return idx % size

    def _renumber(self, modules):
        for name in list(self._modules):
            delattr(self, name)
        for i, module in enumerate(modules):
            self.add_module(str(i), module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __setitem__(self, idx: int, module: Module) -> None:
        setattr(self, str(self._index(idx)), module)

    def __delitem__(self, idx: int | slice) -> None:
        modules = list(self._modules.values())
        if isinstance(idx, slice):
            del modules[idx]
        else:
            del modules[self._index(idx)]
        self._renumber(modules)  # keep the names 0..n-1, as PyTorch does

    def append(self: _Indexed, module: Module) -> _Indexed:
        self.add_module(str(len(self)), module)
        return self

    def extend(self: _Indexed, modules: Iterable[Module]) -> _Indexed:
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._renumber(modules)

    def pop(self, idx: int = -1) -> Module:
        module = list(self._modules.values())[self._index(idx)]
        del self[idx]
        return module

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        return type(self)(*self, *other) if isinstance(self, Sequential) else type(self)([*self, *other])


class Sequential(_IndexedModules):
    """Runs its modules in order, each on the previous one's output.

    Args:
        *modules: the modules, or one OrderedDict of name -> module.

    Example:
        >>> import nn
        >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        >>> model[0], len(model)
        (Linear(in_features=4, out_features=8, bias=True), 3)
    """

    @overload
    def __init__(self, *modules: Module) -> None: ...
    @overload
    def __init__(self, modules: OrderedDict[str, Module], /) -> None: ...
    def __init__(self, *modules: Any) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(modules):
                self.add_module(str(i), module)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return Sequential(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[self._index(idx)]

    def __setitem__(self, idx: int, module: Module) -> None:
        setattr(self, list(self._modules)[self._index(idx)], module)

    def forward(self, input: Any) -> Any:
        for module in self._modules.values():
            input = module(input)  # type: ignore[misc]  # (a child set to None fails here, as in PyTorch)
        return input


class ModuleList(_IndexedModules):
    """A list of modules whose parameters are registered with the owner.

    Example:
        >>> import nn
        >>> layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
        >>> len(list(layers.parameters()))
        6
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return self._modules[str(self._index(idx))]

    def __repr__(self):
        # Runs of identical children print once, e.g. "(0-2): 3 x Linear(...)" (PyTorch >= 2.0).
        reprs = [repr(module) for module in self]
        if not reprs:
            return self._get_name() + "()"
        runs = []  # [start, end, text]
        for i, text in enumerate(reprs):
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        lines = [addindent(f"({a}): {text}" if a == b else f"({a}-{b}): {b - a + 1} x {text}", 2) for a, b, text in runs]
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """A dict of modules (insertion-ordered) whose parameters are registered with the owner.

    Example:
        >>> import nn
        >>> heads = nn.ModuleDict({"cls": nn.Linear(8, 3), "box": nn.Linear(8, 4)})
        >>> list(heads.keys())
        ['cls', 'box']
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str):
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> KeysView[str]:
        return self._modules.keys()

    # Typed as PyTorch types them: a child set to None (mdict[key] = None) is the caller's to skip.
    def values(self) -> ValuesView[Module]:
        return self._modules.values()  # type: ignore[return-value]

    def items(self) -> ItemsView[str, Module]:
        return self._modules.items()  # type: ignore[return-value]

    def clear(self) -> None:
        for key in list(self._modules):
            del self[key]

    def pop(self, key: str) -> Module:
        module = self[key]
        del self[key]
        return module

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for key, module in pairs:
            self[key] = module


def _as_parameter(value: Any) -> Parameter:
    """A Parameter as is; any other tensor becomes one (PyTorch's ParameterList and ParameterDict rule)."""
    if isinstance(value, Parameter):
        return value
    if isinstance(value, ag.Tensor):
        return Parameter(value)
    raise TypeError(f"expected a Parameter or a Tensor, got {type(value).__name__}")


class ParameterList(Module):
    """A list of parameters registered with the owner under the names '0', '1', ... (so a model's
    state_dict has keys such as 'weights.0', as PyTorch's); tensors given become Parameters.

    Example:
        >>> import autograd as ag
        >>> import nn
        >>> params = nn.ParameterList([nn.Parameter(ag.ones(2)) for _ in range(3)])
        >>> len(params), [name for name, _ in params.named_parameters()]
        (3, ['0', '1', '2'])
    """

    def __init__(self, values: Iterable[ag.Tensor] | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def _index(self, idx: int) -> int:
        idx = operator.index(idx)
        if not -len(self) <= idx < len(self):
            raise IndexError(f"index {idx} is out of range for ParameterList of length {len(self)}")
        return idx % len(self)

    @overload
    def __getitem__(self, idx: int) -> Parameter: ...
    @overload
    def __getitem__(self, idx: slice) -> ParameterList: ...
    def __getitem__(self, idx: int | slice) -> Parameter | ParameterList:
        if isinstance(idx, slice):
            return ParameterList(list(self)[idx])
        return self._parameters[str(self._index(idx))]  # type: ignore[return-value]  # never None here

    def __setitem__(self, idx: int, value: ag.Tensor) -> None:
        self.register_parameter(str(self._index(idx)), _as_parameter(value))

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._parameters.values())  # type: ignore[arg-type]

    def __iadd__(self, values: Iterable[ag.Tensor]) -> ParameterList:
        return self.extend(values)

    def append(self, value: ag.Tensor) -> ParameterList:
        self.register_parameter(str(len(self)), _as_parameter(value))
        return self

    def extend(self, values: Iterable[ag.Tensor]) -> ParameterList:
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:
        return "\n".join(f"({i}): Parameter containing: [{p.dtype} of size {'x'.join(map(str, p.shape))}]"
                         for i, p in enumerate(self))


class ParameterDict(Module):
    """A dict of parameters (insertion-ordered) registered with the owner under their keys (so a
    model's state_dict has keys such as 'scales.a', as PyTorch's); tensors given become Parameters.

    Example:
        >>> import autograd as ag
        >>> import nn
        >>> params = nn.ParameterDict({"a": nn.Parameter(ag.ones(2)), "b": ag.zeros(3)})
        >>> list(params.keys()), type(params["b"]).__name__
        (['a', 'b'], 'Parameter')
    """

    def __init__(self, parameters: Mapping[str, ag.Tensor] | Iterable[tuple[str, ag.Tensor]] | None = None) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Parameter:
        return self._parameters[key]  # type: ignore[return-value]  # never None here

    def __setitem__(self, key: str, value: ag.Tensor) -> None:
        self.register_parameter(key, _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(self._parameters)

    def __contains__(self, key: object) -> bool:
        return key in self._parameters

    def keys(self) -> KeysView[str]:
        return self._parameters.keys()

    def values(self) -> ValuesView[Parameter]:
        return self._parameters.values()  # type: ignore[return-value]

    def items(self) -> ItemsView[str, Parameter]:
        return self._parameters.items()  # type: ignore[return-value]

    def get(self, key: str, default: Any = None) -> Any:
        return self._parameters.get(key, default)

    def pop(self, key: str) -> Parameter:
        value = self[key]
        del self[key]
        return value

    def clear(self) -> None:
        for key in list(self._parameters):
            del self[key]

    def update(self, parameters: Mapping[str, ag.Tensor] | Iterable[tuple[str, ag.Tensor]]) -> None:
        pairs = parameters.items() if isinstance(parameters, Mapping) else parameters
        for key, value in pairs:
            self[key] = value

    def extra_repr(self) -> str:
        return "\n".join(f"({key}): Parameter containing: [{p.dtype} of size {'x'.join(map(str, p.shape))}]"
                         for key, p in self.items())
