"""Elementwise primitives. Gradient rules return gradients in the output's shape: the
engine's `fitted` (engine.py) sums them over the broadcast dimensions."""
from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import compiler
from ..shapes import ShapeError, broadcast_together
from ..function import Primitive, watch_indices
from ..tensor import Tensor
from .special import erf_array

if TYPE_CHECKING:
    from typing import TypeAlias

    from numpy.typing import DTypeLike

    from ..tensor import Operand

    UnaryOp: TypeAlias = Callable[[Operand], Tensor]
    BinaryOp: TypeAlias = Callable[[Operand, Operand], Tensor]


def raw(x: Any) -> Any:
    """The array behind a Tensor; anything else as it is."""
    return x._data if isinstance(x, Tensor) else x


def computed(function: Callable[..., Any], *operands: Any) -> Tensor:
    """function(*arrays) as a Tensor without a gradient (an index, a cast to integers: results
    NumPy computes in one call outside Function.apply); ag.compile records it as such a call."""
    result = np.asarray(function(*[raw(a) for a in operands]))
    if compiler.recorder is not None:
        compiler.recorder.compute(function, operands, result)
    return Tensor._make(result)


class Add(Primitive):
    symbol = "+"
    elementwise = True

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Primitive):
    symbol = "−"
    elementwise = True

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g):
        return g, -g


class Mul(Primitive):
    symbol = "×"
    elementwise = True

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(b if need_a else None, a if need_b else None)
        return a * b

    @staticmethod
    def backward(ctx, g):
        b, a = ctx.saved_tensors
        return (g * b if b is not None else None), (g * a if a is not None else None)


class Div(Primitive):
    symbol = "÷"
    elementwise = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        # (a / b) / b, as PyTorch: b * b would overflow float32 for |b| > 1.8e19
        return (g / b if need_a else None), (-g * ((a / b) / b) if need_b else None)


class Neg(Primitive):
    symbol = "−"
    elementwise = True

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g


class Pow(Primitive):
    symbol = "pow"  # drawn "(·)²", "2^(·)" where the exponent or the base is a constant
    elementwise = True
    power = True  # drawing: the first argument to the power of the second

    @staticmethod
    def forward(ctx, a, p):
        out = a ** p
        ctx.save_for_backward(a, p, out if ctx.needs_input_grad[1] else None)
        return out

    @staticmethod
    def backward(ctx, g):
        a, p, out = ctx.saved_tensors
        need_a, need_p = ctx.needs_input_grad
        grad_a = grad_p = None
        if need_a:
            if isinstance(p, numbers.Number):
                grad_a = g * 0 if p == 0 else g * p * a ** (p - 1)
            else:  # 0 where p == 0, even at a == 0 where p * a^(p-1) is 0 * inf (as PyTorch)
                grad_a = g * np.where(raw(p) == 0, 0.0, p * a ** (p - 1))
        if need_p:
            # d(a^p)/dp = a^p log(a), defined as 0 where a == 0 and p >= 0 (as PyTorch);
            # a Python base keeps a Python log, which does not promote float32 to float64
            with np.errstate(divide="ignore", invalid="ignore"):
                log_a = float(np.log(a)) if isinstance(a, numbers.Number) else np.log(a)
                grad_p = np.where(np.logical_and(raw(a) == 0, raw(p) >= 0), 0.0, g * out * log_a)
        return grad_a, grad_p


class Reciprocal(Primitive):
    symbol = "1/·"

    @staticmethod
    def forward(ctx, a):
        out = 1 / a
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return -g * (out * out)


class Rsqrt(Primitive):
    symbol = "1/√"

    @staticmethod
    def forward(ctx, a):
        out = 1 / np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return (g * -0.5) * (out * out * out)  # PyTorch's order, which keeps denormal results


class Exp(Primitive):
    symbol = "exp"
    elementwise = True

    @staticmethod
    def forward(ctx, a):
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g * out


class Log(Primitive):
    symbol = "log"
    elementwise = True

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g / a


class Log1p(Primitive):
    symbol = "log1p"
    elementwise = True

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log1p(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g / (a + 1)


class Expm1(Primitive):
    symbol = "expm1"
    elementwise = True

    @staticmethod
    def forward(ctx, a):
        out = np.expm1(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g * (out + 1)


class Sqrt(Primitive):
    symbol = "√"
    elementwise = True

    @staticmethod
    def forward(ctx, a):
        out = np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g / (2 * out)


class Abs(Primitive):
    symbol = "|·|"
    elementwise = True

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * np.sign(a)


class Sign(Primitive):
    symbol = "sign"
    elementwise = True

    @staticmethod
    def forward(ctx, a):
        return np.sign(a)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g)  # not g * 0, which is NaN where g is infinite


class Sin(Primitive):
    symbol = "sin"
    elementwise = True

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.sin(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * np.cos(a)


class Cos(Primitive):
    symbol = "cos"
    elementwise = True

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.cos(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return -g * np.sin(a)


class Tanh(Primitive):
    symbol = "tanh"
    elementwise = True

    @staticmethod
    def forward(ctx, a):
        out = np.tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g * (1 - out * out)


class Sigmoid(Primitive):
    symbol = "σ"
    elementwise = True

    @staticmethod
    def forward(ctx, a):
        out = np.exp(-np.logaddexp(0, -a))  # never overflows, unlike 1 / (1 + exp(-a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g * out * (1 - out)


class Relu(Primitive):
    symbol = "ReLU"
    elementwise = True

    @staticmethod
    def forward(ctx, a):
        out = np.maximum(a, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return _select(out > 0, g)


class Erf(Primitive):
    symbol = "erf"
    elementwise = True

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return erf_array(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * (2 / math.sqrt(math.pi)) * np.exp(-(a * a))


class Maximum(Primitive):
    symbol = "max"
    elementwise = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        share = _tie_share(raw(a) > raw(b), raw(a) == raw(b), g)  # ties split the gradient, as PyTorch
        return _shared(g, share), _shared(g, 1 - share)


class Minimum(Primitive):
    symbol = "min"
    elementwise = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        share = _tie_share(raw(a) < raw(b), raw(a) == raw(b), g)
        return _shared(g, share), _shared(g, 1 - share)


def _tie_share(wins, ties, g):
    """The first operand's share of the gradient: 1 where it wins, 1/2 on ties, in g's dtype."""
    return (wins + 0.5 * ties).astype(raw(g).dtype, copy=False)


def _shared(g, share):
    return _select(share != 0, g * share)


_UNSIGNED_OF_SIZE = {2: np.uint16, 4: np.uint32, 8: np.uint64}


def _select(mask, g):
    """g where mask holds, else 0: selected, as PyTorch's masking rules do, so an infinite
    gradient at a cut-off input gives 0, not inf * 0 = NaN. On float arrays this ANDs g's bits
    with the mask (np.where is ~15x slower on unpredictable masks); on Tensors (create_graph)
    it is a recorded where. (Not `type(g) is np.ndarray`: ag.compile traces this rule on
    stand-ins for arrays, and should find the fast path.)"""
    if not isinstance(g, Tensor) and g.dtype.kind == "f" and g.size > _SMALL:
        bits = _UNSIGNED_OF_SIZE[g.dtype.itemsize]
        return (g.view(bits) & np.negative(mask.view(np.uint8), dtype=bits)).view(g.dtype)
    return np.where(mask, g, 0)


_SMALL = 4096  # below this np.where's per-call cost, not its branches, is what counts


class Where(Primitive):
    symbol = "where"
    elementwise = True

    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.condition = condition = np.array(condition, dtype=bool)  # a private copy for backward
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx, g):
        c = ctx.condition
        return None, np.where(c, g, 0), np.where(c, 0, g)


class Clamp(Primitive):
    symbol = "clamp"
    elementwise = True

    @staticmethod
    def forward(ctx, a, low=None, high=None):
        ctx.low, ctx.high = low, high
        ctx.save_for_backward(a)  # as PyTorch: changing the input in place raises
        return np.clip(a, low, high)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        a = raw(a)
        inside = a >= ctx.low if ctx.low is not None else np.ones(a.shape, dtype=bool)
        if ctx.high is not None:
            inside &= a <= ctx.high
        return _select(inside, g)


class Cast(Primitive):
    _exact_dtype = True
    symbol = "cast"
    elementwise = True

    @staticmethod
    def forward(ctx, a, dtype=None):
        ctx.source = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.source)


class Clone(Primitive):
    symbol = "clone"
    elementwise = True

    @staticmethod
    def forward(ctx, a):
        return a.copy(order="C")

    @staticmethod
    def backward(ctx, g):
        return g


# ---- the functions users call -----------------------------------------------------------

def add(a: Operand, b: Operand, alpha: float = 1) -> Tensor:
    return Add.apply(a, b if alpha == 1 else b * alpha)


def sub(a: Operand, b: Operand, alpha: float = 1) -> Tensor:
    return Sub.apply(a, b if alpha == 1 else b * alpha)


# The op functions are the Functions' apply methods themselves (no wrapper to call through);
# declared, because the modules that use them may be type-checked before this one.
mul: BinaryOp
multiply: BinaryOp
div: BinaryOp
divide: BinaryOp
true_divide: BinaryOp
neg: UnaryOp
negative: UnaryOp
mul = multiply = Mul.apply
div = divide = true_divide = Div.apply
neg = negative = Neg.apply
exp: UnaryOp = Exp.apply
log: UnaryOp = Log.apply
log1p: UnaryOp = Log1p.apply
expm1: UnaryOp = Expm1.apply
sqrt: UnaryOp = Sqrt.apply
abs: UnaryOp = Abs.apply  # noqa: A001
sign: UnaryOp = Sign.apply
sin: UnaryOp = Sin.apply
cos: UnaryOp = Cos.apply
tanh: UnaryOp = Tanh.apply
sigmoid: UnaryOp = Sigmoid.apply
relu: UnaryOp = Relu.apply
reciprocal: UnaryOp = Reciprocal.apply
rsqrt: UnaryOp = Rsqrt.apply
erf: UnaryOp = Erf.apply
maximum: BinaryOp = Maximum.apply
minimum: BinaryOp = Minimum.apply
clone: UnaryOp = Clone.apply


def pow(a: Operand, exponent: Operand) -> Tensor:  # noqa: A001
    return Pow.apply(a, exponent)


def square(a: Tensor) -> Tensor:
    return Pow.apply(a, 2)


def where(condition: Operand, a: Operand, b: Operand) -> Tensor:
    """Elementwise `a` where `condition` holds, else `b`; gradients flow to the chosen side."""
    return watch_indices(Where.apply(raw(condition), a, b), (condition,))


def clamp(a: Tensor, min: Operand | None = None, max: Operand | None = None) -> Tensor:  # noqa: A002
    """Limits values to [min, max]; tensor bounds are accepted and receive gradients too."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = a
        if min is not None:
            out = where(raw(out) < raw(min), min, out)
        if max is not None:
            out = where(raw(out) > raw(max), max, out)
        return out
    return Clamp.apply(a, low=min, high=max)


clip = clamp


def masked_fill(a: Tensor, mask: Operand, value: Operand) -> Tensor:
    try:
        return where(mask, value, a)
    except ValueError:
        shape, mask_shape = np.shape(raw(a)), np.shape(raw(mask))
        if broadcast_together(shape, mask_shape):
            raise ShapeError(f"masked_fill: the value of shape {np.shape(raw(value))} cannot be broadcast to the "
                             f"shapes {shape} of the tensor and {mask_shape} of the mask; use a number or a 0-d "
                             f"tensor") from None
        raise ShapeError(f"masked_fill: the tensor of shape {shape} and the mask of shape {mask_shape} cannot be "
                         f"broadcast together: each dimension, compared from the right, must be equal or 1 "
                         f"(reshape or unsqueeze the mask to align them)") from None


def cast(a: Tensor, dtype: DTypeLike) -> Tensor:
    dtype = np.dtype(dtype)
    if dtype.kind not in "fc":  # integer and bool results carry no gradient
        return computed(functools.partial(np.array, dtype=dtype, copy=True), a)
    return Cast.apply(a, dtype=dtype)


def clamp_min(a: Tensor, min: Operand) -> Tensor:  # noqa: A002
    return clamp(a, min=min)


def clamp_max(a: Tensor, max: Operand) -> Tensor:  # noqa: A002
    return clamp(a, max=max)


def lerp(start: Operand, end: Operand, weight: Operand) -> Tensor:
    """start + weight * (end - start), broadcasting; differentiable in all three."""
    return Add.apply(start, Mul.apply(weight, Sub.apply(end, start)))
