"""Function: an operation's graph node, and how it is recorded (apply) and differentiated (propagate).

An operation's node is its Function (apply unwraps the inputs, runs forward, records the node
and what it saved; propagate runs the gradient rule). A leaf tensor's node is its AccumulateGrad
(leaf.py); backward() and grad() (backprop.py) seed the engine's walk at tensors' nodes.

Primitives (autograd/ops) subclass Function with `_array_forward = True`: their forward takes
and returns NumPy arrays. Their backward is written in the vocabulary NumPy arrays and Tensors
share (operators, methods, NumPy functions that dispatch to Tensor), so the engine runs it on
arrays normally and on Tensors under create_graph=True, where it is recorded and can itself be
differentiated. User-defined Functions see Tensors, as in PyTorch.
"""
from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

from . import anomaly, compiler
from .dtypes import promoted_float
from .engine import fitted
from .grad_mode import grad_enabled, no_grad
from .shapes import ShapeError
from .leaf import node_of
from .views import link_view

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from traceback import FrameSummary
    from typing import TypeAlias


    from .leaf import AccumulateGrad

    # A graph node: an operation's Function, or a leaf's AccumulateGrad.
    Node: TypeAlias = "Function | AccumulateGrad"

_new = object.__new__
_float64 = np.dtype(np.float64)
_ndarray = np.ndarray
_NUMBERS = (float, int, bool)  # Python numbers: they never decide a result's dtype
_NO_NEEDS = [(False,) * n for n in range(4)]
_anomaly = anomaly.mode


class Function:
    """Base class of every operation, built in or user-defined (as torch.autograd.Function).

    Subclass it with static `forward(ctx, *args)` and `backward(ctx, grad_output)` and call
    `MyOp.apply(*args)`. In forward, `ctx.save_for_backward(*tensors)` keeps what backward
    needs (`ctx.saved_tensors` gives it back, checked against later in-place changes) and
    `ctx.needs_input_grad` tells which inputs need a gradient. backward returns one gradient
    per forward argument (None for those that need none). Keyword arguments to `apply` are
    passed to forward as options and need no gradient. One output Tensor per Function.

    Example:
        >>> import autograd as ag
        >>> class Cube(ag.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x ** 3
        ...     @staticmethod
        ...     def backward(ctx, grad):
        ...         x, = ctx.saved_tensors
        ...         return grad * 3 * x ** 2
        >>> x = ag.tensor(2.0, requires_grad=True)
        >>> Cube.apply(x).backward()
        >>> x.grad
        tensor(12.)
    """

    # subclasses get a __dict__ for what forward stores on ctx
    __slots__ = ("inputs", "needs_input_grad", "output_shape", "output_dtype", "_output", "_saved", "_sources",
                 "_constants", "__weakref__")
    inputs: tuple[Node | None, ...]  # per forward argument: the node its gradient goes to (None: it needs none)
    needs_input_grad: tuple[bool, ...]
    output_shape: tuple[int, ...]
    output_dtype: np.dtype
    _output: weakref.ref[Tensor]
    _saved: Any  # what forward saved (a tuple); None once released
    _sources: Any  # (index, input or None, version, counter) per saved input/output, or ()
    _constants: dict[int, Any] | None  # the arguments that need no gradient, by position
    _anomaly_frame: FrameSummary | None  # set only under detect_anomaly (in a subclass's __dict__)
    _array_forward = False
    _is_view = False
    _exact_dtype = False  # True for ops whose output dtype is asked for (a cast), never defaulted
    pre_hooks: Sequence[Callable[[Any], Any]] = ()
    retain_hook: Callable[[Any], Any] | None = None
    symbol: str | None = None  # drawing: the operator's short textbook symbol ("×", "Σ", "CE"); None: its name
    elementwise = False  # drawing: True where the Jacobian is diagonal when an input has the output's shape
    _watched: tuple[tuple[Tensor, int], ...] = ()  # (tensor, version) of index/mask tensors, set on the instance by watch_indices
    # Set on a node only where there is something to say (a store at this megamorphic site costs
    # hundreds of instructions per op; an op's instance has a __dict__):
    _options: dict[str, Any] | None = None  # the keyword options forward was called with
    _versions: dict[int, int] | None = None  # by position: the version of a Tensor argument already changed in place
    output_version = 0  # the output's version when this node made it (views and in-place ops)

    @staticmethod
    def forward(ctx: Any, *args: Any, **options: Any) -> Any:
        raise NotImplementedError("a Function subclass must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> Any:
        raise NotImplementedError("a Function subclass must define backward(ctx, grad_output)")

    # ---- forward side ---------------------------------------------------------------------
    @classmethod
    def apply(cls, *args: Any, **options: Any) -> Tensor:
        ctx = _new(cls)
        ctx._saved = ()
        if grad_enabled():
            # one pass: the arrays forward runs on, which inputs need a gradient, their nodes, the
            # arguments that need none by position, and the versions of Tensors changed in place
            # before (the last two let a drawing run forward again, or tell that it cannot)
            parents: list[Node | None]  # (a declaration: no code runs)
            arrays, needs, parents, record, constants, versions = [], [], [], False, None, None
            for a in args:
                if type(a) is Tensor or isinstance(a, Tensor):
                    arrays.append(a._data)
                    if a._vc is not None and a._vc[0]:  # changed in place before (0 needs no note)
                        if versions is None:
                            versions = {}
                        versions[len(arrays) - 1] = a._vc[0]
                    if a._requires_grad:
                        needs.append(True)
                        node: Node | None = a.grad_fn
                        if node is None or a._aux is not None:
                            node = node_of(a)  # a leaf's accumulator; a view replayed if its base changed
                        parents.append(node)
                        record = True
                        continue
                    constant = a
                else:
                    constant = a
                    arrays.append(a)
                if constants is None:
                    constants = {}
                constants[len(arrays) - 1] = constant
                needs.append(False)
                parents.append(None)
            ctx.needs_input_grad = tuple(needs)
        else:
            arrays = [a._data if isinstance(a, Tensor) else a for a in args]
            ctx.needs_input_grad = _NO_NEEDS[len(args)] if len(args) < 4 else (False,) * len(args)
            record = False
        if cls._array_forward:
            try:
                raw = result = cls.forward(ctx, *arrays, **options) if options else cls.forward(ctx, *arrays)
            except (ValueError, TypeError) as error:  # TypeError: NumPy has no loop for, e.g., a str operand
                raise explained_error(cls.__name__, error, args) from None
            if type(result) is not np.ndarray:
                result = np.asarray(raw)  # ufuncs on 0-d arrays return NumPy scalars
                for value in ctx._saved:
                    if value is raw:  # forward saved that scalar as its output: keep recognising it as such
                        ctx._saved = tuple([result if kept is raw else kept for kept in ctx._saved])
                        break
            if result.dtype is _float64 and not cls._exact_dtype:
                # float64 is right for a float64 first input with dimensions, or a 0-d one alone or
                # beside a Python number (which never promotes)
                first = arrays[0] if arrays else None
                if not (type(first) is np.ndarray and first.dtype is _float64
                        and (first.ndim or len(arrays) == 1 or (len(arrays) == 2 and type(arrays[1]) in _NUMBERS))):
                    wanted = promoted_float(arrays)
                    if wanted is not _float64:
                        result = result.astype(wanted)
            if compiler.recorder is not None:  # ag.compile is recording this call
                compiler.recorder.forward(cls, ctx, args, arrays, options, raw, result)
            out = _make(result, record)
        else:
            result = cls._run_tensor_forward(ctx, args, options)
            out = _make(result._data, record)
        if cls._is_view and isinstance(args[0], Tensor) and np.may_share_memory(out._data, args[0]._data):
            link_view(out, args[0], (cls, args[1:], options))
            ctx.output_version = out._version  # type: ignore[misc]  # a view starts at its base's version
        if _anomaly.check_forward:
            anomaly.check_output(cls.__name__, out._data, anomaly.user_frame())
        if record:  # make ctx the graph node that produced `out`
            ctx.inputs = tuple(parents)
            ctx._constants = constants
            if options:
                ctx._options = options  # type: ignore[misc]  # subclasses have a __dict__
            if versions is not None:
                ctx._versions = versions  # type: ignore[misc]
            data = out._data
            ctx.output_shape = data.shape
            ctx.output_dtype = data.dtype
            ctx._output = weakref.ref(out)
            if _anomaly.enabled:
                ctx._anomaly_frame = anomaly.user_frame()  # type: ignore[misc]  # subclasses have a __dict__
            if ctx._saved:
                ctx._pack(args, result, out)
            out.grad_fn = ctx
        return out

    @classmethod
    def _run_tensor_forward(cls, ctx, args, options):
        with no_grad():
            result = cls.forward(ctx, *args, **options)
        if not isinstance(result, Tensor):
            raise TypeError(f"{cls.__name__}.forward must return one Tensor, got "
                            f"{type(result).__name__} (Functions with several outputs are not supported)")
        return result

    def save_for_backward(self, *values: Any) -> None:
        """Keeps `values` (inputs, the output, or other arrays/tensors) for backward."""
        self._saved = values

    def _pack(self, args, raw_out, out):
        """Notes which saved values are inputs or the output, with their versions now, so that
        backward can tell whether one was changed in place since (`_sources`)."""
        sources, saved = [], self._saved
        for i, value in enumerate(saved):
            if value is raw_out or value is out:
                counter = out._counter()  # held here, so views of a dead output are still checked
                sources.append((i, None, counter[0], counter))
                if value is not out._data:  # a Function's Tensor result, or a result that was cast
                    saved = saved[:i] + (out._data,) + saved[i + 1:]
                continue
            if type(value) is not np.ndarray and not isinstance(value, Tensor):
                continue
            for a in args:
                if isinstance(a, Tensor) and (value is a._data or value is a):
                    vc = a._vc
                    sources.append((i, a, vc[0] if vc is not None else 0, None))
                    break
        self._saved = saved
        self._sources = sources or ()  # an empty list would be one more object for the cyclic GC to track

    # ---- backward side --------------------------------------------------------------------
    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """What forward saved: arrays while the engine runs on arrays, Tensors under
        create_graph (and always Tensors for user-defined Functions)."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(
                f"{self.name}: trying to backward through the graph a second time (or to read saved "
                f"values after they were freed). Saved values are freed after backward; pass "
                f"retain_graph=True to the first backward() if you need to call it twice.")
        if not saved or not self._sources:
            return saved
        sources = self._sources
        as_tensors = not self._array_forward or grad_enabled()
        rebuild = as_tensors
        for i, tensor, version, counter in sources:
            if tensor is not None:
                counter = tensor._vc
            now = counter[0] if counter is not None else 0
            if now != version:
                self._raise_modified(now, version, "its output" if tensor is None else "an input")
            if tensor is not None and tensor._data is not saved[i]:
                rebuild = True  # the input's .data was reassigned since: PyTorch's saved variable sees the new data
        if not rebuild:
            return saved
        saved = list(saved)
        for i, tensor, _, counter in sources:
            if tensor is None:
                saved[i] = self._output_tensor(saved[i], counter) if as_tensors else saved[i]
            else:
                saved[i] = tensor if as_tensors else tensor._data
        return tuple(saved)

    def _output_tensor(self, data, counter):
        out = Tensor._make(data, True)
        out.grad_fn = self
        out._vc = counter
        return out

    def _raise_modified(self, now, expected, which):
        raise RuntimeError(
            f"{self.name}: one of the variables needed for gradient computation ({which} of "
            f"{self.name}) has been modified by an in-place operation: it is at version {now}; "
            f"expected version {expected}. Use an out-of-place operation, or clone() the tensor "
            f"before changing it in place.")

    def propagate(self, grad: Any) -> Sequence[Any]:
        """Engine protocol: runs the gradient rule on the final gradient of the output and hands
        back one gradient per input, as arrays (Tensors under create_graph), each fitted to its
        input's shape and dtype by the engine's `fitted`; for an input that needs none the value
        is unspecified (the engine skips it)."""
        if self._watched:
            for tensor, version in self._watched:
                if tensor._version != version:
                    self._raise_modified(tensor._version, version, "an index, mask or condition tensor")
        tensor_mode = type(grad) is Tensor
        if not tensor_mode and not self._array_forward:
            grad = _make(grad)
        grads = type(self).backward(self, grad)
        inputs = self.inputs
        if type(grads) is not tuple:
            grads = tuple(grads) if isinstance(grads, list) else (grads,)
        if len(grads) != len(inputs):
            raise RuntimeError(f"{self.name}.backward returned {len(grads)} gradients but forward "
                               f"took {len(inputs)} arguments: return one per argument "
                               f"(None for those that need no gradient)")
        for g, parent in zip(grads, inputs):  # usually every gradient fits its input already
            if g is not None and parent is not None and (type(g) is not _ndarray or g.dtype is not parent.output_dtype
                                                         or g.shape != parent.output_shape):
                return fitted(self, grads, _as_tensor if tensor_mode else _as_array)
        return grads

    def release(self) -> None:
        if self._saved:
            self._saved = None  # None: released (a node that saved nothing keeps its empty tuple)
            self._sources = ()

    # ---- inspection -----------------------------------------------------------------------
    @property
    def name(self) -> str:
        return type(self).__name__

    @property
    def next_functions(self) -> tuple[tuple[Node | None, int], ...]:
        """PyTorch-style: ((parent_node, 0), ...) per input, (None, 0) where no gradient flows."""
        return tuple((node, 0) for node in self.inputs)

    @property
    def args(self) -> tuple[Any, ...]:
        """The forward arguments: Tensors (an intermediate one None once garbage-collected) and
        constants. A Tensor may have changed in place since: compare its `_version` with
        `arg_versions`."""
        constants = self._constants or {}
        values = []
        for i, parent in enumerate(self.inputs):
            if parent is not None:
                value = parent.output if isinstance(parent, Function) else parent.variable
            else:
                value = constants.get(i)
            values.append(value)
        return tuple(values)

    @property
    def arg_versions(self) -> tuple[int, ...]:
        """For each forward argument, the version a Tensor there had when forward read it."""
        versions = self._versions or {}
        return tuple(versions.get(i, 0) for i in range(len(self.inputs)))

    def rerun(self, values: Sequence[Any]) -> np.ndarray:
        """The output array forward gives on `values` (one per forward argument, arrays where
        a gradient flows): the same code on the same arrays, so the same numbers. The drawing
        recomputes the values of freed intermediates with it."""
        args = [_make(v) if parent is not None else v for v, parent in zip(values, self.inputs)]
        with no_grad():
            return type(self).apply(*args, **(self._options or {}))._data

    @property
    def output(self) -> Tensor | None:
        """The Tensor this node produced, or None once it has been garbage-collected."""
        return self._output()

    @property
    def input_shapes(self) -> tuple[tuple[int, ...] | None, ...]:
        """The shape of each forward argument that needs a gradient (None for the others)."""
        return tuple(None if parent is None else parent.output_shape for parent in self.inputs)

    @property
    def released(self) -> bool:
        """True once backward has freed what this node saved (without retain_graph)."""
        return self._saved is None

    @property
    def saved_values(self) -> tuple[Any, ...]:
        """What the node holds for backward (arrays), empty once released."""
        return tuple(v._data if isinstance(v, Tensor) else v for v in self._saved or ())

    def register_hook(self, fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """Runs fn(grad) on the gradient of this node's output; fn may return a replacement."""
        hooks = self.__dict__.setdefault("pre_hooks", [])
        hooks.append(fn)
        return fn

    def __repr__(self) -> str:
        return f"<{self.name} node>"


class Primitive(Function):
    """An operation whose forward runs on NumPy arrays and whose backward is written in the
    vocabulary arrays and Tensors share (operators, `.T`, `.sum(axis=...)`, NumPy functions
    that dispatch to Tensor): the engine runs it on arrays (fast: no Tensor per intermediate)
    and, under create_graph=True, on Tensors, where it is recorded and differentiable again.
    Every built-in op is one; subclass it for custom ops that should run at that speed.

    Example:
        >>> import numpy as np, autograd as ag
        >>> class Softsign(ag.Primitive):  # x / (1 + |x|)
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x / (1 + np.abs(x))
        ...     @staticmethod
        ...     def backward(ctx, grad):
        ...         x, = ctx.saved_tensors  # an array, or a Tensor under create_graph
        ...         return grad / (1 + np.abs(x)) ** 2
        >>> x = ag.tensor(1.0, requires_grad=True)
        >>> g, = ag.grad(Softsign.apply(x), x, create_graph=True)
        >>> g.backward(); (g.item(), x.grad.item())
        (0.25, -0.25)
    """

    __slots__ = ()
    _array_forward = True


def _as_array(grad):
    """A gradient a rule returned, as the walk's currency on arrays."""
    return grad._data if isinstance(grad, Tensor) else np.asarray(grad)


def _as_tensor(grad):
    """A gradient a rule returned, as the walk's currency under create_graph (arrays stay arrays)."""
    return grad if isinstance(grad, Tensor) else _make(np.asarray(grad))


def watch_indices(out: Tensor, indices: Sequence[Any]) -> Tensor:
    """Index, mask and condition arrays are copied in forward, so backward always uses forward's
    values; like PyTorch, which saves those tensors, backward also raises if one of them has been
    changed in place since. Registers the Tensors among `indices` with the node that made `out`."""
    node = out.grad_fn
    if node is not None:
        watched = tuple((t, t._version) for t in indices if isinstance(t, Tensor))
        if watched:
            node._watched = watched  # type: ignore[misc]  # subclasses have a __dict__
    return out


def explained_error(op: str, error: Exception, args: Sequence[Any]) -> Exception:
    """Turns a NumPy error inside an op's forward into one that names the op and shapes.
    An error the forward raised itself ("matmul: ...") names them already and passes through."""
    message = str(error)
    if message.partition(":")[0].replace("_", "").lower() == op.replace("_", "").lower():
        return error
    if isinstance(error, TypeError):
        odd = [a for a in args if not isinstance(a, _OPERANDS)]
        if not odd:
            return error
        return TypeError(f"{op}: unsupported operand type {type(odd[0]).__name__} (use a number or a Tensor)")
    shapes = ", ".join(str(tuple(np.shape(a))) for a in args if isinstance(a, (Tensor, np.ndarray)))
    if "broadcast" in message:
        return ShapeError(f"{op}: shapes {shapes} cannot be broadcast together: each dimension, compared "
                          f"from the right, must be equal or 1 (reshape or unsqueeze an input to align them)")
    return ShapeError(f"{op}: {message} (input shapes: {shapes})")


# Bound last: tensor.py binds the ops, whose classes need Function above (so any module can be imported first).
from .tensor import Tensor  # noqa: E402

_make = Tensor._make
_OPERANDS = (Tensor, np.ndarray, np.generic, int, float, complex)  # what an op's forward can compute with
