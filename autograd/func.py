"""Function transforms in the style of torch.func and JAX: grad, value_and_grad, vjp, jvp,
jacobian (jacrev, jacfwd), hessian and hvp, built on the engine's grad(create_graph=True).

Kinds. A transform accepts Tensors, NumPy arrays and Python numbers (and tuples, lists and
dicts of them) and answers in the kind it was given: a derivative has the kind of its input
(Tensor, ndarray, or float: a float for a 0-d result of a Python-number input), and values
(f's output, aux, jvps) are Tensors when any argument is a Tensor, else floats (0-d) or
ndarrays. Arrays and numbers are differentiated as float64 Tensors. `ag.Scalar` inputs are
supported by grad, value_and_grad and grad_and_value, which then run on the Scalar engine;
Scalar graphs record first derivatives only, so these do not nest (use floats to nest).

Purity and nesting. A transform differentiates at fresh leaves, so it is a pure function
of its inputs: a Tensor input is used through `detach()`. The exception is what makes
`grad(grad(f))` work: when grad mode is on and an input Tensor already requires grad (it is
an outer transform's variable, or a user's parameter), the transform differentiates with
respect to a `clone()` of it instead, keeping the graph back to the original, and runs its
backward pass with create_graph=True, so its results can be differentiated again by the
outer transform (or by `.backward()`, as torch.func composes with torch.autograd). The clone
is a node of its own, so an inner transform's variable is never confused with an outer
one's even when they are the same tensor (d/dx [x * d/dy (x y)] at y = x is 2x, not 4x).
Under `no_grad` every input is detached and results carry no graph. f always runs with grad
mode on, so transforms ignore an enclosing `no_grad` (as torch.func does).

How each is computed (no vmap here, so Jacobians are built one backward pass at a time):
    grad / vjp      one backward pass over one forward pass.
    jvp             the double-vjp trick: g(u) = J^T u is built with create_graph=True for a
                    dummy cotangent u, and J v = d<g(u), v>/du is a second backward pass.
    jacobian/jacrev rows: one forward pass, then one backward pass per output element over
                    the retained graph; a 1-element output needs just one, and every
                    argument's rows come from the same pass.
    jacfwd          columns: g(u) = J^T u built once, then one backward pass of g per input
                    element (cheaper than jacrev when inputs are fewer than outputs).
    hessian         jacrev(jacrev(f)).
    hvp             reverse-over-reverse: grad of <grad f(x), v>, which is H v because a
                    Hessian is symmetric (f twice continuously differentiable).
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .function import grad as _engine_grad
from .creation import zeros_like
from .engine import run_backward
from .function import node_of
from .grad_mode import enable_grad, is_grad_enabled
from .ops.shape import stack
from .scalar import Scalar
from .tensor import Tensor

__all__ = ["grad", "value_and_grad", "grad_and_value", "vjp", "jvp", "jacobian", "jacrev", "jacfwd",
           "hessian", "hvp"]

_TENSOR, _NUMBER, _ARRAY = "Tensor", "number", "array"


# ---- pytrees: tuples, lists and dicts of leaves ------------------------------------------
def _flatten(tree):
    """(leaves, spec): the leaves in order, and what `_unflatten` needs to rebuild the tree."""
    if isinstance(tree, (tuple, list)):
        leaves, specs = [], []
        for item in tree:
            item_leaves, spec = _flatten(item)
            leaves += item_leaves
            specs.append(spec)
        return leaves, (type(tree), specs)
    if isinstance(tree, dict):
        leaves, specs = [], []
        for value in tree.values():
            item_leaves, spec = _flatten(value)
            leaves += item_leaves
            specs.append(spec)
        return leaves, (dict, list(tree), specs)
    return [tree], None


def _unflatten(spec, leaves):
    """Rebuilds a tree of `spec`'s structure from an iterator of leaves."""
    if spec is None:
        return next(leaves)
    if spec[0] is dict:
        return {key: _unflatten(s, leaves) for key, s in zip(spec[1], spec[2])}
    kind, specs = spec
    items = [_unflatten(s, leaves) for s in specs]
    return kind(*items) if hasattr(kind, "_fields") else kind(items)  # namedtuples take fields


def _tree_map(fn, tree):
    leaves, spec = _flatten(tree)
    return _unflatten(spec, iter([fn(leaf) for leaf in leaves]))


# ---- entering and leaving a transform ----------------------------------------------------
def _kind_of(leaf, transform, where):
    if isinstance(leaf, Tensor):
        if leaf.dtype.kind != "f":
            raise TypeError(f"{transform}: {where} is a {leaf.dtype} tensor; only floating-point inputs can be "
                            f"differentiated; convert it first, e.g. x.double()")
        return _TENSOR
    if isinstance(leaf, np.ndarray):
        if leaf.dtype.kind not in "fiu":
            raise TypeError(f"{transform}: {where} is a NumPy array of dtype {leaf.dtype}; only real numbers "
                            f"can be differentiated")
        return _ARRAY
    if isinstance(leaf, (int, float, np.integer, np.floating)) and not isinstance(leaf, (bool, np.bool_)):
        return _NUMBER
    if isinstance(leaf, Scalar):
        raise TypeError(f"{transform}: {where} is an ag.Scalar; Scalar graphs record first derivatives only, "
                        f"so only grad, value_and_grad and grad_and_value take Scalars (all of them, not mixed "
                        f"with other kinds); pass Python floats here")
    raise TypeError(f"{transform}: {where} is a {type(leaf).__name__}; pass Tensors, NumPy arrays or Python "
                    f"numbers (or tuples, lists and dicts of them)")


class _Primal:
    """One differentiated input: the variable f sees inside, and how to give results back."""

    __slots__ = ("kind", "dtype", "inner", "connected")

    def __init__(self, leaf, watched, transform, where):
        self.kind = _kind_of(leaf, transform, where)
        self.connected = self.kind is _TENSOR and watched and leaf.requires_grad
        if self.kind is _TENSOR:
            self.dtype = leaf.dtype
            # a clone is a node of its own: differentiating at it cannot confuse this transform's
            # variable with an outer one's, and the graph back to the original is kept
            self.inner = leaf.clone() if self.connected else leaf.detach().requires_grad_()
        else:
            self.dtype = leaf.dtype if self.kind is _ARRAY and leaf.dtype.kind == "f" else np.dtype(np.float64)
            self.inner = Tensor._make(np.array(leaf, dtype=np.float64)).requires_grad_()

    def export(self, value, keep_graph):
        """A derivative with respect to this input, in the input's kind."""
        if self.kind is _ARRAY:
            return np.array(value.detach().numpy(), dtype=self.dtype)
        return _export(value, self.kind is _TENSOR, keep_graph)


def _export(value, as_tensor, keep_graph):
    """A value leaving a transform: a Tensor (detached unless kept) or a float / ndarray."""
    if not isinstance(value, Tensor):
        return value
    if as_tensor:
        return value if keep_graph else value.detach()
    array = np.array(value.detach().numpy(), copy=True)
    return float(array) if array.ndim == 0 else array


def _positions(argnums, n_args, transform):
    """argnums as a tuple of non-negative positions, checked."""
    many = isinstance(argnums, (tuple, list))
    positions = tuple(argnums) if many else (argnums,)
    if not positions or not all(isinstance(p, int) and not isinstance(p, bool) for p in positions):
        raise TypeError(f"{transform}: argnums must be an int or a non-empty tuple of ints, got {argnums!r}")
    normalised = []
    for p in positions:
        if not -n_args <= p < n_args:
            raise ValueError(f"{transform}: argnums={argnums!r} but the function was called with {n_args} "
                             f"positional argument(s); argnums counts positional arguments from 0")
        normalised.append(p % n_args)
    if len(set(normalised)) != len(normalised):
        raise ValueError(f"{transform}: argnums={argnums!r} names an argument twice")
    return tuple(normalised)


def _split_aux(result, has_aux, transform):
    if not has_aux:
        return result, None
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise TypeError(f"{transform}: with has_aux=True the function must return a pair (output, aux), "
                        f"got {type(result).__name__}")
    return result[0], result[1]


def _check_outputs(leaves, transform):
    for i, out in enumerate(leaves):
        if not isinstance(out, Tensor):
            raise TypeError(f"{transform}: the function returned a {type(out).__name__} (output {i}), not a Tensor: "
                            f"compute it with autograd operations on its inputs (ag.sin(x), x.exp(), x @ w), "
                            f"not math/NumPy functions on numbers, which lose the graph")
        if out.dtype.kind != "f":
            raise TypeError(f"{transform}: output {i} has dtype {out.dtype}; only floating-point outputs can be "
                            f"differentiated")


def _reaches_outside(outputs, own_nodes):
    """True if the outputs' graph reaches a leaf requiring grad that is not one of `own_nodes`:
    someone outside this transform (an outer transform, a user's parameter) watches it."""
    stack_ = [node_of(out) for out in outputs if out.requires_grad]
    seen = set()
    while stack_:
        node = stack_.pop()
        if node in seen or node in own_nodes:
            continue
        seen.add(node)
        if not node.inputs:
            return True
        stack_.extend(parent for parent in node.inputs if parent is not None)
    return False


class _Call:
    """f evaluated once at fresh variables for the arguments at `positions`."""

    def __init__(self, transform, func, args, kwargs, positions, has_aux):
        self.transform = transform
        watched = is_grad_enabled()
        self.primals, self.arg_specs = [], []
        call_args = list(args)
        for p in positions:
            leaves, spec = _flatten(args[p])
            primals = [_Primal(leaf, watched, transform, f"argument {p}") for leaf in leaves]
            self.primals.append(primals)
            self.arg_specs.append(spec)
            call_args[p] = _unflatten(spec, iter([primal.inner for primal in primals]))
        self.inputs = [primal.inner for primals in self.primals for primal in primals]
        with enable_grad():
            output, self.aux = _split_aux(func(*call_args, **kwargs), has_aux, transform)
        self.outputs, self.out_spec = _flatten(output)
        _check_outputs(self.outputs, transform)
        self.tensor_values = any(isinstance(leaf, Tensor) for arg in args for leaf in _flatten(arg)[0])
        connected = any(primal.connected for primals in self.primals for primal in primals)
        # results must carry a graph only when someone outside can differentiate them
        self.keep_graph = watched and self.tensor_values and (
            connected or _reaches_outside(self.outputs, {node_of(x) for x in self.inputs}))

    def pullback(self, outputs, cotangents, inputs, create_graph, retain_graph):
        """sum_k cotangents[k] . d outputs[k] / d inputs[i], for each i; zeros where unused."""
        pairs = [(out, c) for out, c in zip(outputs, cotangents) if out.requires_grad]
        if not pairs:
            return [zeros_like(x) for x in inputs]
        found = _engine_grad([out for out, _ in pairs], inputs, [c for _, c in pairs], retain_graph=retain_graph,
                             create_graph=create_graph, allow_unused=True)
        return [zeros_like(x) if g is None else g for g, x in zip(found, inputs)]

    def seeds(self, values, likes, what, each):
        """User-given cotangents / tangents as Tensors shaped and typed like `likes`, one per `each`."""
        leaves, _ = _flatten(values)
        if len(leaves) != len(likes):
            raise ValueError(f"{self.transform}: got {len(leaves)} {what} tensor(s) but expected {len(likes)}, one per "
                             f"{each} (with the same tuple/list structure)")
        seeds = []
        for i, (value, like) in enumerate(zip(leaves, likes)):
            seed = value if isinstance(value, Tensor) else Tensor._make(np.array(value, dtype=like.dtype))
            if seed.dtype != like.dtype:
                seed = seed.to(like.dtype)
            if tuple(seed.shape) != tuple(like.shape):
                raise ValueError(f"{self.transform}: {what} {i} has shape {tuple(seed.shape)} but must have shape "
                                 f"{tuple(like.shape)}, the shape of {each} {i}")
            seeds.append(seed)
        return seeds

    def per_argument(self, values, keep_graph):
        """Flat per-input results regrouped as the arguments were, each in its input's kind."""
        values, trees = iter(values), []
        for primals, spec in zip(self.primals, self.arg_specs):
            trees.append(_unflatten(spec, iter([primal.export(next(values), keep_graph) for primal in primals])))
        return trees

    def output_value(self, keep_graph):
        value = _unflatten(self.out_spec, iter(self.outputs))
        return _tree_map(lambda leaf: _export(leaf, self.tensor_values, keep_graph), value)

    def aux_value(self):
        return _tree_map(lambda leaf: _export(leaf, self.tensor_values, self.keep_graph), self.aux)

    def linearize(self):
        """(u, g): dummy cotangents u for the outputs and g = J^T u as a differentiable function
        of u, for the double-vjp trick (J v = d<g(u), v>/du). g is linear in u, so u's values
        do not matter."""
        outputs = [out for out in self.outputs if out.requires_grad]
        dummies = [zeros_like(out).requires_grad_() for out in outputs]
        return dummies, self.pullback(outputs, dummies, self.inputs, create_graph=True, retain_graph=True)


def _group(trees, argnums):
    return tuple(trees) if isinstance(argnums, (tuple, list)) else trees[0]


# ---- grad and friends --------------------------------------------------------------------
_scalar_state = threading.local()


def _scalar_value_and_grad(func, args, kwargs, positions, has_aux, transform):
    """value_and_grad on the Scalar engine (first order only)."""
    if getattr(_scalar_state, "active", False):
        raise RuntimeError(f"{transform}: transforms of ag.Scalar functions cannot be nested: Scalar graphs "
                           f"record first derivatives only; pass Python floats to nest grad (grad(grad(f))(0.5))")
    call_args, fresh, specs = list(args), [], []
    for p in positions:
        leaves, spec = _flatten(args[p])
        for leaf in leaves:
            if not isinstance(leaf, Scalar):
                raise TypeError(f"{transform}: argument {p} holds a {type(leaf).__name__} while other differentiated "
                                f"arguments are ag.Scalars; differentiate Scalars only together with Scalars")
        own = [Scalar(leaf.data, label=leaf.label) for leaf in leaves]
        fresh.append(own)
        specs.append(spec)
        call_args[p] = _unflatten(spec, iter(own))
    _scalar_state.active = True
    try:
        output, aux = _split_aux(func(*call_args, **kwargs), has_aux, transform)
    finally:
        _scalar_state.active = False
    if isinstance(output, (int, float)) and not isinstance(output, bool):
        output = Scalar(output)  # a constant: its gradient is zero
    if not isinstance(output, Scalar):
        raise TypeError(f"{transform}: a function of ag.Scalar inputs must return a Scalar, got {type(output).__name__}")
    targets = [leaf for own in fresh for leaf in own]
    found = iter(run_backward([output], [1.0], targets=targets))
    trees = [_unflatten(spec, iter([Scalar(next(found) or 0.0) for _ in own])) for spec, own in zip(specs, fresh)]
    return Scalar(output.data), aux, trees


def _value_and_grad(func, argnums, has_aux, transform, args, kwargs):
    """(value, aux, grads) with grads grouped per argnums; the engine of the grad family."""
    positions = _positions(argnums, len(args), transform)
    if any(isinstance(leaf, Scalar) for p in positions for leaf in _flatten(args[p])[0]):
        value, aux, trees = _scalar_value_and_grad(func, args, kwargs, positions, has_aux, transform)
        return value, aux, _group(trees, argnums)
    call = _Call(transform, func, args, kwargs, positions, has_aux)
    if len(call.outputs) != 1 or call.outputs[0].numel() != 1:
        shapes = [tuple(out.shape) for out in call.outputs]
        raise RuntimeError(f"{transform}: the function must return one scalar Tensor (1 element), got output "
                           f"shape(s) {shapes}; reduce it (e.g. .sum()), or use jacobian or vjp for a non-scalar output")
    (output,) = call.outputs
    grads = call.pullback([output], [None], call.inputs, create_graph=call.keep_graph, retain_graph=call.keep_graph)
    return call.output_value(call.keep_graph), call.aux_value(), _group(call.per_argument(grads, call.keep_graph), argnums)


def _wrap(func, argnums, has_aux, transform, make_result):
    def transformed(*args, **kwargs):
        return make_result(*_value_and_grad(func, argnums, has_aux, transform, args, kwargs))

    transformed.__name__ = f"{transform}({getattr(func, '__name__', 'f')})"
    return transformed


def grad(func: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable[..., Any]:
    """The function that computes the gradient of `func` with respect to its argument(s) `argnums`
    (torch.func.grad, jax.grad).

    Args:
        func: a function of Tensors, NumPy arrays or Python floats (or tuples, lists and dicts
            of them) returning a one-element Tensor (with has_aux, a pair (output, aux)).
        argnums: the position, or a tuple of positions, of the arguments to differentiate.
        has_aux: `func` returns (output, aux); aux is passed through and returned alongside.

    Returns:
        A function with `func`'s arguments returning the gradient (a tuple of them when
        `argnums` is a tuple; (gradient, aux) with has_aux). Each gradient has its input's
        kind and structure: floats for floats, arrays for arrays, Tensors for Tensors.

    Example:
        >>> import autograd as ag
        >>> from autograd import func
        >>> func.grad(ag.sin)(0.0)
        1.0
        >>> func.grad(func.grad(func.grad(ag.sin)))(0.0)
        -1.0
        >>> func.grad(lambda x, y: (x * y ** 2).sum(), argnums=(0, 1))(2.0, 3.0)
        (9.0, 12.0)
    """
    return _wrap(func, argnums, has_aux, "grad", lambda value, aux, grads: (grads, aux) if has_aux else grads)


def value_and_grad(func: Callable[..., Any], argnums: int | Sequence[int] = 0,
                   has_aux: bool = False) -> Callable[..., Any]:
    """Like `grad`, but the function returns (value, gradient), as jax.value_and_grad does
    (with has_aux: ((value, aux), gradient)). The value is func's output, in the values' kind
    (a float for float/array arguments, a Tensor when any argument is a Tensor).

    Example:
        >>> from autograd import func
        >>> func.value_and_grad(lambda x: x ** 3)(2.0)
        (8.0, 12.0)
    """
    return _wrap(func, argnums, has_aux, "value_and_grad",
                 lambda value, aux, grads: ((value, aux), grads) if has_aux else (value, grads))


def grad_and_value(func: Callable[..., Any], argnums: int | Sequence[int] = 0,
                   has_aux: bool = False) -> Callable[..., Any]:
    """torch.func.grad_and_value: like `value_and_grad` but returns (gradient, value)
    (with has_aux: (gradient, (value, aux))).

    Example:
        >>> from autograd import func
        >>> func.grad_and_value(lambda x: x ** 3)(2.0)
        (12.0, 8.0)
    """
    return _wrap(func, argnums, has_aux, "grad_and_value",
                 lambda value, aux, grads: (grads, (value, aux)) if has_aux else (grads, value))


# ---- vjp, jvp ----------------------------------------------------------------------------
def vjp(func: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """Evaluates `func(*primals)` and returns (output, vjp_fn), as torch.func.vjp.

    Args:
        func: a function of `primals` returning a Tensor or a tuple/list of Tensors.
        *primals: the arguments, all differentiated (Tensors, arrays, numbers, or trees of them).
        has_aux: `func` returns (output, aux); then the result is (output, vjp_fn, aux).

    Returns:
        `vjp_fn(cotangents)` takes cotangents shaped like the output (the same structure) and
        returns a tuple with, for each primal, sum_k cotangent_k . d output_k / d primal. It
        can be called many times (the graph is kept).

    Example:
        >>> import numpy as np
        >>> from autograd import func
        >>> out, vjp_fn = func.vjp(lambda x: x ** 2, np.array([1.0, 2.0]))
        >>> vjp_fn(np.array([1.0, 10.0]))
        (array([ 2., 40.]),)
    """
    call = _Call("vjp", func, primals, {}, range(len(primals)), has_aux)

    def vjp_fn(cotangents):
        seeds = call.seeds(cotangents, call.outputs, "cotangent", "output")
        create = call.keep_graph or (is_grad_enabled() and any(seed.requires_grad for seed in seeds))
        grads = call.pullback(call.outputs, seeds, call.inputs, create_graph=create, retain_graph=True)
        return tuple(call.per_argument(grads, create))

    output = call.output_value(call.keep_graph)
    return (output, vjp_fn, call.aux_value()) if has_aux else (output, vjp_fn)


def jvp(func: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any],
        has_aux: bool = False) -> tuple[Any, ...]:
    """The Jacobian-vector product: returns (func(*primals), J @ tangents), as torch.func.jvp.

    Computed with the double-vjp trick (see the module docstring): two backward passes, no
    forward-mode AD.

    Args:
        func: a function of the primals returning a Tensor or a tuple/list of Tensors.
        primals: a tuple (or list) of the arguments.
        tangents: a tuple of the same structure, each shaped like its primal.
        has_aux: `func` returns (output, aux); then the result is (output, jvp_out, aux).

    Returns:
        (output, jvp_out), jvp_out shaped like the output, in the values' kind.

    Example:
        >>> import autograd as ag
        >>> from autograd import func
        >>> func.jvp(ag.sin, (0.0,), (2.0,))
        (0.0, 2.0)
    """
    for name, value in (("primals", primals), ("tangents", tangents)):
        if not isinstance(value, (tuple, list)):
            raise TypeError(f"jvp: {name} must be a tuple of the function's arguments, got "
                            f"{type(value).__name__}; write jvp(f, (x,), (v,)) for one argument")
    call = _Call("jvp", func, primals, {}, range(len(primals)), has_aux)
    seeds = call.seeds(tangents, call.inputs, "tangent", "input")
    create = call.keep_graph or (is_grad_enabled() and any(seed.requires_grad for seed in seeds))
    dummies, vjps = call.linearize()
    found = iter(call.pullback(vjps, seeds, dummies, create_graph=create, retain_graph=create))
    products = [next(found) if out.requires_grad else zeros_like(out) for out in call.outputs]
    jvp_out = _tree_map(lambda leaf: _export(leaf, call.tensor_values, create), _unflatten(call.out_spec, iter(products)))
    output = call.output_value(call.keep_graph)
    return (output, jvp_out, call.aux_value()) if has_aux else (output, jvp_out)


# ---- Jacobians ---------------------------------------------------------------------------
def _zeros(shape, dtype):
    return Tensor._make(np.zeros(shape, dtype=dtype))


def _jacobian_rows(call):
    """[output][input] -> Tensor of shape output.shape + input.shape, by reverse mode."""
    jac = []
    last = sum(out.numel() for out in call.outputs)
    count = 0
    for out in call.outputs:
        flat_rows = []
        seed = np.zeros(out.numel(), dtype=out.dtype)
        for k in range(out.numel()):
            count += 1
            seed[k] = 1.0
            cot = Tensor._make(seed.reshape(out.shape).copy())
            seed[k] = 0.0
            flat_rows.append(call.pullback([out], [cot], call.inputs, create_graph=call.keep_graph,
                                           retain_graph=call.keep_graph or count < last))
        jac.append([stack([row[i] for row in flat_rows]).reshape(*out.shape, *x.shape) if flat_rows
                    else _zeros(out.shape + x.shape, x.dtype) for i, x in enumerate(call.inputs)])
    return jac


def _jacobian_columns(call):
    """[output][input] -> Tensor of shape output.shape + input.shape, column by column (double vjp)."""
    dummies, vjps = call.linearize()
    columns = [[] for _ in call.outputs]  # columns[a][i]: per element of input i, d out_a / d x_i[j]
    for x, g in zip(call.inputs, vjps):
        per_output = [[] for _ in call.outputs]
        seed = np.zeros(x.numel(), dtype=x.dtype)
        for j in range(x.numel()):
            seed[j] = 1.0
            tangent = Tensor._make(seed.reshape(x.shape).copy())
            seed[j] = 0.0
            found = iter(call.pullback([g], [tangent], dummies, create_graph=call.keep_graph, retain_graph=True))
            for a, out in enumerate(call.outputs):
                per_output[a].append(next(found) if out.requires_grad else zeros_like(out))
        for a, out in enumerate(call.outputs):
            columns[a].append(stack(per_output[a], dim=-1).reshape(*out.shape, *x.shape) if per_output[a]
                              else _zeros(out.shape + x.shape, x.dtype))
    return columns


def _make_jacobian(func, argnums, has_aux, transform, build):
    def jacobian_fn(*args, **kwargs):
        call = _Call(transform, func, args, kwargs, _positions(argnums, len(args), transform), has_aux)
        per_output = []
        for row in build(call):  # one list per output, one entry per flat input
            per_output.append(_group(call.per_argument(row, call.keep_graph), argnums))
        result = _unflatten(call.out_spec, iter(per_output))
        return (result, call.aux_value()) if has_aux else result

    jacobian_fn.__name__ = f"{transform}({getattr(func, '__name__', 'f')})"
    return jacobian_fn


def jacobian(func: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable[..., Any]:
    """The function computing the Jacobian of `func` with respect to argument(s) `argnums`,
    by reverse mode, row by row (torch.func.jacrev).

    Args:
        func: a function returning a Tensor or a tuple/list of Tensors.
        argnums: the position, or tuple of positions, of the arguments to differentiate.
        has_aux: `func` returns (output, aux); the result is then (jacobian, aux).

    Shape:
        For an output of shape O and an input of shape I, the Jacobian has shape O + I.
        With a tuple `argnums` each output gets a tuple (one per argument); a tuple of
        outputs gives a tuple of those.

    Example:
        >>> import numpy as np
        >>> from autograd import func
        >>> func.jacobian(lambda x: x ** 2)(np.array([1.0, 2.0]))
        array([[2., 0.],
               [0., 4.]])
    """
    return _make_jacobian(func, argnums, has_aux, "jacobian", _jacobian_rows)


def jacrev(func: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable[..., Any]:
    """torch.func.jacrev: the same as `jacobian` (rows by reverse mode)."""
    return _make_jacobian(func, argnums, has_aux, "jacrev", _jacobian_rows)


def jacfwd(func: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable[..., Any]:
    """torch.func.jacfwd: the Jacobian column by column, each column a jvp by the double-vjp
    trick over one shared first backward pass; cheaper than `jacrev` when the inputs have
    fewer elements than the outputs. Same arguments and result as `jacobian`.

    Example:
        >>> import autograd as ag
        >>> from autograd import func
        >>> func.jacfwd(lambda x: ag.stack([x, x ** 2, x ** 3]))(2.0)
        array([ 1.,  4., 12.])
    """
    return _make_jacobian(func, argnums, has_aux, "jacfwd", _jacobian_columns)


def hessian(func: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """The function computing the Hessian of scalar-valued `func`: jacrev(jacrev(func))
    (torch.func.hessian, which composes jacfwd(jacrev)).

    Shape:
        For an input of shape I, the Hessian has shape I + I; with a tuple `argnums`,
        a nested tuple H[i][j] of shapes I_i + I_j.

    Example:
        >>> import numpy as np
        >>> from autograd import func
        >>> rosenbrock = lambda p: (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2
        >>> func.hessian(rosenbrock)(np.array([1.0, 1.0]))
        array([[ 802., -400.],
               [-400.,  200.]])
    """
    return jacrev(jacrev(func, argnums), argnums)


def hvp(func: Callable[..., Any], inputs: Any, v: Any) -> tuple[Any, Any]:
    """The Hessian-vector product of scalar-valued `func` at `inputs`, with
    torch.autograd.functional.hvp's semantics: returns (func(*inputs), H @ v).

    Computed reverse-over-reverse as the gradient of <grad f, v>, which is H v for a
    twice continuously differentiable f (its Hessian is symmetric).

    Args:
        func: a function of the inputs returning a one-element Tensor.
        inputs: a Tensor/array/float, or a tuple of them (func is called as func(*inputs)).
        v: the vector(s), with the structure and shapes of `inputs`.

    Returns:
        (output, hvp): output in the values' kind, hvp with the structure of `inputs`.

    Example:
        >>> import numpy as np
        >>> from autograd import func
        >>> func.hvp(lambda x: (x ** 3).sum(), np.array([1.0, 2.0]), np.array([1.0, 1.0]))
        (9.0, array([ 6., 12.]))
    """
    several = isinstance(inputs, (tuple, list))
    args = tuple(inputs) if several else (inputs,)
    if several != isinstance(v, (tuple, list)):
        raise TypeError("hvp: v must have the structure of inputs (a tuple of the same length when inputs is a tuple)")
    call = _Call("hvp", func, args, {}, range(len(args)), False)
    if len(call.outputs) != 1 or call.outputs[0].numel() != 1:
        raise RuntimeError(f"hvp: the function must return one scalar Tensor (1 element), got output shape(s) "
                           f"{[tuple(out.shape) for out in call.outputs]}")
    seeds = call.seeds(v if several else (v,), call.inputs, "v", "input")
    create = call.keep_graph or (is_grad_enabled() and any(seed.requires_grad for seed in seeds))
    grads = call.pullback(call.outputs, [None], call.inputs, create_graph=True, retain_graph=True)
    products = call.pullback(grads, seeds, call.inputs, create_graph=create, retain_graph=create)
    trees = call.per_argument(products, create)
    return call.output_value(call.keep_graph), tuple(trees) if several else trees[0]
