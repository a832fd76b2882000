"""Module and Parameter: a network's state, held as plain attributes and registered by kind.

Assigning a Parameter, a Module or a registered buffer to a module attribute stores it as an
ordinary instance attribute *and* records its name in `_parameters`, `_modules` or `_buffers`
(insertion-ordered), which is what `parameters()`, `state_dict()` and `repr` walk. There is no
`__getattr__`: a missing attribute is an ordinary AttributeError. Two small helpers that the
layers share live here too: factory_dtype (the dtype new parameters get) and addindent (for
nested reprs).
"""
from __future__ import annotations

import itertools
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

import autograd as ag


class Parameter(ag.Tensor):
    """A Tensor that a Module registers as learnable when it is assigned as an attribute.

    It shares storage with `data` and requires grad by default. Operations on a Parameter
    give plain Tensors.

    Args:
        data: the initial value (a Tensor or array-like; an empty tensor if None).
        requires_grad: whether the parameter is trained (default True).

    Example:
        >>> import autograd as ag, nn
        >>> nn.Parameter(ag.ones(2))
        Parameter containing:
        tensor([1., 1.], requires_grad=True)
    """

    def __init__(self, data: ag.Tensor | ArrayLike | None = None, requires_grad: bool = True) -> None:
        data = ag.empty(0) if data is None else ag.as_tensor(data)
        super().__init__(np.empty(0, dtype=data.dtype))
        self.data = data  # share storage with `data`, as torch.nn.Parameter does
        self.requires_grad = requires_grad

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict[int, Any]) -> Parameter:
        if id(self) not in memo:
            memo[id(self)] = Parameter(self.detach().clone(), self.requires_grad)
        return memo[id(self)]


class RemovableHandle:
    """Returned by the hook registration methods: `handle.remove()` unregisters the hook."""

    _ids = itertools.count()

    def __init__(self, hooks: dict[int, Any]) -> None:
        self._hooks, self.id = hooks, next(RemovableHandle._ids)

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class _InputGate(ag.Function):
    """Identity on a module's inputs that need a gradient, packed into one flat tensor so their
    gradients arrive together: its backward calls the full backward hooks once with all of them."""

    symbol = "hook"

    @staticmethod
    def forward(ctx, *inputs, call=None):
        ctx.call, ctx.shapes = call, [t.shape for t in inputs]
        return ag.cat([t.reshape(-1).to(inputs[0].dtype) for t in inputs])

    @staticmethod
    def backward(ctx, grad):
        sizes = [int(np.prod(shape)) for shape in ctx.shapes]
        pieces = [piece.reshape(shape) for piece, shape in zip(grad.split(sizes), ctx.shapes)]
        return ctx.call.run_hooks(tuple(pieces))


class _OutputGate(ag.Function):
    """Identity on one output of a module: notes its gradient for the full backward hooks."""

    symbol = "hook"

    @staticmethod
    def forward(ctx, output, call=None, index=0):
        ctx.call, ctx.index = call, index
        return output.detach()  # apply wraps it in a new Tensor (same storage) whose node is this gate

    @staticmethod
    def backward(ctx, grad):
        call = ctx.call
        call.grad_outputs[ctx.index] = grad
        call.pending -= 1
        if not call.positions and not call.pending:  # no input needs a gradient: the hooks run now
            call.run_hooks(())
        return grad


class _BackwardHookCall:
    """One call of a module with full backward hooks: wraps its inputs and outputs in gates
    and calls hook(module, grad_input, grad_output) once the inputs' gradients are known."""

    def __init__(self, module: Module, hooks: list[Callable[..., Any]]) -> None:
        self.module, self.hooks = module, hooks
        self.positions: list[int] = []  # the tensor arguments that need a gradient
        self.arguments = 0
        self.constants: dict[int, tuple[Any, Any]] = {}  # (shape, dtype) of the tensor arguments that need none
        self.grad_outputs: list[Any] = []
        self.pending = 0  # gated outputs whose gradient has not arrived yet

    def wrap_inputs(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        tensors = [i for i, a in enumerate(args) if isinstance(a, ag.Tensor)]
        self.arguments = len(args)
        self.positions = [i for i in tensors if args[i].requires_grad] if ag.is_grad_enabled() else []
        if not self.positions:
            return args
        self.constants = {i: (args[i].shape, args[i].dtype) for i in tensors if i not in self.positions}
        needing = [args[i] for i in self.positions]
        flat = _InputGate.apply(*needing, call=self)
        wrapped, offset = list(args), 0
        for i, tensor in zip(self.positions, needing):
            wrapped[i] = flat[offset:offset + tensor.numel()].reshape(tensor.shape).to(tensor.dtype)
            offset += tensor.numel()
        return tuple(wrapped)

    def wrap_outputs(self, output: Any) -> Any:
        outputs = output if isinstance(output, tuple) else (output,)
        self.grad_outputs = [None] * len(outputs)
        self.pending = sum(isinstance(o, ag.Tensor) and o.requires_grad for o in outputs)
        wrapped = tuple(_OutputGate.apply(o, call=self, index=i) if isinstance(o, ag.Tensor) and o.requires_grad
                        else o for i, o in enumerate(outputs))
        return wrapped if isinstance(output, tuple) else wrapped[0]

    def run_hooks(self, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        grad_input: list[Any] = [None] * self.arguments  # PyTorch's: None for non-tensors, zeros for constants
        for position, (shape, dtype) in self.constants.items():
            grad_input[position] = ag.zeros(shape, dtype=dtype)
        for position, grad in zip(self.positions, grads):
            grad_input[position] = grad
        for hook in self.hooks:
            replaced = hook(self.module, tuple(grad_input), tuple(self.grad_outputs))
            if replaced is not None:
                if len(replaced) != len(grad_input):
                    raise RuntimeError(f"backward hook returned {len(replaced)} gradients, expected {len(grad_input)}")
                grad_input = list(replaced)
        return tuple(grad_input[position] for position in self.positions)


_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])  # type: ignore[name-match]  # PyTorch's printed name


def addindent(text: str, spaces: int) -> str:
    """Indents every line but the first (PyTorch's repr helper)."""
    first, *rest = text.split("\n")
    return "\n".join([first] + [" " * spaces + line for line in rest])


def factory_dtype(dtype: DTypeLike | None) -> DTypeLike:
    """The dtype a layer creates its parameters and buffers with: `dtype`, or the default dtype if None."""
    return ag.get_default_dtype() if dtype is None else dtype


class Module:
    """Base class of every layer and model, as torch.nn.Module.

    Subclasses call `super().__init__()`, assign parameters, buffers and submodules as
    attributes, and define `forward`; calling the module runs forward (with any forward
    hooks).

    Example:
        >>> import nn
        >>> class MLP(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.fc1, self.fc2 = nn.Linear(4, 8), nn.Linear(8, 2)
        ...     def forward(self, x):
        ...         return self.fc2(self.fc1(x).relu())
        >>> [name for name, _ in MLP().named_parameters()]
        ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
    """

    training: bool
    # set in __init__ (around __setattr__): what is registered, by name, in insertion order
    _parameters: OrderedDict[str, Parameter | None]
    _buffers: OrderedDict[str, ag.Tensor | None]
    _non_persistent_buffers_set: set[str]
    _modules: OrderedDict[str, Module | None]
    _forward_pre_hooks: OrderedDict[int, Callable[..., Any]]
    _forward_hooks: OrderedDict[int, Callable[..., Any]]
    _backward_hooks: OrderedDict[int, Callable[..., Any]]

    def __init__(self) -> None:
        set_plain = super().__setattr__
        set_plain("training", True)
        set_plain("_parameters", OrderedDict())
        set_plain("_buffers", OrderedDict())
        set_plain("_non_persistent_buffers_set", set())
        set_plain("_modules", OrderedDict())
        set_plain("_forward_pre_hooks", OrderedDict())
        set_plain("_forward_hooks", OrderedDict())
        set_plain("_backward_hooks", OrderedDict())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if ag.compiler.recorder is not None:  # ag.compile guards the `training` flag of each module called
            ag.compiler.recorder.module_called(self)
        if not (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks):
            return self.forward(*args, **kwargs)
        for hook in list(self._forward_pre_hooks.values()):
            replaced = hook(self, args)
            if replaced is not None:
                args = replaced if isinstance(replaced, tuple) else (replaced,)
        backward_call = _BackwardHookCall(self, list(self._backward_hooks.values())) if self._backward_hooks else None
        if backward_call is not None:
            args = backward_call.wrap_inputs(args)
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            replaced = hook(self, args, output)
            if replaced is not None:
                output = replaced
        if backward_call is not None and ag.is_grad_enabled():
            output = backward_call.wrap_outputs(output)
        return output

    def register_forward_pre_hook(self, hook: Callable[[Module, tuple[Any, ...]], Any]) -> RemovableHandle:
        """hook(module, args) runs before forward; a returned value replaces the arguments."""
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    def register_forward_hook(self, hook: Callable[[Module, tuple[Any, ...], Any], Any]) -> RemovableHandle:
        """hook(module, args, output) runs after forward; a returned value replaces the output."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    def register_full_backward_hook(self, hook: Callable[[Module, tuple[Any, ...], tuple[Any, ...]], Any]
                                    ) -> RemovableHandle:
        """hook(module, grad_input, grad_output) runs once the gradients of the module's positional
        arguments are known (as PyTorch: None for a non-tensor, zeros for a tensor that needs no
        gradient, all None when none does); a returned tuple replaces grad_input. grad_output
        holds the gradients of the outputs (None for one that got none)."""
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        return handle

    # ---- registration --------------------------------------------------------------------
    def _registries(self, op):
        registries = self.__dict__.get("_parameters")
        if registries is None:
            raise AttributeError(f"cannot {op} before Module.__init__() call: call super().__init__() first")
        return self._parameters, self._buffers, self._modules

    def _forget(self, name, keep=None):
        """Drops `name` from the instance and every registry but `keep` (so a re-assigned
        name keeps its place in the order), before it is registered anew."""
        for registry in self._registries("assign"):
            if registry is not keep:
                registry.pop(name, None)
        self._non_persistent_buffers_set.discard(name)
        self.__dict__.pop(name, None)

    def _check_new_name(self, name, kind, registry):
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f'{kind} name can\'t be empty or contain ".", got: {name!r}')
        if name not in registry and hasattr(self, name):
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Registers `param` (a Parameter, or None for an absent one such as `bias=False`)."""
        parameters = self._registries("assign parameters")[0]
        self._check_new_name(name, "parameter", parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                            f"(nn.Parameter or None required)")
        parameters[name] = param
        super().__setattr__(name, param)

    def register_buffer(self, name: str, tensor: ag.Tensor | None, persistent: bool = True) -> None:
        """Registers a tensor that is state but not a parameter (e.g. running statistics);
        non-persistent buffers are left out of `state_dict`."""
        buffers = self._registries("assign buffers")[1]
        self._check_new_name(name, "buffer", buffers)
        if tensor is not None and not isinstance(tensor, ag.Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' (Tensor or None required)")
        buffers[name] = tensor
        (self._non_persistent_buffers_set.discard if persistent else self._non_persistent_buffers_set.add)(name)
        super().__setattr__(name, tensor)

    def add_module(self, name: str, module: Module | None) -> None:
        """Registers a child module (or None) under `name`."""
        modules = self._registries("assign module")[2]
        self._check_new_name(name, "module", modules)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        modules[name] = module
        super().__setattr__(name, module)

    register_module = add_module

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, Parameter):
            self._forget(name, keep=self._registries("assign parameters")[0])
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            self._forget(name, keep=self._registries("assign module")[2])
            self.add_module(name, value)
        elif name in self.__dict__.get("_parameters", ()):
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                f"(nn.Parameter or None expected)")
            self.register_parameter(name, None)
        elif name in self.__dict__.get("_modules", ()):
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' "
                                f"(nn.Module or None expected)")
            self.add_module(name, None)
        elif name in self.__dict__.get("_buffers", ()):
            if value is not None and not isinstance(value, ag.Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' (Tensor or None expected)")
            self.register_buffer(name, value, name not in self._non_persistent_buffers_set)
        else:
            super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        registered = "_parameters" in self.__dict__ and any(name in r for r in self._registries("delete"))
        if registered:
            self._forget(name)
        else:
            super().__delattr__(name)

    # ---- iteration -----------------------------------------------------------------------
    def named_modules(self, memo: set[Module] | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """Yields (qualified name, module) for this module and all below it, each once."""
        memo = set() if memo is None else memo
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, f"{prefix}.{name}" if prefix else name, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry, prefix, recurse, remove_duplicate):
        seen = set()  # ids: Tensor's == is elementwise
        owners = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for owner_name, owner in owners:
            for name, value in getattr(owner, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{owner_name}.{name}" if owner_name else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """Yields (qualified name, parameter), e.g. ('0.weight', ...); shared ones once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, ag.Tensor]]:
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[ag.Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def get_submodule(self, target: str) -> "Module":
        """The submodule at a dotted path such as 'features.0'."""
        module = self
        for part in target.split(".") if target else ():
            if part not in module._modules:
                raise AttributeError(f"{module._get_name()} has no submodule `{part}` (looking up {target!r})")
            module = module._modules[part]  # type: ignore[assignment]  # (None only for a child set to None)
        return module

    # ---- modes, gradients, conversion ----------------------------------------------------
    def train(self, mode: bool = True) -> "Module":
        """Sets training mode (affects Dropout and BatchNorm) here and below; returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> "Module":
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Resets the gradients of all parameters: to None (default) or to zeros in place."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                param.grad.detach_()
                param.grad.zero_()

    def apply(self, fn: Callable[[Module], Any]) -> "Module":
        """Calls fn(module) on every submodule (children first) and on self; returns self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def _apply(self, convert) -> "Module":
        """Converts every parameter (in place, keeping its identity), its gradient and every buffer."""
        for module in self.modules():
            for param in module._parameters.values():
                if param is None:
                    continue
                param.data = convert(param.data)
                if param.grad is not None:
                    param.grad = convert(param.grad)
            for name, buffer in module._buffers.items():
                if buffer is not None:
                    module._buffers[name] = converted = convert(buffer)
                    object.__setattr__(module, name, converted)
        return self

    def to(self, *args: Any, **kwargs: Any) -> "Module":
        """`.to(dtype)` converts floating point parameters and buffers; `.to("cpu")` is a no-op."""
        dtype, device = kwargs.pop("dtype", None), kwargs.pop("device", None)
        if kwargs:
            raise TypeError(f"Module.to: unexpected keyword arguments {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, ag.Tensor):
                dtype = arg.dtype
            elif isinstance(arg, (str, ag.device)):
                device = arg
            else:
                dtype = arg
        if device is not None:
            ag.device(device)  # raises a clear error for anything but the CPU
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"Module.to only accepts floating point dtypes, but got desired dtype={dtype}")
        return self._apply(lambda t: t.detach().to(dtype) if t.dtype.kind == "f" else t)

    def float(self) -> "Module":
        return self.to(ag.float32)

    def double(self) -> "Module":
        return self.to(ag.float64)

    def cpu(self) -> "Module":
        return self

    def cuda(self, device: str | ag.device | None = None) -> "Module":
        return self.to("cuda" if device is None else device)

    # ---- state dicts ---------------------------------------------------------------------
    def _state_items(self, prefix=""):
        """(key, tensor) of every parameter and persistent buffer, in PyTorch's order."""
        for name, module in self.named_modules(prefix=prefix.rstrip("."), remove_duplicate=False):
            path = f"{name}." if name else ""
            for key, param in module._parameters.items():
                if param is not None:
                    yield path + key, param
            for key, buffer in module._buffers.items():
                if buffer is not None and key not in module._non_persistent_buffers_set:
                    yield path + key, buffer

    def state_dict(self, *, destination: dict[str, ag.Tensor] | None = None, prefix: str = "",
                   keep_vars: bool = False) -> dict[str, ag.Tensor]:
        """An OrderedDict of every parameter and persistent buffer by qualified name
        (e.g. 'fc1.weight', 'bn.running_mean'); values are detached and share storage."""
        destination = OrderedDict() if destination is None else destination
        for key, tensor in self._state_items(prefix):
            destination[key] = tensor if keep_vars else tensor.detach()
        return destination

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> _IncompatibleKeys:
        """Copies values from `state_dict` into this module's parameters and buffers.

        Shape mismatches always raise; with `strict` (default) missing and unexpected keys
        do too, all reported together. Returns (missing_keys, unexpected_keys).
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
        own = OrderedDict(self._state_items())
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        errors = []
        for key, tensor in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            shape = tuple(np.shape(value))
            if shape != tuple(tensor.shape):
                errors.append(f"size mismatch for {key}: copying a param with shape {shape} from checkpoint, "
                              f"the shape in current model is {tuple(tensor.shape)}.")
        if strict and unexpected:
            errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in unexpected)))
        if strict and missing:
            errors.insert(0, "Missing key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(self._get_name(), "\n\t".join(errors)))
        with ag.no_grad():
            for key, tensor in own.items():
                if key in state_dict:
                    value = state_dict[key]
                    tensor.copy_(value if isinstance(value, ag.Tensor) else ag.as_tensor(np.asarray(value)))
        return _IncompatibleKeys(missing, unexpected)

    # ---- printing ------------------------------------------------------------------------
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The text inside this module's parentheses in its repr; layers override it."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + addindent(repr(module), 2) for name, module in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if len(extra_lines) == 1 and not child_lines:
            body = extra_lines[0]
        elif lines:
            body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{self._get_name()}({body})"
