"""More elementwise primitives: hyperbolic and inverse trigonometric functions, atan2 and hypot,
base-2 and base-10 logarithms and exp2. Like elementwise.py's, their rules return gradients in
the output's shape and use only what arrays and Tensors share."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..function import Primitive

if TYPE_CHECKING:
    from .elementwise import BinaryOp, UnaryOp


class Sinh(Primitive):
    symbol = "sinh"
    elementwise = True

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.sinh(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * np.cosh(a)


class Cosh(Primitive):
    symbol = "cosh"
    elementwise = True

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.cosh(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * np.sinh(a)


class Asin(Primitive):
    symbol = "asin"
    elementwise = True

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.arcsin(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * ((1 - a * a) ** -0.5)


class Acos(Primitive):
    symbol = "acos"
    elementwise = True

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.arccos(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * -((1 - a * a) ** -0.5)


class Atan(Primitive):
    symbol = "atan"
    elementwise = True

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.arctan(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g / (a * a + 1)


class Atan2(Primitive):
    """The angle of the point (b, a): atan2(a, b), in (-pi, pi]."""
    symbol = "atan2"
    elementwise = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.arctan2(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        scale = g / (a * a + b * b)
        return scale * b, -scale * a


class Hypot(Primitive):
    """sqrt(a^2 + b^2) without overflow (np.hypot); its gradient at (0, 0) is NaN, as PyTorch's."""
    symbol = "hypot"
    elementwise = True

    @staticmethod
    def forward(ctx, a, b):
        out = np.hypot(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        return g * (a / out), g * (b / out)


class Log2(Primitive):
    symbol = "log₂"
    elementwise = True

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log2(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g / (a * math.log(2.0))


class Log10(Primitive):
    symbol = "log₁₀"
    elementwise = True

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log10(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g / (a * math.log(10.0))


class Exp2(Primitive):
    symbol = "2^"
    elementwise = True

    @staticmethod
    def forward(ctx, a):
        out = np.exp2(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g * out * math.log(2.0)


sinh: UnaryOp = Sinh.apply
cosh: UnaryOp = Cosh.apply
asin: UnaryOp = Asin.apply
acos: UnaryOp = Acos.apply
atan: UnaryOp = Atan.apply
atan2: BinaryOp = Atan2.apply
hypot: BinaryOp = Hypot.apply
log2: UnaryOp = Log2.apply
log10: UnaryOp = Log10.apply
exp2: UnaryOp = Exp2.apply
arcsin = asin
"""Alias of `asin` (NumPy's name)."""
arccos = acos
"""Alias of `acos` (NumPy's name)."""
arctan = atan
"""Alias of `atan` (NumPy's name)."""
arctan2 = atan2
"""Alias of `atan2` (NumPy's name)."""
