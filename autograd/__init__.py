"""graphgrad's engine: tensors and scalars that record their computation graph, reverse-mode
differentiation over it, gradient checking and graph drawing. PyTorch's API, on NumPy."""
import math as _math

from .tensor import Tensor, is_tensor
from . import dtypes as _dtypes  # noqa: I001
from .backprop import backward, grad
from .creation import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like,
                       linspace, normal, ones, ones_like, rand, rand_like, randint, randn, randn_like,
                       randperm, tensor, zeros, zeros_like)
from .creation import bernoulli, clone, multinomial
from .device import cuda, device, get_num_threads, set_num_threads
from .drawing import BackwardSteps, ForwardSteps, GraphvizNotInstalledError, draw, draw_backward_steps, draw_forward_steps
from .dtypes import (bool, double, float, float16, float32, float64, get_default_dtype, int8, int16,  # noqa: A004
                     int32, int64, long, set_default_dtype, uint8)
from .dtypes import finfo, iinfo
from .function import Function, Primitive
from .shapes import ShapeError, Size
from .gradcheck import GradcheckError, check_module, gradcheck, gradgradcheck, numerical_jacobian
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad, set_grad_enabled
from .printing import set_printoptions
from .ops.activation import elu, gelu, leaky_relu, silu, softplus
from .ops.elementwise import (abs, add, clamp, clamp_max, clamp_min, clip, lerp, cos, div, divide, erf, exp, expm1, log, log1p,  # noqa: A004
                              masked_fill, maximum, minimum, mul, multiply, neg, pow, reciprocal, relu,
                              rsqrt, sigmoid, sign, sin, sqrt, square, sub, tanh, where)
from .ops.comparison import (allclose, ceil, eq, equal, fix, floor, floor_divide, frac, ge, gt, isclose,  # noqa: A004
                             isfinite, isinf, isnan, le, logical_and, logical_not, logical_or, logical_xor, lt, ne,
                             round, trunc)
from .ops.comparison import isin, nan_to_num
from .ops.cumulative import cumprod, logcumsumexp
from .ops.sorting import (argsort, bincount, bucketize, kthvalue, median, mode, msort, quantile, searchsorted, sort,
                          topk, unique)
from .ops.transcendental import (acos, arccos, arcsin, arctan, arctan2, asin, atan, atan2, cosh, exp2, hypot, log2,
                                 log10, sinh)
from .ops.linalg import (addmm, baddbmm, bmm, cdist, cross, diag, diag_embed, diagonal, dot, einsum, matmul, mm,
                         outer, trace)
from .ops.reduce import (all, amax, amin, any, argmax, argmin, count_nonzero, cumsum, max, mean, min, norm,  # noqa: A004
                         prod, std, std_mean, sum, var, var_mean)
from .ops.softmax import log_softmax, logsumexp, softmax
from .ops.shape import (broadcast_to, cat, chunk, concat, concatenate, expand, flatten, flip,
                        moveaxis, pad, permute, repeat, reshape, roll, split,
                        squeeze, stack, swapaxes, swapdims, tile, transpose, tril, triu, unflatten,
                        unfold, unsqueeze)
from .ops.shape import narrow
from .ops.indexing import (cartesian_prod, gather, index_select, masked_select, meshgrid, nonzero, repeat_interleave,
                           scatter_add)
from . import autograd, compiler, data, func, linalg
from .compile import CompileError, compile  # noqa: A004
from .func import vmap
from .linalg import cholesky_solve, det, logdet, slogdet
from .linalg import inv as inverse
from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .random import Generator, manual_seed, seed
from .serialization import load, save
from .scalar import Scalar, Value

is_floating_point = _dtypes.is_floating

pi = _math.pi
"""π, as torch.pi (a Python float)."""
e = _math.e
"""Euler's number, as torch.e (a Python float)."""
inf = _math.inf
"""Positive infinity, as torch.inf (a Python float)."""
nan = _math.nan
"""Not a number, as torch.nan (a Python float)."""


def numel(t: Tensor) -> int:
    return t.numel()


__all__ = [
    "Tensor", "Scalar", "Value", "Function", "Primitive", "tensor", "as_tensor", "from_numpy", "is_tensor",
    "zeros", "ones", "full", "empty", "arange", "linspace", "eye", "zeros_like", "ones_like", "full_like",
    "empty_like", "rand", "randn", "randint", "randperm", "normal", "rand_like", "randn_like",
    "manual_seed", "seed", "Generator",
    "float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool", "float", "double",
    "long", "get_default_dtype", "set_default_dtype", "is_floating_point", "device", "cuda",
    "add", "sub", "mul", "multiply", "div", "divide", "neg", "pow", "exp", "log", "log1p", "expm1", "sqrt",
    "rsqrt", "reciprocal", "abs", "sign", "sin", "cos", "tanh", "sigmoid", "relu", "leaky_relu", "elu", "gelu", "silu",
    "softplus", "erf", "clamp", "clip", "maximum", "minimum", "where", "square", "masked_fill",
    "eq", "ne", "lt", "le", "gt", "ge", "isnan", "isfinite", "isinf", "logical_and", "logical_or",
    "logical_not", "floor_divide",
    "sum", "mean", "prod", "max", "min", "amax", "amin", "var", "std", "logsumexp", "norm", "argmax",
    "argmin", "cumsum", "all", "any", "softmax", "log_softmax", "numel",
    "reshape", "flatten", "unflatten", "transpose", "permute", "swapaxes", "swapdims", "moveaxis",
    "squeeze", "unsqueeze", "expand", "broadcast_to", "repeat", "tile", "flip", "roll", "cat", "concat",
    "concatenate", "stack", "split", "chunk", "pad", "gather", "scatter_add", "index_select", "tril",
    "triu", "unfold", "outer", "einsum", "matmul", "dot", "mm", "bmm",
    "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "gradcheck", "gradgradcheck", "numerical_jacobian", "check_module", "GradcheckError", "ShapeError",
    "sort", "argsort", "msort", "topk", "kthvalue", "median", "mode", "quantile", "unique", "searchsorted",
    "bucketize", "bincount", "count_nonzero", "cumprod", "logcumsumexp", "std_mean", "var_mean",
    "equal", "allclose", "isclose", "nonzero", "masked_select", "clamp_min", "clamp_max", "lerp",
    "diag", "diagonal", "diag_embed", "trace", "cdist", "cross", "addmm", "baddbmm",
    "repeat_interleave", "meshgrid", "cartesian_prod", "logical_xor", "floor", "ceil", "round", "trunc", "fix",
    "frac", "sinh", "cosh", "asin", "acos", "atan", "arcsin", "arccos", "arctan", "atan2", "arctan2", "hypot",
    "log2", "log10", "exp2",
    "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "autograd", "data", "func", "linalg", "save", "load",
    "compile", "compiler", "CompileError",
    "det", "logdet", "slogdet", "inverse", "cholesky_solve",
    "draw", "draw_backward_steps", "draw_forward_steps", "BackwardSteps", "ForwardSteps", "GraphvizNotInstalledError",
    "vmap", "inference_mode", "is_inference_mode_enabled", "set_printoptions", "finfo", "iinfo", "pi", "e", "inf",
    "nan", "nan_to_num", "isin", "narrow", "multinomial", "bernoulli", "clone", "set_num_threads", "get_num_threads",
    "Size",
]
