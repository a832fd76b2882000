"""The recording: what the engine's choke points hand ag.compile while it records one call.

Function.apply hands each primitive's forward (its arrays in, its array out), run_backward each
node's propagate, each sum of two gradients and each leaf's accumulation, the optimisers each
parameter's update, and Tensor's conversions to Python (.item()) theirs. The Recorder names every
array it sees (an argument, a live tensor's storage, a constant, or a step's result) and keeps
the steps in order; codegen.py writes them as straight-line Python. What cannot be replayed
raises CompileError naming the user's line.
"""
from __future__ import annotations

import gc
import math
import os
import sys
from typing import Any, cast

import numpy as np

from ..function import Function
from ..leaf import node_of
from ..random import default_generator
from ..tensor import Tensor
from .lowering import lower_add, lower_backward, lower_forward

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
    filename = frame.f_code.co_filename
    if os.path.basename(os.path.dirname(filename)).startswith("ipykernel_"):  # Jupyter's name for a cell
        return f"line {frame.f_lineno} of a notebook cell"
    return f"{os.path.relpath(filename)}:{frame.f_lineno}"


class Value:
    """One array of the recording: `expr` names it in the generated code; `local`: made by a step
    of the call (else an argument, a live tensor's storage or a constant)."""

    __slots__ = ("expr", "array", "local", "traced", "lowered", "relaid")

    def __init__(self, expr: str, array: Any, local: bool) -> None:
        self.expr, self.array, self.local = expr, array, local
        self.traced = array  # the array as the generated code computes it (lowering.py: a buffer's)
        self.lowered = False  # made by inline code: a buffer, or a view or alias of one (copied to escape)
        self.relaid = False  # inline code makes it in another layout than eager's C-contiguous one


def literal(value: Any) -> str | None:
    """Python source for a plain value, or None."""
    if value is None or type(value) in (bool, int, str):
        return repr(value)
    if type(value) is float and math.isfinite(value):
        return repr(value)
    if type(value) in (tuple, list):
        parts = [literal(v) for v in value]
        if None in parts:
            return None
        body = ", ".join(p for p in parts if p is not None)  # (for mypy: none is None here)
        return f"({body}{',' if len(parts) == 1 else ''})" if type(value) is tuple else f"[{body}]"
    if type(value) is slice:
        parts = [literal(v) for v in (value.start, value.stop, value.step)]
        return None if None in parts else f"slice({', '.join(p for p in parts if p is not None)})"
    return None


def _dtype_source(obj: Any) -> str | None:
    """np.float32 for a NumPy scalar type or a plain dtype (so that a draw's line reads as the call
    it replays), or None."""
    scalar: Any = obj.type if isinstance(obj, np.dtype) else obj
    if isinstance(obj, np.dtype) and obj != np.dtype(scalar):  # (one with another byte order, or fields)
        return None
    name = getattr(scalar, "__name__", "")
    if isinstance(scalar, type) and issubclass(scalar, np.generic) and getattr(np, name, None) is scalar:
        return f"np.{name}"
    return None


def _views_inline(out: Value, operands: list) -> bool:
    """Whether the result of an op called whole may be a view of a value made inline (a buffer):
    then it is copied to leave the call, as an inline value is."""
    return any(isinstance(o, Value) and o.lowered and np.may_share_memory(out.array, o.array) for o in operands)


class Recorder:
    """Collects the steps of one call. `depth` > 0 inside a step that is replayed whole (an
    optimiser's update, a node's propagate): the choke points inside it record nothing."""

    def __init__(self, tensor_args: list[Tensor], snapshots: bool = False) -> None:
        self.depth = 0
        # check_every: each step's result as it was made (a later in-place write may change it)
        self.snapshots: dict[str, Any] | None = {} if snapshots else None
        # Every Tensor alive before the call. An unknown tensor among them is read by reference (a
        # parameter, a buffer, a tensor the step holds); one made during the call by code that was
        # not recorded would be frozen at this call's value, so it raises. (They are held so that
        # no tensor made during the call can take one's id.)
        self.before = [obj for obj in gc.get_objects() if issubclass(type(obj), Tensor)]  # (type: no __class__ lookups)
        self.existing = {id(t) for t in self.before}
        self.values: dict[int, Value] = {}
        self.keep: list[Any] = []  # every array seen stays alive, so ids stay unique
        self.steps: list[tuple] = []
        self.globals: dict[str, Any] = {"np": np, "_T": Tensor._make, "_node_of": node_of}
        self.names: dict[int, str] = {}  # id(object) -> its global name
        self.counts: dict[str, int] = {}
        self.ctxs: dict[int, tuple[str, Function]] = {}  # id(recorded ctx) -> (replay ctx's name, replay ctx)
        self.items: dict[int, tuple[str, str]] = {}  # id(Python value) -> (its local name, user line)
        self.live: dict[int, Tensor] = {}  # tensors read by reference (parameters, buffers, constants)
        self.made: list[Value] = []  # tensors made in the call by creation functions (created())
        self.written: set[int] = set()  # ids of those arrays written in place: replays copy them afresh
        self.traced_ctxs: dict[int, Function] = {}  # id(recorded ctx) -> the ctx its traced forward filled
        self.not_lowered: dict[str, str] = {}  # op name -> why it is replayed by calling it whole
        self.modules: dict[int, Any] = {}  # the modules called, by id
        self.optimizers: dict[int, Any] = {}  # the optimisers whose updates were recorded, by id
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
                if id(obj) not in self.existing:
                    raise CompileError(
                        f"ag.compile: a tensor made during the call by an operation it does not record (at "
                        f"{user_line()}) feeds an operation or leaves the call; a replay would reuse this call's "
                        f"value. Compute it outside the compiled function and pass it in, or {_EAGER}.")
                self.live[id(obj)] = obj
                value = self._name_value(obj._data, f"{self.global_name('p', obj)}._data", local=False)
            return value
        if isinstance(obj, (np.ndarray, np.generic)):  # (a NumPy scalar: a sum of two 0-d gradients)
            value = self.known(obj)
            if value is None:
                raise CompileError(
                    f"ag.compile: an array computed by NumPy code outside the recorded operations (at "
                    f"{user_line()}) feeds an operation; a replay would reuse this call's values. Compute it "
                    f"with tensor operations, pass it as an argument, or {_EAGER}.")
            return value
        if type(obj) in (tuple, list) and any(isinstance(o, (Tensor, np.ndarray, tuple, list)) for o in obj):
            parts = [self.ref(o) for o in obj]  # an index of tensors: each read afresh, never frozen
            body = ", ".join(p.expr if isinstance(p, Value) else p for p in parts)
            return f"({body}{',' if len(parts) == 1 else ''})" if type(obj) is tuple else f"[{body}]"
        written = literal(obj)
        return written if written is not None else self.global_name("k", obj)

    def output(self, array: Any, prefix: str, scalar: bool = False) -> Value:
        """A new local Value for a step's result (an array; with `scalar`, a NumPy scalar too)."""
        if not isinstance(array, np.ndarray) and not (scalar and isinstance(array, np.generic)):
            raise CompileError(f"a step returned a {type(array).__name__} where an array was expected")
        value = self._name_value(array, self._fresh(prefix), local=True)
        if self.snapshots is not None:
            self.snapshots[value.expr] = np.array(array)
        return value

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
        out.lowered = _views_inline(out, [*operands, *named.values()])
        lowered, traced_ctx, why = lower_forward(self, cls, ctx, arrays, options, result, out)
        if lowered is None:
            self.not_lowered[cls.__name__] = why
        else:
            self.traced_ctxs[id(ctx)] = traced_ctx
        self.steps.append(("forward", out, forward, ctx_name, operands, named, type(raw) is not np.ndarray,
                           cast, f"{cls.__name__}  ({user_line()})", lowered))

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
        lowered = None
        traced_ctx = self.traced_ctxs.get(id(node))
        if traced_ctx is not None:
            assert isinstance(incoming, Value)  # (a gradient is an array)
            lowered, why = lower_backward(self, node, traced_ctx, incoming, grads, outs)
            if lowered is None:
                self.not_lowered[node.name] = why
        self.steps.append(("propagate", outs, ctx_name, incoming, f"backward of {node.name}", lowered))
        return grads

    def add(self, a: Any, b: Any) -> Any:
        left, right = self.ref(a), self.ref(b)
        total = a + b
        out = self.output(total, "g", scalar=True)
        self.steps.append(("add", out, left, right, lower_add(self, a, b, total, out)))
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
        if was_none:  # a new .grad, which the rest of the call may read (clip_grad_norm_): by reference
            self._name_value(variable.grad._data, f"{owner}.grad._data", local=False)

    def call(self, method: Any, *args: Any) -> Any:
        """A step replayed whole: an optimiser's update of one parameter (it reads its
        hyper-parameters, step counts and state afresh on every call)."""
        owner = method.__self__
        self.optimizers.setdefault(id(owner), owner)
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

    def module_called(self, module: Any) -> None:
        """A module whose forward ran in the call: its `training` flag becomes a guard."""
        if not self.depth:
            self.modules.setdefault(id(module), module)

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

    # ---- random draws, tensors made in the call, in-place writes ---------------------------
    def draw(self, sample: Any, generator: Any, operands: tuple, values: np.ndarray) -> None:
        """A random draw (random.draw_from): replayed as sample(generator.numpy_generator, *operands),
        the generator looked up at replay (None: the default one, whose NumPy generator
        manual_seed replaces), so compiled and eager calls draw the same numbers from one seed."""
        if self.depth:
            return
        if generator is None:
            self.globals["_default_generator"] = default_generator
            source = "_default_generator()"
        else:
            source = self.global_name("gen", generator)
        refs = [_dtype_source(o) or self.ref(o) for o in operands]
        name = sample.__name__.lstrip("_")
        self.steps.append(("draw", self.output(values, "t"), self.global_name(name, sample), source, refs,
                           f"{name} draw  ({user_line()})"))

    def created(self, array: np.ndarray) -> None:
        """A tensor made in the call by a creation function (ag.zeros, ag.tensor, ...). A replay
        reads it as a constant, unless the call writes into it in place: then each replay starts
        from a fresh copy of its value at creation, as each eager call does."""
        if self.depth or self.known(array) is not None:
            return
        value = self._name_value(array, self._fresh("c"), local=False)
        value.lowered = True  # (an alias of a constant, as a buffer is: copied where it escapes, returned or as a .grad)
        self.made.append(value)
        # (its value now: the array itself may be written into, or returned and changed by the caller)
        self.steps.append(("created", value, self.global_name("k", array.copy()), self.written))

    def write(self, target: Tensor, name: str, function: Any, operands: tuple) -> None:
        """An in-place write (inplace.py): replayed as function(the target's array, *operands) into
        the same storage (a parameter's or buffer's read by reference), then a bump of the target's
        version counter (shared with its base and views), as eager does."""
        if self.depth:
            return
        storage = self.ref(target)
        assert isinstance(storage, Value)
        refs = [self.ref(o) for o in operands]
        for value in self.made:  # (through a view too)
            if np.may_share_memory(value.array, storage.array):
                self.written.add(id(value.array))
        if not np.may_share_memory(storage.traced, storage.array):  # lowered into a buffer: write there too,
            # so that the ops traced after this one read what the generated code will have written
            function(storage.traced, *[r.traced if isinstance(r, Value) else o for r, o in zip(refs, operands)])
        self.steps.append(("write", storage, self.global_name(function.__name__.lstrip("_"), function), refs,
                           self._version_owner(target), f"{name}  ({user_line()})"))

    def _version_owner(self, target: Tensor) -> str | None:
        """Whose version counter a replay bumps for a write into `target`: its storage root's (a view
        shares it), an argument or a tensor that outlives the call; None for a tensor made in the
        call, whose version no replay can see."""
        root = target._base if target._base is not None else target
        index = self.args.get(id(root))
        if index is not None:
            return f"a{index}"
        value = self.known(root._data)
        if value is not None and (value.local or any(value is made for made in self.made)):
            return None
        return self.global_name("p", root)

    def compute(self, function: Any, operands: tuple, result: np.ndarray) -> None:
        """An op that makes its result with one NumPy call outside Function.apply (a comparison,
        a rounding: no gradient): replayed as np.asarray(function(*operands))."""
        if self.depth:
            return
        refs = [self.ref(o) for o in operands]
        named = getattr(function, "func", function)  # (a functools.partial: its function's name)
        name = str(getattr(named, "__name__", "function"))
        source = f"np.{name}" if getattr(np, name, None) is function else self.global_name(name, function)
        self.steps.append(("compute", self.output(result, "t"), source, refs, f"{name}  ({user_line()})"))

    def copy(self, source: Tensor, array: np.ndarray) -> None:
        """The copy of a tensor's value that an in-place op on the graph keeps before writing."""
        if self.depth:
            return
        value = self.ref(source)
        assert isinstance(value, Value)
        self.steps.append(("copy", self.output(array, "t"), value))

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
        self._settle()
        returned: set[int] = set()
        source = self._result(result, returned)
        for key, (_, line) in self.items.items():
            if key not in returned:
                raise CompileError(f"ag.compile: .item() at {line} takes a value the compiled function does not "
                                   f"return; a replay would not run the Python code that uses it. Return the "
                                   f"tensor (or the number) from the function and use it outside, or {_EAGER}.")
        if not any(step[0] == "accumulate" for step in self.steps) and any(
                isinstance(t, Tensor) and t.requires_grad for t in (result if type(result) in (tuple, list) else [result])):
            raise CompileError(
                f"ag.compile: the compiled function (called at {user_line()}) returns a tensor that requires grad, "
                "and no backward ran in it: "
                "a replay returns tensors without their graph, so a backward() outside would not reach the "
                "parameters. Compile the whole training step (forward, loss.backward(), optimizer.step()), "
                f"or a forward under ag.no_grad(), or {_EAGER}.")
        return source

    def _settle(self) -> None:
        """Decides which nodes are written inline: those whose forward and every backward through
        them were traced (the gradient rule reads what the traced forward saved); the others call
        the op, forward and backward."""
        called = {step[2] for step in self.steps if step[0] == "propagate" and step[5] is None}
        for i, step in enumerate(self.steps):
            if step[0] == "forward" and step[9] is not None and step[3] in called:
                self.not_lowered.setdefault(step[8].split()[0], "its backward was not traced")
                step[1].lowered = _views_inline(step[1], [*step[4], *step[5].values()])
                self.steps[i] = step[:9] + (None,)

    def _result(self, obj: Any, returned: set[int]) -> str:
        if isinstance(obj, Tensor):
            value = self.ref(obj)
            assert isinstance(value, Value)
            return f"_T({value.expr}.copy())" if value.lowered else f"_T({value.expr})"  # never a buffer
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
