"""Scalar: a pure-Python scalar node for hand-sized graphs (micrograd's `Value`, plus labels).

Each operation records its local derivatives (plain floats) when it runs, so backward is one
multiply-add per edge. It walks the graph with the engine's traversal, and draws the same way.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from . import anomaly
from .engine import hooked, run_backward, visit_order

if TYPE_CHECKING:
    from .drawing.dot import Drawing


class Scalar:
    """A float that remembers how it was computed.

    Example:
        >>> import autograd as ag
        >>> a, b = ag.Scalar(2.0, label="a"), ag.Scalar(-3.0, label="b")
        >>> c = a * b + a
        >>> c.backward()
        >>> c.data, a.grad, b.grad
        (-4.0, -2.0, 2.0)
    """

    # A node keeps its (at most two) inputs and their local derivatives in slots of its own,
    # not in tuples (`inputs` builds the tuple when asked): the cyclic GC then tracks one object
    # per node, not three: in bench W1 (torch loaded) the GC share of a step fell from >100 ms to <10 ms.
    # _in0, _in1: the inputs (None where absent); _local0, _local1: d(self)/d(_in0), d(self)/d(_in1);
    # _pending: the gradient gathered so far during backward (0.0 outside backward).
    __slots__ = ("data", "grad", "label", "name", "_in0", "_in1", "_local0", "_local1", "_pending", "__weakref__")
    data: float
    grad: float
    label: str
    name: str
    _in0: Scalar | None
    _in1: Scalar | None
    _local0: float
    _local1: float
    _pending: float
    pre_hooks: tuple[Any, ...] = ()
    output_shape = output_dtype = None  # node protocol: a Scalar's gradient is a float, with no shape or dtype

    def __init__(self, data: float, label: str = "", _children: Iterable[Scalar] = (), _op: str = "",
                 _local_grads: Iterable[float] = ()) -> None:
        self.data = float(data)
        self.grad = self._pending = 0.0
        self.label, self.name = label, _op
        self._in0 = self._in1 = None
        self._local0 = self._local1 = 0.0
        if _children or _local_grads:
            children, local_grads = tuple(_children), tuple(float(d) for d in _local_grads)
            if len(children) > 2 or len(local_grads) != len(children):
                raise ValueError(f"Scalar: give one local derivative per child (at most 2 children), got "
                                 f"{len(children)} children and {len(local_grads)} local derivatives")
            self._in0, self._in1 = (*children, None, None)[:2]
            self._local0, self._local1 = (*local_grads, 0.0, 0.0)[:2]

    # + and * build their node inline: they make most of a network's nodes, and calling
    # _binary instead makes each about 40% slower.
    def __add__(self, other: Scalar | float) -> Scalar:
        if type(other) is not Scalar:
            other = _as_scalar(other)
        out = _new(Scalar)
        out.data = self.data + other.data
        out.grad = out._pending = 0.0
        out.label, out.name, out._in0, out._in1 = "", "+", self, other
        out._local0 = out._local1 = 1.0
        return out

    def __mul__(self, other: Scalar | float) -> Scalar:
        if type(other) is not Scalar:
            other = _as_scalar(other)
        out = _new(Scalar)
        a, b = self.data, other.data
        out.data = a * b
        out.grad = out._pending = 0.0
        out.label, out.name, out._in0, out._in1 = "", "*", self, other
        out._local0, out._local1 = b, a
        return out

    def __sub__(self, other: Scalar | float) -> Scalar:
        other = _as_scalar(other)
        return _binary(self.data - other.data, self, other, "-", 1.0, -1.0)

    def __truediv__(self, other: Scalar | float) -> Scalar:
        other = _as_scalar(other)
        if other.data == 0:
            raise ZeroDivisionError("Scalar division by zero")
        return _binary(self.data / other.data, self, other, "/",
                       1.0 / other.data, -self.data / (other.data * other.data))

    def __pow__(self, exponent: float) -> Scalar:
        if not isinstance(exponent, numbers.Real):
            raise TypeError("Scalar ** only supports int or float exponents (as micrograd); "
                            "use exp(log(a) * b) for a Scalar exponent")
        local = exponent * self.data ** (exponent - 1) if exponent != 0 else 0.0
        return _unary(self.data ** exponent, self, f"**{exponent:g}", local)

    def __neg__(self) -> Scalar:
        return _unary(-self.data, self, "neg", -1.0)

    def __radd__(self, other: float) -> Scalar:
        return _as_scalar(other) + self

    def __rsub__(self, other: float) -> Scalar:
        return _as_scalar(other) - self

    def __rmul__(self, other: float) -> Scalar:
        return _as_scalar(other) * self

    def __rtruediv__(self, other: float) -> Scalar:
        return _as_scalar(other) / self

    def exp(self) -> Scalar:
        out = math.exp(self.data)
        return _unary(out, self, "exp", out)

    def log(self) -> Scalar:
        return _unary(math.log(self.data), self, "log", 1.0 / self.data)

    def tanh(self) -> Scalar:
        out = math.tanh(self.data)
        return _unary(out, self, "tanh", 1.0 - out * out)

    def sigmoid(self) -> Scalar:
        x = self.data
        out = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        return _unary(out, self, "sigmoid", out * (1.0 - out))

    def relu(self) -> Scalar:
        positive = self.data > 0
        return _unary(self.data if positive else 0.0, self, "ReLU", 1.0 if positive else 0.0)

    # ---- engine protocol (the generic engine, drawing and ag.func use these) ----------------
    @property
    def inputs(self) -> tuple[Scalar, ...]:
        """The Scalars this one was computed from (empty for a leaf)."""
        first = self._in0
        if first is None:
            return ()
        second = self._in1
        return (first,) if second is None else (first, second)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(self)/d(input) for each of `inputs`, recorded by the operation that made self."""
        return (self._local0, self._local1)[:len(self.inputs)]

    def propagate(self, grad: float) -> list[float]:
        return [local * grad for local in self.local_grads]

    def retain_hook(self, grad: float) -> None:
        self.grad += grad

    def release(self) -> None:
        pass

    def backward(self) -> None:
        """Adds d(self)/d(node) to `.grad` of every Scalar in the graph; no recursion."""
        if anomaly.mode.enabled:
            run_backward([self], [1.0])  # the checking walk
        else:
            _backward(self)

    # ---- drawing ----------------------------------------------------------------------------
    elementwise = True  # one number in, one out
    _SYMBOLS = {"+": "+", "*": "×", "-": "−", "/": "÷", "neg": "−", "sigmoid": "σ"}  # others read as their name

    @property
    def symbol(self) -> str | None:
        """The operator as textbooks write it, for drawings ("×", "σ", "(·)²"); None: its name."""
        name = self.name
        if name.startswith("**") and len(name) > 2:  # x ** 2 is the op "**2"
            from .drawing.style import power_symbol
            return power_symbol(name[2:])
        return self._SYMBOLS.get(name)

    def draw(self, **options: Any) -> Drawing:
        from .drawing import draw
        return draw(self, **options)

    # ---- micrograd compatibility and printing ---------------------------------------------
    @property
    def _prev(self) -> set[Scalar]:
        return set(self.inputs)

    @property
    def _op(self) -> str:
        return self.name

    def __float__(self) -> float:
        return self.data

    def __format__(self, spec: str) -> str:
        return format(self.data, spec)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"{type(self).__name__}(data={self.data:.6g}, grad={self.grad:.6g}{label})"


_new = object.__new__
def _as_scalar(value: Any) -> Scalar:
    """`value` as a Scalar: a number becomes a constant leaf (a node of its own, as in micrograd)."""
    kind = type(value)
    if kind is float or kind is int:  # the common case first: the ABC check below is slow
        return _binary(float(value), None, None, "", 0.0, 0.0)
    if isinstance(value, Scalar):
        return value
    if isinstance(value, numbers.Real):  # bool, NumPy numbers
        return _binary(float(value), None, None, "", 0.0, 0.0)
    raise TypeError(f"Scalar: cannot combine a Scalar with {type(value).__name__}; use numbers or Scalars")


def _binary(data: float, first: Scalar | None, second: Scalar | None, name: str, local0: float,
            local1: float) -> Scalar:
    """A Scalar made by an operation: no argument checks (the operation's values are floats)."""
    out = _new(Scalar)
    out.data = data
    out.grad = out._pending = 0.0
    out.label, out.name, out._in0, out._in1 = "", name, first, second
    out._local0, out._local1 = local0, local1
    return out


def _unary(data: float, first: Scalar, name: str, local: float) -> Scalar:
    return _binary(data, first, None, name, local, 0.0)


def _backward(root):
    """The engine's walk (run_backward) specialised to Scalars: the same visit order, hooks and
    retain_hook, with the gradients gathered in each node's `_pending` slot instead of a dict and
    Scalar's own propagate (one multiply-add per edge with the local derivatives forward
    recorded) written inline. Equal to run_backward's result, number for number."""
    root._pending += 1.0
    try:
        for node in visit_order((root,)):
            grad = node._pending
            node._pending = 0.0
            hooks = node.pre_hooks
            if hooks:
                grad = hooked(hooks, grad)
            node.retain_hook(grad)
            first = node._in0
            if first is not None:
                first._pending += node._local0 * grad
                second = node._in1
                if second is not None:
                    second._pending += node._local1 * grad
    except BaseException:  # e.g. KeyboardInterrupt: leave no half-gathered gradient behind
        for node in visit_order((root,)):
            node._pending = 0.0
        raise


Value = Scalar
