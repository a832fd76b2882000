"""The recording: what the engine's choke points hand ag.compile while it records one call.

Function.apply hands each primitive's forward (its arrays in, its array out), run_backward each
node's propagate, each sum of two gradients and each leaf's accumulation, the optimisers each
parameter's update, and Tensor's conversions to Python (.item()) theirs. The Recorder names every
array it sees (an argument, a live tensor's storage, a constant, or a step's result) and keeps
the steps in order; codegen.py writes them as straight-line Python. What cannot be replayed
raises CompileError naming the user's line.
"""
from __future__ import annotations

import math
import os
import sys
from typing import Any, cast

import numpy as np

from ..function import Function
from ..leaf import node_of
from ..tensor import Tensor

_PACKAGES = tuple(os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), name)
                  + os.sep for name in ("autograd", "nn", "optim"))
_EAGER = "run it eagerly with ag.compile(fn, enabled=False) or GRAPHGRAD_COMPILE=0"


class CompileError(RuntimeError):
    """What ag.compile cannot record, with the user's line and how to restructure."""


def user_line() -> str:
    """'file:line' of the innermost caller outside autograd, nn and optim."""
    frame: Any = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGES):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    return f"{os.path.relpath(frame.f_code.co_filename)}:{frame.f_lineno}"


class Value:
    """One array of the recording: `expr` names it in the generated code; `local`: made by a step
    of the call (else an argument, a live tensor's storage or a constant)."""

    __slots__ = ("expr", "array", "local")

    def __init__(self, expr: str, array: Any, local: bool) -> None:
        self.expr, self.array, self.local = expr, array, local


def _literal(value: Any) -> str | None:
    """Python source for a plain value, or None."""
    if value is None or type(value) in (bool, int, str):
        return repr(value)
    if type(value) is float and math.isfinite(value):
        return repr(value)
    if type(value) in (tuple, list):
        parts = [_literal(v) for v in value]
        if None in parts:
            return None
        body = ", ".join(p for p in parts if p is not None)  # (for mypy: none is None here)
        return f"({body}{',' if len(parts) == 1 else ''})" if type(value) is tuple else f"[{body}]"
    if type(value) is slice:
        parts = [_literal(v) for v in (value.start, value.stop, value.step)]
        return None if None in parts else f"slice({', '.join(p for p in parts if p is not None)})"
    return None


class Recorder:
    """Collects the steps of one call. `depth` > 0 inside a step that is replayed whole (an
    optimiser's update, a node's propagate): the choke points inside it record nothing."""

    def __init__(self, tensor_args: list[Tensor]) -> None:
        self.depth = 0
        self.values: dict[int, Value] = {}
        self.keep: list[Any] = []  # every array seen stays alive, so ids stay unique
        self.steps: list[tuple] = []
        self.globals: dict[str, Any] = {"np": np, "_T": Tensor._make, "_node_of": node_of}
        self.names: dict[int, str] = {}  # id(object) -> its global name
        self.counts: dict[str, int] = {}
        self.ctxs: dict[int, tuple[str, Function]] = {}  # id(recorded ctx) -> (replay ctx's name, replay ctx)
        self.items: dict[int, tuple[str, str]] = {}  # id(Python value) -> (its local name, user line)
        self.live: dict[int, Tensor] = {}  # tensors read by reference (parameters, buffers, constants)
        self.args = {id(t): i for i, t in enumerate(tensor_args)}
        for i, t in enumerate(tensor_args):
            self._name_value(t._data, f"x{i}", local=False)
            self.steps.append(("arg", f"x{i}", i))

    # ---- naming ----------------------------------------------------------------------------
    def _fresh(self, prefix: str) -> str:
        n = self.counts.get(prefix, 0)
        self.counts[prefix] = n + 1
        return f"{prefix}{n}"

    def global_name(self, prefix: str, obj: Any) -> str:
        name = self.names.get(id(obj))
        if name is None:
            name = self.names[id(obj)] = self._fresh(prefix)
            self.globals[name] = obj
            self.keep.append(obj)
        return name

    def _name_value(self, array: Any, expr: str, local: bool) -> Value:
        value = Value(expr, array, local)
        self.values[id(array)] = value
        self.keep.append(array)
        return value

    def known(self, array: Any) -> Value | None:
        value = self.values.get(id(array))
        return value if value is not None and value.array is array else None

    def ref(self, obj: Any) -> Value | str:
        """How the generated code reads `obj`, an operand: a Value for arrays, source for the rest."""
        if isinstance(obj, Tensor):
            value = self.known(obj._data)
            if value is None:
                if id(obj) in self.args:
                    raise CompileError("an argument's storage changed while recording")
                self.live[id(obj)] = obj
                value = self._name_value(obj._data, f"{self.global_name('p', obj)}._data", local=False)
            return value
        if isinstance(obj, np.ndarray):
            value = self.known(obj)
            if value is None:
                raise CompileError(
                    f"ag.compile: an array computed by NumPy code outside the recorded operations (at "
                    f"{user_line()}) feeds an operation; a replay would reuse this call's values. Compute it "
                    f"with tensor operations, pass it as an argument, or {_EAGER}.")
            return value
        literal = _literal(obj)
        return literal if literal is not None else self.global_name("k", obj)

    def output(self, array: Any, prefix: str) -> Value:
        if not isinstance(array, np.ndarray):
            raise CompileError(f"a step returned a {type(array).__name__} where an array was expected")
        return self._name_value(array, self._fresh(prefix), local=True)

    # ---- the choke points ------------------------------------------------------------------
    def forward(self, cls: Any, ctx: Function, args: Any, arrays: Any, options: dict, raw: Any, result: Any) -> None:
        if self.depth:
            return
        replay: Any = object.__new__(cls)
        replay._saved, replay._sources, replay._constants = (), (), None
        replay.needs_input_grad = ctx.needs_input_grad
        ctx_name = self._fresh("ctx")
        self.globals[ctx_name] = replay
        self.ctxs[id(ctx)] = (ctx_name, replay)
        self.keep.append(ctx)
        operands = [self.ref(a) for a in args]
        named = {key: self.ref(v) for key, v in options.items()}
        forward = self.global_name(f"{cls.__name__}_forward", cls.forward)
        cast = result.dtype if result.dtype != np.asarray(raw).dtype else None
        out = self.output(result, "t")
        self.steps.append(("forward", out, forward, ctx_name, operands, named, type(raw) is not np.ndarray,
                           cast, f"{cls.__name__}  ({user_line()})"))

    def backward_begins(self, roots: Any, grads: Any, create_graph: bool, targets: Any, looking: bool) -> None:
        if self.depth:
            return
        if create_graph:
            self.unsupported("backward(create_graph=True)")
        if targets is not None:
            self.unsupported("ag.grad() (only .backward() into .grad)")
        if looking:
            self.unsupported("a traced backward (drawing)")
        for grad in grads:  # a seed gradient made by backward() (ones): a constant
            if isinstance(grad, np.ndarray) and self.known(grad) is None:
                self._name_value(grad, self.global_name("k", grad.copy()), local=False)

    def propagate(self, node: Any, grad: Any) -> Any:
        if self.depth:
            return node.propagate(grad)
        found = self.ctxs.get(id(node))
        if found is None:
            raise CompileError(f"ag.compile cannot record the backward of {node.name} (at {user_line()}): it was made "
                               f"outside the recorded call, or by a Function with a Tensor forward. {_EAGER[0].upper()}"
                               f"{_EAGER[1:]}.")
        if node.pre_hooks or node.retain_hook is not None:
            self.unsupported("a gradient hook (register_hook or retain_grad)")
        ctx_name, replay = found
        replay = cast(Any, replay)  # a subclass's instance: it has a __dict__
        replay.inputs, replay.output_shape, replay.output_dtype = node.inputs, node.output_shape, node.output_dtype
        if node._options:
            replay._options = node._options
        incoming = self.ref(grad)
        self.depth += 1
        try:
            grads = node.propagate(grad)
        finally:
            self.depth -= 1
        outs = [None if g is None or parent is None else self.output(g, "g") for g, parent in zip(grads, node.inputs)]
        self.steps.append(("propagate", outs, ctx_name, incoming, f"backward of {node.name}"))
        return grads

    def add(self, a: Any, b: Any) -> Any:
        left, right = self.ref(a), self.ref(b)
        total = a + b
        self.steps.append(("add", self.output(total, "g"), left, right))
        return total

    def accumulate(self, node: Any, grad: Any) -> None:
        if node.pre_hooks:
            self.unsupported("a gradient hook (register_hook)")
        variable = node.variable
        index = self.args.get(id(variable))
        target = f"_node_of(a{index})" if index is not None else self.global_name("acc", node)
        if index is None:
            self.live[id(variable)] = variable
        owner = f"a{index}" if index is not None else self.global_name("p", variable)
        was_none = variable.grad is None  # (zero_grad() set it to None in this call: the replay does too)
        value = self.ref(grad)
        self.depth += 1
        try:
            node.propagate(grad.copy())
        finally:
            self.depth -= 1
        self.steps.append(("accumulate", target, value, grad.base is not None, owner if was_none else None))

    def call(self, method: Any, *args: Any) -> Any:
        """A step replayed whole: an optimiser's update of one parameter (it reads its
        hyper-parameters, step counts and state afresh on every call)."""
        owner = method.__self__
        self.depth += 1
        try:
            result = method(*args)
        finally:
            self.depth -= 1
        owner_name = self.global_name("opt", owner)
        sources = []
        for a in args:
            if isinstance(a, Tensor):
                self.live[id(a)] = a
                sources.append(self.global_name("p", a))
            elif any(a is g for g in getattr(owner, "param_groups", ())):
                sources.append(f"{owner_name}.param_groups[{[id(g) for g in owner.param_groups].index(id(a))}]")
            else:
                ref = self.ref(a)
                sources.append(ref if isinstance(ref, str) else ref.expr)
        self.steps.append(("call", f"{owner_name}.{method.__name__}", sources))
        return result

    def item(self, tensor: Tensor) -> Any:
        value = tensor._data.item()
        if self.depth:
            return value
        source = self.ref(tensor)
        assert isinstance(source, Value)
        name = self._fresh("f")
        self.items[id(value)] = (name, user_line())
        self.keep.append(value)
        self.steps.append(("item", name, source))
        return value

    # ---- what cannot be replayed -----------------------------------------------------------
    def unsupported(self, what: str) -> None:
        if self.depth:
            return
        raise CompileError(f"ag.compile cannot record {what} (at {user_line()}): the compiled step replays "
                           f"recorded array operations only. Move it out of the compiled function, or {_EAGER}.")

    def python_value(self, tensor: Tensor, what: str) -> None:
        if self.depth:
            return
        raise CompileError(f"ag.compile: {what} of a tensor while recording (at {user_line()}) turns a value into "
                           f"Python, which a replay would freeze at this call's value. Return the tensor from the "
                           f"compiled function and call {what} outside it, or {_EAGER}.")

    def leaves_graph(self, tensor: Tensor, what: str) -> None:
        if self.depth:
            return
        value = self.known(tensor._data)
        if value is None:  # a parameter, buffer or input held by the step: its storage is read afresh
            self.ref(tensor)
        elif value.local:
            raise CompileError(f"ag.compile: {what} of an intermediate tensor while recording (at {user_line()}): "
                               f"NumPy code on it is not recorded, so a replay would reuse this call's result. "
                               f"Use tensor operations, return the tensor and convert it outside, or {_EAGER}.")

    def finish(self, result: Any) -> str:
        """The source of the expression the generated function returns; checks that every
        Python number taken with .item() is returned (else it would be frozen)."""
        returned: set[int] = set()
        source = self._result(result, returned)
        for key, (_, line) in self.items.items():
            if key not in returned:
                raise CompileError(f"ag.compile: .item() at {line} takes a value the compiled function does not "
                                   f"return; a replay would not run the Python code that uses it. Return the "
                                   f"tensor (or the number) from the function and use it outside, or {_EAGER}.")
        return source

    def _result(self, obj: Any, returned: set[int]) -> str:
        if isinstance(obj, Tensor):
            value = self.ref(obj)
            assert isinstance(value, Value)
            return f"_T({value.expr})"
        if id(obj) in self.items:
            returned.add(id(obj))
            return self.items[id(obj)][0]
        if type(obj) in (tuple, list):
            parts = [self._result(o, returned) for o in obj]
            body = ", ".join(parts) + ("," if len(parts) == 1 and type(obj) is tuple else "")
            return f"({body})" if type(obj) is tuple else f"[{body}]"
        if type(obj) is dict:
            return "{" + ", ".join(f"{self.ref(k)}: {self._result(v, returned)}" for k, v in obj.items()) + "}"
        ref = self.ref(obj)
        return ref if isinstance(ref, str) else ref.expr
