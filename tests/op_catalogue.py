"""Every differentiable op in API.md, once: our callable, its PyTorch and NumPy references,
where its inputs may be drawn from, and how their shapes may vary. tests/autograd/test_ops.py turns
each entry into a forward check against NumPy, gradcheck, gradgradcheck and a comparison of
values and gradients with PyTorch. Adding an op is adding an entry here.

Models: minitorch's MathTest (one table of ops and their references) and MyGrad's tests
(hypothesis' mutually_broadcastable_shapes for the shapes of broadcasting ops).
"""
import math
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np

import autograd as ag
from nn.functional import conv_transpose2d, recurrent

Shape = tuple
Sampler = Callable[[np.random.Generator, Sequence[Shape]], list]


class _TorchReference:
    """`torch.exp`, `torch.nn.functional.gelu`, ...: looked up when called, so this table
    imports without PyTorch (the tests that need it then skip)."""

    def __init__(self, path=()):
        self._path = path

    def __getattr__(self, name):
        if name.startswith("_"):  # torch's API is public names; answering `_repr_pretty_` would fool printers
            raise AttributeError(name)
        return _TorchReference(self._path + (name,))

    def __call__(self, *args, **kwargs):
        import torch as target
        for name in self._path:
            target = getattr(target, name)
        return target(*args, **kwargs)


torch = _TorchReference()
F = torch.nn.functional


# ---- input domains: each draws float64 arrays, one per input shape --------------------------

def real(rng, shapes):
    return [rng.uniform(-2.0, 2.0, s) for s in shapes]


def positive(rng, shapes):
    return [rng.uniform(0.5, 2.0, s) for s in shapes]


def above_minus_one(rng, shapes):
    return [rng.uniform(-0.5, 2.0, s) for s in shapes]


def away_from(*kinks, margin=0.1):
    """Real values at least `margin` from each kink, so finite differences never straddle one."""
    def sample(rng, shapes):
        arrays = real(rng, shapes)
        for kink in kinks:
            arrays = [np.where(np.abs(a - kink) < margin, a + np.where(a >= kink, 2 * margin, -2 * margin), a)
                      for a in arrays]
        return arrays
    return sample


away_from_zero = away_from(0.0)


def distinct(rng, shapes):
    """Values (and magnitudes) at least 0.1 apart across all inputs and away from zero and
    from +-0.6 and +-0.9 (the clamp bounds below): no ties for max, min, maximum, clamp or
    the inf-norm, and no sign changes under finite differences."""
    sizes = [int(np.prod(s)) for s in shapes]
    magnitudes = 0.2 + 0.15 * rng.permutation(sum(sizes)) + rng.uniform(0.0, 0.05, sum(sizes))
    values = magnitudes * rng.choice([-1.0, 1.0], sum(sizes))
    pieces = np.split(values, np.cumsum(sizes)[:-1])
    return [p.reshape(s) for p, s in zip(pieces, shapes)]


def zeros_at(*positions):
    """Non-zero values with exact zeros at the given flat positions of the first input."""
    def sample(rng, shapes):
        arrays = away_from_zero(rng, shapes)
        arrays[0].reshape(-1)[list(positions)] = 0.0
        return arrays
    return sample


def choice(*values):
    """Inputs made only of `values`: kinks and ties on purpose (compared with PyTorch only)."""
    def sample(rng, shapes):
        return [rng.choice(np.array(values, dtype=np.float64), s) for s in shapes]
    return sample


def per_input(*samplers):
    """A different domain for each input, e.g. per_input(positive, real) for a ** b."""
    def sample(rng, shapes):
        return [s(rng, [shape])[0] for s, shape in zip(samplers, shapes)]
    return sample


# ---- the table entry ----------------------------------------------------------------------

@dataclass(frozen=True)
class Op:
    """One op under test.

    name: the test id. fn: our op on ag.Tensors. torch_fn: the same op on torch tensors
    (None: fn's own code, which runs unchanged on torch tensors). numpy_fn: the forward on
    float64 arrays, where NumPy has a natural one. shapes: one example shape per input (the
    arity is len(shapes)). domain: where input values are drawn from. broadcasts: the op takes
    any mutually broadcastable input shapes (any shape at all for one input: elementwise ops,
    full reductions), so gradcheck draws them. signature: a gufunc signature for the drawn
    shapes instead (matmul). smooth: False for entries whose inputs sit on kinks or ties on
    purpose, where only the comparison with PyTorch's choice of subgradient makes sense (no
    gradcheck or gradgradcheck there).
    """
    name: str
    fn: Callable
    torch_fn: Optional[Callable] = None
    numpy_fn: Optional[Callable] = None
    shapes: tuple = ((3, 4),)
    domain: Sampler = real
    broadcasts: bool = False
    signature: Optional[str] = None
    smooth: bool = True

    @property
    def arity(self) -> int:
        return len(self.shapes)

    @property
    def reference(self) -> Callable:
        return self.torch_fn if self.torch_fn is not None else self.fn

    def sample(self, seed: int, shapes: Optional[Sequence[Shape]] = None) -> list:
        """Float64 input arrays for this op, reproducible from `seed`."""
        return self.domain(np.random.default_rng(seed), shapes if shapes is not None else self.shapes)


UNARY, BINARY, TERNARY = ((3, 4),), ((2, 1), (1, 3)), ((2, 1), (1, 3), (3,))


def unary(name, fn, torch_fn, numpy_fn, domain=real, **options):
    return Op(name, fn, torch_fn, numpy_fn, UNARY, domain, broadcasts=True, **options)


def binary(name, fn, torch_fn, numpy_fn, domain=real, **options):
    return Op(name, fn, torch_fn, numpy_fn, BINARY, domain, broadcasts=True, **options)


def getitem(name, index, shape=(3, 4), domain=real):
    """Indexing: the same subscript works on our tensors, torch tensors and arrays."""
    return Op(f"getitem_{name}", lambda x: x[index], None, lambda x: x[index], (shape,), domain)


# ---- NumPy references that are not one NumPy call ------------------------------------------

_erf = np.vectorize(math.erf)


def _np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _np_gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def _np_softplus(x, beta=1.0, threshold=20.0):
    return np.where(beta * x > threshold, x, np.log1p(np.exp(beta * x)) / beta)


def _np_softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _np_unfold(x, axis, size, step):
    windows = np.lib.stride_tricks.sliding_window_view(x, size, axis=axis)
    return windows[(slice(None),) * axis + (slice(None, None, step),)]


def _np_scatter_add(x, axis, index, src):
    out = x.copy()
    grid = list(np.indices(index.shape, sparse=True))
    grid[axis] = index
    np.add.at(out, tuple(grid), src[tuple(slice(0, n) for n in index.shape)])
    return out


def _np_clamp_tensor(x, low, high):
    return np.minimum(np.maximum(x, low), high)


def _np_norm(p, axis=None):
    def norm(x):
        if axis is None:
            x = x.reshape(-1)
        return np.linalg.norm(x, ord=p, axis=axis if axis is not None else 0)
    return norm


# ---- constants the entries index with (repeats on purpose: backward must accumulate) ----------

GATHER_INDEX = np.array([[0, 0], [3, 1], [2, 2]])
GATHER_SMALL_INDEX = np.array([[2, 0, 1], [1, 1, 0]])  # smaller than the input off dim 0
SCATTER_INDEX = np.array([[0, 2, 0, 1], [0, 0, 2, 2]])
SELECT_INDEX = np.array([2, 0, 2])
ROW_MASK = np.array([True, False, True, True])
BOOL_MASK = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])


def _long(index):
    return torch.as_tensor(index)


# ---- the catalogue ------------------------------------------------------------------------

ARITHMETIC = [
    binary("add", lambda a, b: a + b, None, np.add),
    binary("add_alpha", lambda a, b: ag.add(a, b, alpha=2.0), lambda a, b: torch.add(a, b, alpha=2.0),
           lambda a, b: a + 2.0 * b),
    binary("sub", lambda a, b: a - b, None, np.subtract),
    binary("mul", lambda a, b: a * b, None, np.multiply),
    binary("div", lambda a, b: a / b, None, np.divide, per_input(real, away_from_zero)),
    binary("pow", lambda a, b: a ** b, None, np.power, per_input(positive, real)),
    binary("pow_function", ag.pow, torch.pow, np.power, per_input(positive, real)),
    unary("neg", lambda a: -a, None, np.negative),
    unary("radd", lambda a: 2.0 + a, None, lambda a: 2.0 + a),
    unary("rsub", lambda a: 2 - a, None, lambda a: 2 - a),
    unary("rmul", lambda a: 2.0 * a, None, lambda a: 2.0 * a),
    unary("rdiv", lambda a: 2.0 / a, None, lambda a: 2.0 / a, away_from_zero),
    unary("rpow", lambda a: 2.0 ** a, None, lambda a: 2.0 ** a),
    unary("pow_scalar_int", lambda a: a ** 3, None, lambda a: a ** 3),
    unary("pow_scalar_float", lambda a: a ** 1.5, None, lambda a: a ** 1.5, positive),
    unary("pow_scalar_zero", lambda a: a ** 0, None, lambda a: a ** 0),
    unary("square", ag.square, torch.square, np.square),
]

ELEMENTWISE = [
    unary("exp", ag.exp, torch.exp, np.exp),
    unary("log", ag.log, torch.log, np.log, positive),
    unary("log1p", ag.log1p, torch.log1p, np.log1p, above_minus_one),
    unary("expm1", ag.expm1, torch.expm1, np.expm1),
    unary("sqrt", ag.sqrt, torch.sqrt, np.sqrt, positive),
    unary("rsqrt", ag.rsqrt, torch.rsqrt, lambda x: 1 / np.sqrt(x), positive),
    unary("reciprocal", ag.reciprocal, torch.reciprocal, lambda x: 1 / x, positive),
    unary("number_over_tensor", lambda a: 2.0 / a, lambda a: 2.0 / a, lambda x: 2.0 / x, positive),
    unary("abs", ag.abs, torch.abs, np.abs, away_from_zero),
    unary("sign", ag.sign, torch.sign, np.sign, away_from_zero),
    unary("erf", ag.erf, torch.erf, _erf),
    unary("sin", ag.sin, torch.sin, np.sin),
    unary("cos", ag.cos, torch.cos, np.cos),
    unary("tanh", ag.tanh, torch.tanh, np.tanh),
    unary("sigmoid", ag.sigmoid, torch.sigmoid, _np_sigmoid),
    unary("relu", ag.relu, torch.relu, lambda x: np.maximum(x, 0), away_from_zero),
    unary("leaky_relu", ag.leaky_relu, F.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x), away_from_zero),
    unary("leaky_relu_slope", lambda x: ag.leaky_relu(x, 0.2), lambda x: F.leaky_relu(x, 0.2),
          lambda x: np.where(x > 0, x, 0.2 * x), away_from_zero),
    unary("elu", ag.elu, F.elu, lambda x: np.where(x > 0, x, np.expm1(x)), away_from_zero),
    unary("elu_alpha", lambda x: ag.elu(x, alpha=0.5), lambda x: F.elu(x, alpha=0.5),
          lambda x: np.where(x > 0, x, 0.5 * np.expm1(x)), away_from_zero),
    unary("gelu", ag.gelu, F.gelu, lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2)))),
    unary("gelu_tanh", lambda x: ag.gelu(x, approximate="tanh"), lambda x: F.gelu(x, approximate="tanh"),
          _np_gelu_tanh),
    unary("silu", ag.silu, F.silu, lambda x: x * _np_sigmoid(x)),
    unary("softplus", ag.softplus, F.softplus, _np_softplus),
    unary("softplus_threshold", lambda x: ag.softplus(x, beta=2.0, threshold=1.0),
          lambda x: F.softplus(x, beta=2.0, threshold=1.0), lambda x: _np_softplus(x, 2.0, 1.0), away_from(0.5)),
    unary("clamp", lambda x: x.clamp(-0.6, 0.9), None, lambda x: np.clip(x, -0.6, 0.9), distinct),
    unary("clamp_min", lambda x: ag.clamp(x, min=-0.6), lambda x: torch.clamp(x, min=-0.6),
          lambda x: np.maximum(x, -0.6), distinct),
    unary("clamp_max", lambda x: ag.clamp(x, max=0.9), lambda x: torch.clamp(x, max=0.9),
          lambda x: np.minimum(x, 0.9), distinct),
    unary("clip", lambda x: ag.clip(x, -0.6, 0.9), lambda x: torch.clip(x, -0.6, 0.9),
          lambda x: np.clip(x, -0.6, 0.9), distinct),
    Op("clamp_tensor_bounds", lambda x, lo, hi: x.clamp(lo, hi), None, _np_clamp_tensor, TERNARY, distinct,
       broadcasts=True),
    Op("clamp_tensor_min", lambda x, lo: x.clamp(min=lo), None, np.maximum, BINARY, distinct, broadcasts=True),
    binary("maximum", ag.maximum, torch.maximum, np.maximum, distinct),
    binary("minimum", ag.minimum, torch.minimum, np.minimum, distinct),
    binary("where", lambda a, b: ag.where(a > 0, a, b), lambda a, b: torch.where(a > 0, a, b),
           lambda a, b: np.where(a > 0, a, b), away_from_zero),
    unary("masked_fill", lambda x: x.masked_fill(x < 0, 0.5), None, lambda x: np.where(x < 0, 0.5, x),
          away_from_zero),
    Op("masked_fill_broadcast_mask", lambda x: x.masked_fill(ROW_MASK, -1.0),
       lambda x: x.masked_fill(torch.as_tensor(ROW_MASK), -1.0), lambda x: np.where(ROW_MASK, -1.0, x)),
]

REDUCTIONS = [
    Op("sum", ag.sum, torch.sum, np.sum, ((2, 3, 2),), broadcasts=True),
    Op("sum_dim", lambda x: x.sum(1), None, lambda x: x.sum(1), ((2, 3, 2),)),
    Op("sum_dims_keepdim", lambda x: x.sum(dim=(0, 2), keepdim=True), None,
       lambda x: x.sum(axis=(0, 2), keepdims=True), ((2, 3, 2),)),
    Op("sum_axis_alias", lambda x: ag.sum(x, axis=-1), lambda x: torch.sum(x, dim=-1), lambda x: x.sum(-1)),
    Op("mean", ag.mean, torch.mean, np.mean, broadcasts=True),
    Op("mean_dim", lambda x: x.mean(dim=0, keepdim=True), None, lambda x: x.mean(0, keepdims=True)),
    Op("prod", ag.prod, torch.prod, np.prod, ((2, 3),), broadcasts=True),
    Op("prod_dim", lambda x: x.prod(1), None, lambda x: x.prod(1)),
    # row 0 has one zero, row 1 has two, row 2 none
    Op("prod_dim_with_zeros", lambda x: x.prod(1), None, lambda x: x.prod(1), domain=zeros_at(0, 4, 5)),
    Op("prod_with_a_zero", ag.prod, torch.prod, np.prod, ((2, 3),), zeros_at(4)),
    Op("prod_with_two_zeros", ag.prod, torch.prod, np.prod, ((2, 3),), zeros_at(1, 4)),
    Op("max", ag.max, torch.max, np.max, domain=distinct, broadcasts=True),
    Op("max_dim", lambda x: ag.max(x, dim=1), lambda x: torch.max(x, dim=1),
       lambda x: (x.max(1), x.argmax(1)), domain=distinct),
    Op("min", lambda x: x.min(), None, np.min, domain=distinct, broadcasts=True),
    Op("min_dim_keepdim", lambda x: x.min(0, keepdim=True), None,
       lambda x: (x.min(0, keepdims=True), x.argmin(0, keepdims=True)), domain=distinct),
    Op("amax", lambda x: x.amax(dim=(0, 1)), None, lambda x: x.max(axis=(0, 1)), ((2, 3, 2),), distinct),
    Op("amin", lambda x: x.amin(dim=-1, keepdim=True), None, lambda x: x.min(-1, keepdims=True), domain=distinct),
    Op("var", ag.var, torch.var, lambda x: np.var(x, ddof=1)),
    Op("var_dim_correction0", lambda x: x.var(1, correction=0, keepdim=True), None,
       lambda x: np.var(x, axis=1, keepdims=True)),
    Op("var_dims_correction2", lambda x: ag.var(x, dim=(0, 1), correction=2), lambda x: torch.var(x, dim=(0, 1), correction=2),
       lambda x: np.var(x, axis=(0, 1), ddof=2), ((2, 3, 2),)),
    Op("std", ag.std, torch.std, lambda x: np.std(x, ddof=1)),
    Op("std_dim_unbiased_false", lambda x: ag.std(x, dim=0, unbiased=False), lambda x: torch.std(x, dim=0, unbiased=False),
       lambda x: np.std(x, axis=0)),
    Op("std_correction0", lambda x: x.std(correction=0), None, np.std),
    Op("logsumexp", lambda x: x.logsumexp(1), None, lambda x: np.log(np.exp(x).sum(1))),
    Op("logsumexp_dims_keepdim", lambda x: ag.logsumexp(x, dim=(0, 2), keepdim=True),
       lambda x: torch.logsumexp(x, dim=(0, 2), keepdim=True),
       lambda x: np.log(np.exp(x).sum(axis=(0, 2), keepdims=True)), ((2, 3, 2),)),
    Op("softmax", lambda x: ag.softmax(x, 1), lambda x: torch.softmax(x, 1), lambda x: _np_softmax(x, 1)),
    Op("log_softmax", lambda x: ag.log_softmax(x, -1), lambda x: torch.log_softmax(x, -1),
       lambda x: np.log(_np_softmax(x, -1))),
    Op("norm", ag.norm, torch.norm, _np_norm(2), broadcasts=True),
    Op("norm_dim", lambda x: x.norm(dim=1), None, _np_norm(2, axis=1)),
    Op("norm_p1", lambda x: x.norm(p=1), None, _np_norm(1), domain=away_from_zero, broadcasts=True),
    Op("norm_inf", lambda x: x.norm(p=float("inf")), None, _np_norm(np.inf), domain=distinct, broadcasts=True),
    Op("norm_p3_dim", lambda x: x.norm(p=3, dim=0, keepdim=True), None,
       lambda x: (np.abs(x) ** 3).sum(0, keepdims=True) ** (1 / 3), domain=away_from_zero),
    Op("cumsum", lambda x: x.cumsum(1), None, lambda x: x.cumsum(1)),
    Op("cumsum_first_dim", lambda x: ag.cumsum(x, dim=0), lambda x: torch.cumsum(x, dim=0),
       lambda x: x.cumsum(0), ((2, 3, 2),)),
]

SHAPE = [
    Op("reshape", lambda x: x.reshape(4, 3), None, lambda x: x.reshape(4, 3)),
    Op("reshape_inferred", lambda x: ag.reshape(x, (2, -1)), lambda x: torch.reshape(x, (2, -1)),
       lambda x: x.reshape(2, -1)),
    Op("view", lambda x: x.view(2, 6), None, lambda x: x.reshape(2, 6)),
    Op("flatten", lambda x: x.flatten(), None, lambda x: x.reshape(-1), ((2, 3, 2),)),
    Op("flatten_start", lambda x: x.flatten(1), None, lambda x: x.reshape(2, 6), ((2, 3, 2),)),
    Op("unflatten", lambda x: x.unflatten(1, (2, 2)), None, lambda x: x.reshape(3, 2, 2)),
    Op("transpose", lambda x: x.transpose(0, 1), None, lambda x: x.T),
    Op("transpose_3d", lambda x: x.transpose(-1, 0), None, lambda x: np.swapaxes(x, -1, 0), ((2, 3, 2),)),
    Op("T", lambda x: x.T, None, lambda x: x.T),
    Op("mT", lambda x: x.mT, None, lambda x: np.swapaxes(x, -1, -2), ((2, 3, 2),)),
    Op("permute", lambda x: x.permute(2, 0, 1), None, lambda x: x.transpose(2, 0, 1), ((2, 3, 2),)),
    Op("swapaxes", lambda x: x.swapaxes(0, 2), None, lambda x: x.swapaxes(0, 2), ((2, 3, 2),)),
    Op("moveaxis", lambda x: ag.moveaxis(x, 0, -1), lambda x: torch.moveaxis(x, 0, -1), lambda x: np.moveaxis(x, 0, -1),
       ((2, 3, 2),)),
    Op("clone", lambda x: x.clone(), None, np.copy),
    Op("squeeze", lambda x: x.squeeze(), None, np.squeeze, ((2, 1, 3, 1),)),
    Op("squeeze_dim", lambda x: x.squeeze(-1), None, lambda x: x.squeeze(-1), ((2, 1, 3, 1),)),
    Op("unsqueeze", lambda x: x.unsqueeze(0), None, lambda x: x[None]),
    Op("unsqueeze_last", lambda x: x.unsqueeze(-1), None, lambda x: x[..., None]),
    Op("expand", lambda x: x.expand(2, 3, 4), None, lambda x: np.broadcast_to(x, (2, 3, 4)), ((3, 1),)),
    Op("expand_minus_one", lambda x: x.expand(2, -1, 4), None, lambda x: np.broadcast_to(x, (2, 3, 4)), ((3, 1),)),
    Op("broadcast_to", lambda x: ag.broadcast_to(x, (2, 3, 4)), lambda x: torch.broadcast_to(x, (2, 3, 4)),
       lambda x: np.broadcast_to(x, (2, 3, 4)), ((3, 1),)),
    Op("repeat", lambda x: x.repeat(2, 1, 2), None, lambda x: np.tile(x, (2, 1, 2)), ((2, 2),)),
    Op("tile", lambda x: x.tile((2,)), None, lambda x: np.tile(x, 2), ((2, 3),)),
    Op("flip", lambda x: x.flip(0), None, lambda x: np.flip(x, 0)),
    Op("flip_dims", lambda x: ag.flip(x, (0, 1)), lambda x: torch.flip(x, (0, 1)), lambda x: np.flip(x, (0, 1))),
    Op("roll", lambda x: x.roll(1, 0), None, lambda x: np.roll(x, 1, 0)),
    Op("roll_dims", lambda x: x.roll((1, -2), (0, 1)), None, lambda x: np.roll(x, (1, -2), (0, 1))),
    Op("roll_flat", lambda x: x.roll(2), None, lambda x: np.roll(x, 2)),
    getitem("int", np.s_[1]),
    getitem("negative_int_slice", np.s_[-1, 1:3]),
    getitem("step_slices", np.s_[::2, 1:]),
    getitem("none_ellipsis", np.s_[None, ..., 1]),
    getitem("ellipsis_step", np.s_[..., ::2], (2, 3, 4)),
    getitem("bool_mask", np.s_[BOOL_MASK]),
    getitem("row_mask", np.s_[np.array([True, False, True])]),
    getitem("int_array_repeats", np.s_[[0, 2, 0]]),
    getitem("two_int_arrays", np.s_[[0, 2, 0], [1, 1, 3]]),
    getitem("slice_and_int_array", np.s_[1:, [0, 0, 2]]),
    getitem("int_array_2d", np.s_[np.array([[0, 1], [1, 1]])]),
    Op("getitem_data_mask", lambda x: x[x > 0], None, lambda x: x[x > 0], domain=away_from_zero),
    Op("cat", lambda a, b: ag.cat([a, b], dim=1), lambda a, b: torch.cat([a, b], dim=1),
       lambda a, b: np.concatenate([a, b], 1), ((2, 3), (2, 1))),
    Op("cat_same_tensor_twice", lambda a, b: ag.cat([a, b, a]), lambda a, b: torch.cat([a, b, a]),
       lambda a, b: np.concatenate([a, b, a]), ((1, 3), (2, 3))),
    Op("stack", lambda a, b: ag.stack([a, b], dim=1), lambda a, b: torch.stack([a, b], dim=1),
       lambda a, b: np.stack([a, b], 1), ((2, 3), (2, 3))),
    Op("stack_last", lambda a, b: ag.stack([a, b], dim=-1), lambda a, b: torch.stack([a, b], dim=-1),
       lambda a, b: np.stack([a, b], -1), ((2, 3), (2, 3))),
    Op("split", lambda x: x.split(2, dim=1), None, lambda x: np.split(x, [2, 4], 1), ((3, 5),)),
    Op("split_sections", lambda x: ag.split(x, [1, 3], dim=1), lambda x: torch.split(x, [1, 3], dim=1),
       lambda x: np.split(x, [1], 1)),
    Op("chunk", lambda x: x.chunk(3, dim=1), None, lambda x: np.split(x, [2], 1)),
    Op("chunk_uneven", lambda x: ag.chunk(x, 2), lambda x: torch.chunk(x, 2), lambda x: np.split(x, [3]), ((5, 2),)),
    Op("pad", lambda x: ag.pad(x, (1, 2)), lambda x: F.pad(x, (1, 2)), lambda x: np.pad(x, ((0, 0), (1, 2)))),
    Op("pad_two_dims_value", lambda x: ag.pad(x, (1, 0, 0, 2), value=0.5), lambda x: F.pad(x, (1, 0, 0, 2), value=0.5),
       lambda x: np.pad(x, ((0, 2), (1, 0)), constant_values=0.5)),
    Op("gather", lambda x: x.gather(1, ag.tensor(GATHER_INDEX)), lambda x: x.gather(1, _long(GATHER_INDEX)),
       lambda x: np.take_along_axis(x, GATHER_INDEX, 1)),
    Op("gather_small_index", lambda x: ag.gather(x, 0, GATHER_SMALL_INDEX),
       lambda x: torch.gather(x, 0, _long(GATHER_SMALL_INDEX)),
       lambda x: np.take_along_axis(x[:, :3], GATHER_SMALL_INDEX, 0)),
    Op("scatter_add", lambda x, src: x.scatter_add(0, ag.tensor(SCATTER_INDEX), src),
       lambda x, src: x.scatter_add(0, _long(SCATTER_INDEX), src),
       lambda x, src: _np_scatter_add(x, 0, SCATTER_INDEX, src), ((3, 4), (2, 4))),
    Op("scatter_add_larger_src", lambda x, src: ag.scatter_add(x, 0, SCATTER_INDEX, src),
       # only the index-shaped corner of src is read; torch 2.13's backward fails on a larger src
       lambda x, src: torch.scatter_add(x, 0, _long(SCATTER_INDEX), src[:2, :4]),
       lambda x, src: _np_scatter_add(x, 0, SCATTER_INDEX, src), ((3, 4), (3, 5))),
    Op("index_select", lambda x: x.index_select(0, ag.tensor(SELECT_INDEX)),
       lambda x: x.index_select(0, _long(SELECT_INDEX)), lambda x: x[SELECT_INDEX], ((4, 3),)),
    Op("index_select_dim1", lambda x: ag.index_select(x, 1, SELECT_INDEX),
       lambda x: torch.index_select(x, 1, _long(SELECT_INDEX)), lambda x: x[:, SELECT_INDEX]),
    Op("tril", lambda x: x.tril(), None, np.tril),
    Op("tril_below", lambda x: ag.tril(x, -1), lambda x: torch.tril(x, -1), lambda x: np.tril(x, -1)),
    Op("triu", lambda x: x.triu(1), None, lambda x: np.triu(x, 1)),
    Op("triu_batched", lambda x: x.triu(), None, np.triu, ((2, 3, 3),)),
    Op("outer", lambda a, b: a.outer(b), None, np.outer, ((3,), (4,))),
    Op("outer_function", ag.outer, torch.outer, np.outer, ((3,), (2,))),
    Op("unfold", lambda x: x.unfold(1, 2, 1), None, lambda x: _np_unfold(x, 1, 2, 1), ((3, 5),)),
    Op("unfold_step_leaves_a_row", lambda x: x.unfold(0, 2, 2), None, lambda x: _np_unfold(x, 0, 2, 2), ((5, 3),)),
    Op("unfold_last_dim", lambda x: x.unfold(-1, 3, 2), None, lambda x: _np_unfold(x, 2, 3, 2), ((2, 2, 7),)),
]


def einsum(name, equation, *shapes):
    return Op(f"einsum_{name}", lambda *xs: ag.einsum(equation, *xs), lambda *xs: torch.einsum(equation, *xs),
              lambda *xs: np.einsum(equation, *xs), shapes)


LINALG = [
    Op("matmul", lambda a, b: a @ b, None, np.matmul, ((2, 1, 3, 4), (3, 4, 2)), broadcasts=True,
       signature="(m?,n),(n,p?)->(m?,p?)"),
    Op("matmul_1d", lambda a, b: a @ b, None, np.matmul, ((4,), (4,))),
    Op("matmul_2d", ag.matmul, torch.matmul, np.matmul, ((3, 4), (4, 2))),
    Op("matmul_vector_matrix", lambda a, b: a.matmul(b), None, np.matmul, ((4,), (4, 3))),
    Op("matmul_matrix_vector", lambda a, b: a @ b, None, np.matmul, ((3, 4), (4,))),
    Op("matmul_vector_batch", lambda a, b: a @ b, None, np.matmul, ((4,), (2, 4, 3))),
    Op("matmul_batch_vector", lambda a, b: a @ b, None, np.matmul, ((2, 3, 4), (4,))),
    Op("matmul_batch_broadcast", lambda a, b: a @ b, None, np.matmul, ((2, 1, 2, 3), (3, 3, 2))),
    Op("dot", lambda a, b: a.dot(b), None, np.dot, ((4,), (4,))),
    Op("mm", ag.mm, torch.mm, np.matmul, ((3, 4), (4, 2))),
    Op("bmm", lambda a, b: a.bmm(b), None, np.matmul, ((2, 3, 4), (2, 4, 2))),
    einsum("matmul", "ij,jk->ik", (2, 3), (3, 4)),
    einsum("batched", "bij,bjk->bik", (2, 2, 3), (2, 3, 2)),
    einsum("outer", "i,j->ij", (3,), (4,)),
    einsum("permute_and_sum", "ijk->ki", (2, 3, 4)),
    einsum("implicit_output", "ij,jk", (2, 3), (3, 2)),
    einsum("three_operands", "ij,jk,kl->il", (2, 3), (3, 2), (2, 2)),
    einsum("full_contraction", "ij,ij->", (2, 3), (2, 3)),
    einsum("sum_inside_one_operand", "ij,k->ik", (2, 3), (2,)),
]

# ---- sorting, selection and the utilities of issue 16 ----------------------------------------

def inside_unit(rng, shapes):
    return [rng.uniform(-0.9, 0.9, s) for s in shapes]


def _np_sorted(axis, descending=False):
    def ref(x):
        order = np.argsort(-x if descending else x, axis=axis, kind="stable")
        return np.take_along_axis(x, order, axis), order
    return ref


def _np_topk(k, axis, largest=True):
    def ref(x):
        values, order = _np_sorted(axis, largest)(x)
        return values.take(range(k), axis), order.take(range(k), axis)
    return ref


def _np_cdist(p):
    def ref(a, b):
        diff = np.abs(a[..., :, None, :] - b[..., None, :, :])
        return diff.max(-1) if p == np.inf else (diff ** p).sum(-1) ** (1 / p)
    return ref


def _np_cartesian(a, b):
    return np.stack(np.meshgrid(a, b, indexing="ij"), -1).reshape(-1, 2)


QUANTILES = np.array([0.25, 0.5, 0.9])

SORTING = [
    Op("sort", lambda x: x.sort(1), lambda x: torch.sort(x, 1), _np_sorted(1), domain=distinct),
    Op("sort_descending_dim0", lambda x: ag.sort(x, 0, descending=True), lambda x: torch.sort(x, 0, descending=True),
       _np_sorted(0, True), ((4, 3),), distinct),
    Op("msort", ag.msort, torch.msort, lambda x: np.sort(x, 0), domain=distinct),
    Op("topk", lambda x: x.topk(2), None, _np_topk(2, 1), domain=distinct),
    Op("topk_smallest_dim0", lambda x: ag.topk(x, 2, dim=0, largest=False), lambda x: torch.topk(x, 2, dim=0, largest=False),
       _np_topk(2, 0, False), domain=distinct),
    Op("kthvalue", lambda x: x.kthvalue(2, 0), None, lambda x: (np.sort(x, 0)[1], np.argsort(x, 0)[1]), domain=distinct),
    Op("kthvalue_keepdim", lambda x: ag.kthvalue(x, 3, keepdim=True), lambda x: torch.kthvalue(x, 3, keepdim=True),
       lambda x: (np.sort(x, 1)[:, 2:3], np.argsort(x, 1)[:, 2:3]), domain=distinct),
    Op("median", ag.median, torch.median, lambda x: np.sort(x, axis=None)[(x.size - 1) // 2], domain=distinct,
       broadcasts=True),
    Op("median_dim", lambda x: x.median(1), None,
       lambda x: (np.sort(x, 1)[:, 1], np.argsort(x, 1)[:, 1]), domain=distinct),
    Op("mode", lambda x: x.mode(0), None, lambda x: (x.min(0), x.argmin(0)), domain=distinct),
    Op("quantile", lambda x: ag.quantile(x, 0.3, dim=1), lambda x: torch.quantile(x, 0.3, dim=1),
       lambda x: np.quantile(x, 0.3, axis=1), domain=distinct),
    Op("quantile_many_keepdim", lambda x: x.quantile(ag.tensor(QUANTILES), dim=0, keepdim=True),
       lambda x: x.quantile(torch.tensor(QUANTILES, dtype=x.dtype), dim=0, keepdim=True),
       lambda x: np.quantile(x, QUANTILES, axis=0, keepdims=True), domain=distinct),
    Op("quantile_all_midpoint", lambda x: x.quantile(0.5, interpolation="midpoint"),
       lambda x: x.quantile(0.5, interpolation="midpoint"), lambda x: np.quantile(x, 0.5, method="midpoint"),
       domain=distinct),
    Op("cumprod", lambda x: x.cumprod(1), None, lambda x: np.cumprod(x, 1)),
    # row 0 has one zero, row 1 has two, row 2 none: the gradient through and at the zeros
    Op("cumprod_with_zeros", lambda x: ag.cumprod(x, dim=1), lambda x: torch.cumprod(x, dim=1),
       lambda x: np.cumprod(x, 1), domain=zeros_at(1, 5, 6)),
    Op("logcumsumexp", lambda x: x.logcumsumexp(1), None, lambda x: np.logaddexp.accumulate(x, 1)),
    Op("logcumsumexp_wide_range", lambda x: ag.logcumsumexp(x * 400.0, 0), lambda x: torch.logcumsumexp(x * 400.0, 0),
       lambda x: np.logaddexp.accumulate(x * 400.0, 0), ((5, 2),)),
    Op("var_mean", lambda x: ag.var_mean(x, 1), lambda x: torch.var_mean(x, 1),
       lambda x: (np.var(x, 1, ddof=1), np.mean(x, 1))),
    Op("std_mean", lambda x: ag.std_mean(x, dim=0, keepdim=True), lambda x: torch.std_mean(x, dim=0, keepdim=True),
       lambda x: (np.std(x, 0, ddof=1, keepdims=True), np.mean(x, 0, keepdims=True))),
    Op("masked_select", lambda x: x.masked_select(ag.tensor(ROW_MASK)),
       lambda x: x.masked_select(torch.as_tensor(ROW_MASK)), lambda x: x[np.broadcast_to(ROW_MASK, x.shape)]),
    Op("repeat_interleave", lambda x: x.repeat_interleave(2, dim=1), None, lambda x: np.repeat(x, 2, 1)),
    Op("repeat_interleave_counts", lambda x: ag.repeat_interleave(x, ag.tensor([1, 0, 2]), dim=0),
       lambda x: torch.repeat_interleave(x, torch.tensor([1, 0, 2]), dim=0), lambda x: np.repeat(x, [1, 0, 2], 0)),
    Op("repeat_interleave_flat", lambda x: x.repeat_interleave(2), None, lambda x: np.repeat(x, 2), ((2, 2),)),
]

ELEMENTWISE_MORE = [
    unary("sinh", ag.sinh, torch.sinh, np.sinh),
    unary("cosh", lambda x: x.cosh(), None, np.cosh),
    unary("asin", ag.asin, torch.asin, np.arcsin, inside_unit),
    unary("acos", lambda x: x.acos(), None, np.arccos, inside_unit),
    unary("atan", ag.atan, torch.atan, np.arctan),
    binary("atan2", ag.atan2, torch.atan2, np.arctan2, per_input(away_from_zero, real)),
    binary("hypot", lambda a, b: a.hypot(b), None, np.hypot, away_from_zero),
    unary("log2", ag.log2, torch.log2, np.log2, positive),
    unary("log10", lambda x: x.log10(), None, np.log10, positive),
    unary("exp2", ag.exp2, torch.exp2, np.exp2),
    unary("frac", ag.frac, torch.frac, lambda x: x - np.trunc(x), away_from(-2.0, -1.0, 0.0, 1.0, 2.0)),
    unary("clamp_min_function", lambda x: ag.clamp_min(x, -0.6), lambda x: torch.clamp_min(x, -0.6),
          lambda x: np.maximum(x, -0.6), distinct),
    unary("clamp_max_method", lambda x: x.clamp_max(0.9), None, lambda x: np.minimum(x, 0.9), distinct),
    Op("lerp", ag.lerp, torch.lerp, lambda s, e, w: s + w * (e - s), TERNARY, broadcasts=True),
    binary("lerp_number_weight", lambda s, e: s.lerp(e, 0.3), None, lambda s, e: s + 0.3 * (e - s)),
]

LINALG_MORE = [
    Op("addmm", lambda i, a, b: ag.addmm(i, a, b, beta=0.5, alpha=2.0),
       lambda i, a, b: torch.addmm(i, a, b, beta=0.5, alpha=2.0), lambda i, a, b: 0.5 * i + 2.0 * (a @ b),
       ((3,), (2, 4), (4, 3))),
    Op("addmm_method", lambda i, a, b: i.addmm(a, b), None, lambda i, a, b: i + a @ b, ((2, 3), (2, 4), (4, 3))),
    Op("baddbmm", lambda i, a, b: i.baddbmm(a, b, alpha=0.5), None, lambda i, a, b: i + 0.5 * (a @ b),
       ((2, 3, 2), (2, 3, 4), (2, 4, 2))),
    Op("diag_of_matrix", lambda x: x.diag(), None, np.diag),
    Op("diag_of_vector_offset", lambda x: ag.diag(x, -1), lambda x: torch.diag(x, -1), lambda x: np.diag(x, -1), ((3,),)),
    Op("diagonal", lambda x: x.diagonal(1, 0, 2), None, lambda x: np.diagonal(x, 1, 0, 2), ((3, 2, 4),)),
    Op("diag_embed", lambda x: x.diag_embed(), None, lambda x: x[..., None] * np.eye(x.shape[-1]), ((2, 3),)),
    Op("diag_embed_offset_dims", lambda x: ag.diag_embed(x, 1, 0, 2), lambda x: torch.diag_embed(x, 1, 0, 2),
       None, ((2, 3),)),
    Op("trace", lambda x: x.trace(), None, np.trace),
    Op("cross", lambda a, b: ag.cross(a, b, dim=1), lambda a, b: torch.cross(a, b, dim=1),
       lambda a, b: np.cross(a, b, axis=1), ((2, 3), (2, 3))),
    Op("cross_broadcast_last", lambda a, b: a.cross(b, dim=-1), None, lambda a, b: np.cross(a, b), ((4, 3), (1, 3))),
    Op("cdist", ag.cdist, torch.cdist, _np_cdist(2), ((3, 4), (5, 4))),
    Op("cdist_batched_p1", lambda a, b: ag.cdist(a, b, p=1), lambda a, b: torch.cdist(a, b, p=1), _np_cdist(1),
       ((2, 3, 2), (2, 4, 2)), distinct),
    Op("cdist_inf", lambda a, b: ag.cdist(a, b, p=float("inf")), lambda a, b: torch.cdist(a, b, p=float("inf")),
       _np_cdist(np.inf), ((3, 2), (2, 2)), distinct),
    Op("cdist_p3", lambda a, b: ag.cdist(a, b, p=3), lambda a, b: torch.cdist(a, b, p=3), _np_cdist(3),
       ((3, 2), (2, 2)), distinct),
    Op("meshgrid", lambda a, b: ag.meshgrid(a, b, indexing="ij"), lambda a, b: torch.meshgrid(a, b, indexing="ij"),
       lambda a, b: np.meshgrid(a, b, indexing="ij"), ((3,), (4,))),
    Op("meshgrid_xy", lambda a, b, c: ag.meshgrid(a, b, c, indexing="xy"),
       lambda a, b, c: torch.meshgrid(a, b, c, indexing="xy"), lambda a, b, c: np.meshgrid(a, b, c, indexing="xy"),
       ((3,), (2,), (2,))),
    Op("cartesian_prod", ag.cartesian_prod, torch.cartesian_prod, _np_cartesian, ((3,), (2,))),
    # nn's fused LSTM step on the state [h | c] (nn/functional/recurrent.py), against torch.lstm_cell
    Op("lstm_step_fused", lambda x, s, *w: recurrent.lstm_step(x, s, w),
       lambda x, s, *w: torch.cat(torch.lstm_cell(x, (s[:, :2], s[:, 2:]), *w), 1), None,
       ((2, 3), (2, 4), (8, 3), (8, 2), (8,), (8,))),
]

# Ties and zero distances: the gradient goes where PyTorch's goes.
SELECTION_TIES = [
    Op("sort_ties_stable", lambda x: x.sort(1, stable=True), lambda x: torch.sort(x, dim=1, stable=True),
       _np_sorted(1), domain=choice(1.0, 2.0), smooth=False),
    Op("sort_ties_descending", lambda x: x.sort(0, descending=True), lambda x: x.sort(0, descending=True),
       _np_sorted(0, True), ((6, 2),), choice(1.0, 2.0, 3.0), smooth=False),
    Op("median_ties", ag.median, torch.median, lambda x: np.sort(x, axis=None)[(x.size - 1) // 2],
       domain=choice(1.0, 2.0), smooth=False),
    Op("median_dim_ties", lambda x: x.median(0), None, None, ((5, 3),), choice(1.0, 2.0), smooth=False),
    Op("mode_ties", lambda x: x.mode(1), None, None, ((3, 8),), choice(1.0, 2.0, 3.0), smooth=False),
    Op("cdist_at_zero", lambda x: ag.cdist(x, x), lambda x: torch.cdist(x, x), None, smooth=False),
    Op("cdist_p1_at_zero", lambda x: ag.cdist(x, x, p=1), lambda x: torch.cdist(x, x, p=1), None, smooth=False),
    Op("cdist_inf_at_zero", lambda x: ag.cdist(x, x, p=float("inf")), lambda x: torch.cdist(x, x, p=float("inf")),
       None, smooth=False),
    Op("cumprod_zeros_only", lambda x: x.cumprod(0), None, lambda x: np.cumprod(x, 0), ((4, 2),), choice(0.0, 2.0),
       smooth=False),
]


# Inputs on kinks and ties on purpose: the gradient there is a choice, and PyTorch's is the spec.
KINKS = [
    unary("relu_at_zero", ag.relu, torch.relu, lambda x: np.maximum(x, 0), choice(-1.0, 0.0, 1.0), smooth=False),
    unary("abs_at_zero", ag.abs, torch.abs, np.abs, choice(-1.0, 0.0, 1.0), smooth=False),
    unary("sign_at_zero", ag.sign, torch.sign, np.sign, choice(-1.0, 0.0, 1.0), smooth=False),
    unary("leaky_relu_at_zero", ag.leaky_relu, F.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x),
          choice(-1.0, 0.0, 1.0), smooth=False),
    unary("elu_at_zero", ag.elu, F.elu, lambda x: np.where(x > 0, x, np.expm1(x)), choice(-1.0, 0.0, 1.0), smooth=False),
    unary("softplus_at_threshold", lambda x: ag.softplus(x, beta=2.0, threshold=1.0),
          lambda x: F.softplus(x, beta=2.0, threshold=1.0), lambda x: _np_softplus(x, 2.0, 1.0),
          choice(-0.5, 0.5, 1.0), smooth=False),
    unary("clamp_at_bounds", lambda x: x.clamp(-1.0, 1.0), None, lambda x: np.clip(x, -1, 1),
          choice(-1.0, 0.0, 1.0, 2.0), smooth=False),
    # x on either bound; not min == max, where PyTorch lets no gradient through at all if x < min
    Op("clamp_tensor_bounds_ties", lambda x, lo, hi: x.clamp(lo, hi), None, _np_clamp_tensor, ((3, 4), (3, 4), (3, 4)),
       per_input(choice(-1.0, 0.0, 1.0), choice(-1.0, 0.0), choice(0.5, 1.0)), broadcasts=True, smooth=False),
    binary("maximum_ties", ag.maximum, torch.maximum, np.maximum, choice(0.0, 1.0), smooth=False),
    binary("minimum_ties", ag.minimum, torch.minimum, np.minimum, choice(0.0, 1.0), smooth=False),
    Op("max_ties", ag.max, torch.max, np.max, domain=choice(1.0, 2.0), smooth=False),
    Op("amax_ties", lambda x: x.amax(1), None, lambda x: x.max(1), domain=choice(1.0, 2.0), smooth=False),
    Op("amin_ties", lambda x: x.amin(0), None, lambda x: x.min(0), domain=choice(1.0, 2.0), smooth=False),
    Op("norm_inf_ties", lambda x: x.norm(p=float("inf")), None, _np_norm(np.inf), domain=choice(-2.0, 1.0, 2.0),
       smooth=False),
    Op("norm_at_zero", lambda x: x.norm(dim=1), None, _np_norm(2, axis=1), domain=choice(0.0), smooth=False),
    Op("norm_p1_at_zero", lambda x: x.norm(p=1), None, _np_norm(1), domain=choice(-1.0, 0.0), smooth=False),
    binary("pow_zero_base_and_exponent", lambda a, b: a ** b, None, np.power,
           per_input(choice(0.0, 1.5), choice(0.0, 1.0, 2.0)), smooth=False),
]

# ---- torch.linalg: samplers that keep matrices well-conditioned, and factor signs fixed ---------

def invertible(rng, shapes):
    """Square inputs diagonally dominant (condition number a few), rows' signs random, so the
    determinant takes either sign; other inputs real."""
    arrays = []
    for s in shapes:
        a = rng.uniform(-1.0, 1.0, s)
        if len(s) >= 2 and s[-1] == s[-2]:
            a = (a + (s[-1] + 1) * np.eye(s[-1])) * rng.choice([-1.0, 1.0], s[:-1] + (1,))
        arrays.append(a)
    return arrays


def spd_half(rng, shapes):
    """Half a symmetric positive-definite matrix (entries take a + a.mT, so perturbations of
    either triangle count); other inputs real."""
    arrays = real(rng, shapes)
    a = arrays[0]
    arrays[0] = (a @ np.swapaxes(a, -1, -2) + shapes[0][-1] * np.eye(shapes[0][-1])) / 2
    return arrays


def _orthogonal(rng, batch, n):
    q, r = np.linalg.qr(rng.standard_normal(batch + (n, n)))
    return q * np.sign(np.diagonal(r, 0, -2, -1))[..., None, :]


def _spread(rng, batch, k):
    """k values at least 0.7 apart (distinct eigen- or singular values), shuffled."""
    values = 1.0 + 0.9 * np.arange(k) + rng.uniform(0.0, 0.2, batch + (k,))
    return rng.permuted(values, axis=-1)


def symmetric_distinct(rng, shapes):
    """Half a symmetric matrix with eigenvalues at least 1.4 apart, of either sign."""
    s = shapes[0]
    q = _orthogonal(rng, s[:-2], s[-1])
    values = (_spread(rng, s[:-2], s[-1]) - 1.5) * 2
    return [(q * values[..., None, :]) @ np.swapaxes(q, -1, -2) / 2] + real(rng, shapes[1:])


def full_rank(rng, shapes):
    """First input U diag(s) V^T with singular values at least 0.7 apart, from 1; others real."""
    s = shapes[0]
    m, n = s[-2:]
    k = min(m, n)
    u, v = _orthogonal(rng, s[:-2], m)[..., :k], _orthogonal(rng, s[:-2], n)[..., :k]
    return [(u * _spread(rng, s[:-2], k)[..., None, :]) @ np.swapaxes(v, -1, -2)] + real(rng, shapes[1:])


def lower_factor(rng, shapes):
    """Second input a lower-triangular matrix with a diagonal of 1..2 (a Cholesky factor)."""
    arrays = real(rng, shapes)
    arrays[1] = np.tril(arrays[1] / 2, -1) + np.diag(rng.uniform(1.0, 2.0, shapes[1][-1]))
    return arrays


def _sgn(x):
    return np.sign(x) if isinstance(x, np.ndarray) else x.sign()


def _eigh_fixed(result):
    """Eigenvectors' signs fixed (first row positive): the vectors are unique only up to sign."""
    values, vectors = result
    return values, vectors * _sgn(vectors[..., :1, :])


def _svd_fixed(result, k=None):
    """U's first k columns and Vh's first k rows (all if None), signs fixed by U's first row."""
    u, s, vh = result
    u, vh = (u, vh) if k is None else (u[..., :k], vh[..., :k, :])
    signs = _sgn(u[..., :1, :])
    return u * signs, s, vh * signs.mT


def _qr_fixed(result):
    """Q and R with R's diagonal positive (unique then)."""
    q, r = result
    d = r.diagonal(0, -2, -1) if not isinstance(r, np.ndarray) else np.diagonal(r, 0, -2, -1)
    signs = _sgn(d)
    return q * signs[..., None, :], r * signs[..., :, None]


def _sym(a):
    return a + a.mT


def _np_sym(a):
    return a + np.swapaxes(a, -1, -2)


def _np_norm_matrix(ord):  # noqa: A002
    return lambda a: np.linalg.norm(a, ord, axis=(-2, -1))


SQUARE, BATCHED = ((3, 3),), ((2, 3, 3),)

LINALG_DECOMPOSITIONS = [
    Op("linalg_solve", ag.linalg.solve, torch.linalg.solve, np.linalg.solve, ((3, 3), (3, 2)), invertible),
    Op("linalg_solve_batch_broadcast", ag.linalg.solve, torch.linalg.solve, np.linalg.solve,
       ((2, 1, 3, 3), (4, 3, 1)), invertible),
    Op("linalg_solve_vector", ag.linalg.solve, torch.linalg.solve, lambda a, b: np.linalg.solve(a, b[..., None])[..., 0],
       ((2, 3, 3), (2, 3)), invertible),
    Op("linalg_solve_right", lambda a, b: ag.linalg.solve(a, b, left=False),
       lambda a, b: torch.linalg.solve(a, b, left=False),
       lambda a, b: np.swapaxes(np.linalg.solve(np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)), -1, -2),
       ((3, 3), (2, 3)), invertible),
    Op("linalg_inv", ag.linalg.inv, torch.linalg.inv, np.linalg.inv, BATCHED, invertible),
    Op("inverse", ag.inverse, torch.inverse, np.linalg.inv, SQUARE, invertible),
    Op("linalg_det", ag.linalg.det, torch.linalg.det, np.linalg.det, BATCHED, invertible),
    Op("det", ag.det, torch.det, np.linalg.det, SQUARE, invertible),
    Op("linalg_slogdet", ag.linalg.slogdet, torch.linalg.slogdet, np.linalg.slogdet, BATCHED, invertible),
    Op("logdet", ag.logdet, torch.logdet, lambda a: np.linalg.slogdet(a)[1], BATCHED, spd_half),
    Op("linalg_cholesky", lambda a: ag.linalg.cholesky(_sym(a)), lambda a: torch.linalg.cholesky(_sym(a)),
       lambda a: np.linalg.cholesky(_np_sym(a)), BATCHED, spd_half),
    Op("linalg_cholesky_upper", lambda a: ag.linalg.cholesky(_sym(a), upper=True),
       lambda a: torch.linalg.cholesky(_sym(a), upper=True),
       lambda a: np.swapaxes(np.linalg.cholesky(_np_sym(a)), -1, -2), SQUARE, spd_half),
    Op("cholesky_solve", ag.cholesky_solve, torch.cholesky_solve, lambda b, l: np.linalg.solve(l @ l.T, b),
       ((3, 2), (3, 3)), lower_factor),
    Op("cholesky_solve_upper", lambda b, u: ag.cholesky_solve(b, u.mT, upper=True),
       lambda b, u: torch.cholesky_solve(b, u.mT, upper=True), lambda b, l: np.linalg.solve(l @ l.T, b),
       ((3, 2), (3, 3)), lower_factor),
    Op("linalg_solve_triangular", lambda a, b: ag.linalg.solve_triangular(a, b, upper=True),
       lambda a, b: torch.linalg.solve_triangular(a, b, upper=True), lambda a, b: np.linalg.solve(np.triu(a), b),
       ((2, 3, 3), (3, 2)), invertible),
    Op("linalg_solve_triangular_right_unit", lambda a, b: ag.linalg.solve_triangular(a, b, upper=False, left=False,
                                                                                     unitriangular=True),
       lambda a, b: torch.linalg.solve_triangular(a, b, upper=False, left=False, unitriangular=True),
       lambda a, b: b @ np.linalg.inv(np.tril(a, -1) + np.eye(3)), ((3, 3), (2, 3)), invertible),
    Op("linalg_eigh", lambda a: _eigh_fixed(ag.linalg.eigh(_sym(a))), lambda a: _eigh_fixed(torch.linalg.eigh(_sym(a))),
       lambda a: _eigh_fixed(np.linalg.eigh(_np_sym(a))), BATCHED, symmetric_distinct),
    Op("linalg_eigh_upper", lambda a: _eigh_fixed(ag.linalg.eigh(_sym(a), UPLO="U")),
       lambda a: _eigh_fixed(torch.linalg.eigh(_sym(a), UPLO="U")),
       lambda a: _eigh_fixed(np.linalg.eigh(_np_sym(a), UPLO="U")), ((4, 4),), symmetric_distinct),
    Op("linalg_eigvalsh", lambda a: ag.linalg.eigvalsh(_sym(a)), lambda a: torch.linalg.eigvalsh(_sym(a)),
       lambda a: np.linalg.eigvalsh(_np_sym(a)), BATCHED, symmetric_distinct),
    Op("linalg_svd", lambda a: _svd_fixed(ag.linalg.svd(a)), lambda a: _svd_fixed(torch.linalg.svd(a)),
       lambda a: _svd_fixed(np.linalg.svd(a)), BATCHED, full_rank),
    Op("linalg_svd_tall", lambda a: _svd_fixed(ag.linalg.svd(a, full_matrices=False)),
       lambda a: _svd_fixed(torch.linalg.svd(a, full_matrices=False)),
       lambda a: _svd_fixed(np.linalg.svd(a, full_matrices=False)), ((4, 2),), full_rank),
    Op("linalg_svd_wide_full", lambda a: _svd_fixed(ag.linalg.svd(a), 2), lambda a: _svd_fixed(torch.linalg.svd(a), 2),
       lambda a: _svd_fixed(np.linalg.svd(a), 2), ((2, 2, 4),), full_rank),
    Op("linalg_svdvals", ag.linalg.svdvals, torch.linalg.svdvals, lambda a: np.linalg.svd(a, compute_uv=False),
       ((4, 3),), full_rank),
    Op("linalg_qr", lambda a: _qr_fixed(ag.linalg.qr(a)), lambda a: _qr_fixed(torch.linalg.qr(a)),
       lambda a: _qr_fixed(np.linalg.qr(a)), ((2, 4, 3),), full_rank),
    Op("linalg_qr_wide", lambda a: _qr_fixed(ag.linalg.qr(a)), lambda a: _qr_fixed(torch.linalg.qr(a)),
       lambda a: _qr_fixed(np.linalg.qr(a)), ((3, 5),), full_rank),
    Op("linalg_qr_complete_square", lambda a: _qr_fixed(ag.linalg.qr(a, mode="complete")),
       lambda a: _qr_fixed(torch.linalg.qr(a, mode="complete")), lambda a: _qr_fixed(np.linalg.qr(a, mode="complete")),
       SQUARE, full_rank),
    Op("linalg_pinv", ag.linalg.pinv, torch.linalg.pinv, np.linalg.pinv, ((4, 3),), full_rank),
    Op("linalg_pinv_wide", ag.linalg.pinv, torch.linalg.pinv, np.linalg.pinv, ((2, 2, 3),), full_rank),
    Op("linalg_lstsq", lambda a, b: ag.linalg.lstsq(a, b).solution, lambda a, b: torch.linalg.lstsq(a, b).solution,
       lambda a, b: np.linalg.lstsq(a, b, rcond=None)[0], ((5, 3), (5, 2)), full_rank),
    Op("linalg_lstsq_wide_vector", lambda a, b: ag.linalg.lstsq(a, b).solution,
       lambda a, b: torch.linalg.lstsq(a, b).solution, lambda a, b: np.linalg.lstsq(a, b, rcond=None)[0],
       ((2, 4), (2,)), full_rank),
    Op("linalg_vector_norm", ag.linalg.vector_norm, torch.linalg.vector_norm, lambda x: np.linalg.norm(x.reshape(-1)),
       ((2, 3, 2),), away_from_zero),
    Op("linalg_vector_norm_p3_dim", lambda x: ag.linalg.vector_norm(x, 3, dim=(0, 2), keepdim=True),
       lambda x: torch.linalg.vector_norm(x, 3, dim=(0, 2), keepdim=True),
       lambda x: (np.abs(x) ** 3).sum((0, 2), keepdims=True) ** (1 / 3), ((2, 3, 2),), away_from_zero),
    Op("linalg_vector_norm_inf", lambda x: ag.linalg.vector_norm(x, float("inf"), 1),
       lambda x: torch.linalg.vector_norm(x, float("inf"), 1), lambda x: np.abs(x).max(1), domain=distinct),
    Op("linalg_matrix_norm_fro", ag.linalg.matrix_norm, torch.linalg.matrix_norm, _np_norm_matrix("fro"), BATCHED),
    Op("linalg_matrix_norm_nuc", lambda a: ag.linalg.matrix_norm(a, "nuc", keepdim=True),
       lambda a: torch.linalg.matrix_norm(a, "nuc", keepdim=True),
       lambda a: np.linalg.norm(a, "nuc", axis=(-2, -1), keepdims=True), ((2, 4, 3),), full_rank),
    Op("linalg_matrix_norm_2", lambda a: ag.linalg.matrix_norm(a, 2, dim=(0, 2)),
       lambda a: torch.linalg.matrix_norm(a, 2, dim=(0, 2)), lambda a: np.linalg.norm(np.moveaxis(a, 1, 0), 2, axis=(1, 2)),
       ((3, 2, 4),), lambda rng, shapes: [np.ascontiguousarray(np.moveaxis(full_rank(rng, [(2, 3, 4)])[0], 0, 1))]),
    Op("linalg_matrix_norm_minus_2", lambda a: ag.linalg.matrix_norm(a, -2), lambda a: torch.linalg.matrix_norm(a, -2),
       _np_norm_matrix(-2), ((3, 2),), full_rank),
    Op("linalg_matrix_norm_1", lambda a: ag.linalg.matrix_norm(a, 1), lambda a: torch.linalg.matrix_norm(a, 1),
       _np_norm_matrix(1), BATCHED, distinct),
    Op("linalg_matrix_norm_inf", lambda a: ag.linalg.matrix_norm(a, float("-inf"), keepdim=True),
       lambda a: torch.linalg.matrix_norm(a, float("-inf"), keepdim=True),
       lambda a: np.linalg.norm(a, -np.inf, axis=(-2, -1), keepdims=True), BATCHED, distinct),
    Op("linalg_norm", ag.linalg.norm, torch.linalg.norm, lambda a: np.linalg.norm(a.reshape(-1)), ((2, 3, 2),), away_from_zero),
    Op("linalg_norm_spectral", lambda a: ag.linalg.norm(a, 2), lambda a: torch.linalg.norm(a, 2),
       lambda a: np.linalg.norm(a, 2), ((3, 4),), full_rank),
]


# nn's col2im primitive (nn/functional/conv.py), through the transposed convolution it serves
NN_CONV_MORE = [
    Op("conv_transpose2d_col2im", lambda x, w: conv_transpose2d(x, w, stride=2, padding=1, output_padding=1,
                                                                dilation=(1, 2)),
       lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1, dilation=(1, 2)), None,
       ((1, 2, 3, 3), (2, 3, 2, 3))),
]


OPS = (ARITHMETIC + ELEMENTWISE + REDUCTIONS + SHAPE + LINALG + KINKS
       + SORTING + ELEMENTWISE_MORE + LINALG_MORE + SELECTION_TIES
       + LINALG_DECOMPOSITIONS + NN_CONV_MORE)
