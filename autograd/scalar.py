"""Scalar: a pure-Python scalar node for hand-sized graphs (micrograd's `Value`, plus labels).

Each operation records its local derivatives when it runs, so backward is one
multiplication per edge. It runs on the same engine as Tensor, and draws the same way.
"""
import math
import numbers

from .engine import run_backward


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

    __slots__ = ("data", "grad", "label", "inputs", "local_grads", "name", "__weakref__")
    pre_hooks = ()

    def __init__(self, data, label="", _children=(), _op="", _local_grads=()):
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self.inputs = tuple(_children)
        self.local_grads = tuple(_local_grads)
        self.name = _op

    @staticmethod
    def _wrap(other):
        if isinstance(other, Scalar):
            return other
        if isinstance(other, (int, float, numbers.Real)):  # NumPy numbers too
            return _node(float(other), (), "", ())
        raise TypeError(f"Scalar: cannot combine a Scalar with {type(other).__name__}; use numbers or Scalars")

    def __add__(self, other):
        other = Scalar._wrap(other)
        return _node(self.data + other.data, (self, other), "+", (1.0, 1.0))

    def __mul__(self, other):
        other = Scalar._wrap(other)
        return _node(self.data * other.data, (self, other), "*", (other.data, self.data))

    def __sub__(self, other):
        other = Scalar._wrap(other)
        return _node(self.data - other.data, (self, other), "-", (1.0, -1.0))

    def __truediv__(self, other):
        other = Scalar._wrap(other)
        if other.data == 0:
            raise ZeroDivisionError("Scalar division by zero")
        return _node(self.data / other.data, (self, other), "/",
                      (1.0 / other.data, -self.data / (other.data * other.data)))

    def __pow__(self, exponent):
        if not isinstance(exponent, (int, float, numbers.Real)):
            raise TypeError("Scalar ** only supports int or float exponents (as micrograd); "
                            "use exp(log(a) * b) for a Scalar exponent")
        return _node(self.data ** exponent, (self,), f"**{exponent:g}",
                      (exponent * self.data ** (exponent - 1),) if exponent != 0 else (0.0,))

    def __neg__(self):
        return _node(-self.data, (self,), "neg", (-1.0,))

    def __radd__(self, other):
        return Scalar._wrap(other) + self

    def __rsub__(self, other):
        return Scalar._wrap(other) - self

    def __rmul__(self, other):
        return Scalar._wrap(other) * self

    def __rtruediv__(self, other):
        return Scalar._wrap(other) / self

    def exp(self):
        out = math.exp(self.data)
        return _node(out, (self,), "exp", (out,))

    def log(self):
        return _node(math.log(self.data), (self,), "log", (1.0 / self.data,))

    def tanh(self):
        out = math.tanh(self.data)
        return _node(out, (self,), "tanh", (1.0 - out * out,))

    def sigmoid(self):
        x = self.data
        out = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        return _node(out, (self,), "sigmoid", (out * (1.0 - out),))

    def relu(self):
        positive = self.data > 0
        return _node(self.data if positive else 0.0, (self,), "ReLU", (1.0 if positive else 0.0,))

    # ---- engine protocol ------------------------------------------------------------------
    def propagate(self, grad):
        return [local * grad for local in self.local_grads]

    def retain_hook(self, grad):
        self.grad += grad

    def release(self):
        pass

    def backward(self):
        """Adds d(self)/d(node) to `.grad` of every Scalar in the graph; no recursion."""
        run_backward([self], [1.0])

    def draw(self, **options):
        from .draw import draw
        return draw(self, **options)

    # ---- micrograd compatibility and printing ---------------------------------------------
    @property
    def _prev(self):
        return set(self.inputs)

    @property
    def _op(self):
        return self.name

    def __float__(self):
        return self.data

    def __format__(self, spec):
        return format(self.data, spec)

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"{type(self).__name__}(data={self.data:.6g}, grad={self.grad:.6g}{label})"


def _node(data, inputs, name, local_grads):
    """A Scalar made by an operation: no argument checks (the operation's values are floats)."""
    node = _new(Scalar)
    node.data, node.grad, node.label = data, 0.0, ""
    node.inputs, node.name, node.local_grads = inputs, name, local_grads
    return node


_new = object.__new__
Value = Scalar
