"""The grad family (grad, value_and_grad, grad_and_value, the Scalar engine's first-order
version of them) and vjp and jvp: one backward pass over one forward pass, or two for jvp
(the double-vjp trick; see autograd.func)."""
from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from ..creation import zeros_like
from ..engine import run_backward
from ..grad_mode import is_grad_enabled
from ..scalar import Scalar
from .calls import Call, argument_positions, export, flatten, group, split_aux, tree_map, unflatten


_scalar_state = threading.local()


def _scalar_value_and_grad(func, args, kwargs, positions, has_aux, transform):
    """value_and_grad on the Scalar engine (first order only)."""
    if getattr(_scalar_state, "active", False):
        raise RuntimeError(f"{transform}: transforms of ag.Scalar functions cannot be nested: Scalar graphs "
                           f"record first derivatives only; pass Python floats to nest grad (grad(grad(f))(0.5))")
    call_args, fresh, specs = list(args), [], []
    for p in positions:
        leaves, spec = flatten(args[p])
        for leaf in leaves:
            if not isinstance(leaf, Scalar):
                raise TypeError(f"{transform}: argument {p} holds a {type(leaf).__name__} while other differentiated "
                                f"arguments are ag.Scalars; differentiate Scalars only together with Scalars")
        own = [Scalar(leaf.data, label=leaf.label) for leaf in leaves]
        fresh.append(own)
        specs.append(spec)
        call_args[p] = unflatten(spec, iter(own))
    _scalar_state.active = True
    try:
        output, aux = split_aux(func(*call_args, **kwargs), has_aux, transform)
    finally:
        _scalar_state.active = False
    if isinstance(output, (int, float)) and not isinstance(output, bool):
        output = Scalar(output)  # a constant: its gradient is zero
    if not isinstance(output, Scalar):
        raise TypeError(f"{transform}: a function of ag.Scalar inputs must return a Scalar, got {type(output).__name__}")
    targets = [leaf for own in fresh for leaf in own]
    found = iter(run_backward([output], [1.0], targets=targets))
    trees = [unflatten(spec, iter([Scalar(next(found) or 0.0) for _ in own])) for spec, own in zip(specs, fresh)]
    return Scalar(output.data), aux, trees


def _value_and_grad(func, argnums, has_aux, transform, args, kwargs):
    """(value, aux, grads) with grads grouped per argnums; the engine of the grad family."""
    positions = argument_positions(argnums, len(args), transform)
    if any(isinstance(leaf, Scalar) for p in positions for leaf in flatten(args[p])[0]):
        value, aux, trees = _scalar_value_and_grad(func, args, kwargs, positions, has_aux, transform)
        return value, aux, group(trees, argnums)
    call = Call(transform, func, args, kwargs, positions, has_aux)
    if len(call.outputs) != 1 or call.outputs[0].numel() != 1:
        shapes = [tuple(out.shape) for out in call.outputs]
        raise RuntimeError(f"{transform}: the function must return one scalar Tensor (1 element), got output "
                           f"shape(s) {shapes}; reduce it (e.g. .sum()), or use jacobian or vjp for a non-scalar output")
    (output,) = call.outputs
    grads = call.pullback([output], [None], call.inputs, create_graph=call.keep_graph, retain_graph=call.keep_graph)
    return call.output_value(call.keep_graph), call.aux_value(), group(call.per_argument(grads, call.keep_graph), argnums)


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
    call = Call("vjp", func, primals, {}, range(len(primals)), has_aux)

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
    call = Call("jvp", func, primals, {}, range(len(primals)), has_aux)
    seeds = call.seeds(tangents, call.inputs, "tangent", "input")
    create = call.keep_graph or (is_grad_enabled() and any(seed.requires_grad for seed in seeds))
    dummies, vjps = call.linearize()
    found = iter(call.pullback(vjps, seeds, dummies, create_graph=create, retain_graph=create))
    products = [next(found) if out.requires_grad else zeros_like(out) for out in call.outputs]
    jvp_out = tree_map(lambda leaf: export(leaf, call.tensor_values, create), unflatten(call.out_spec, iter(products)))
    output = call.output_value(call.keep_graph)
    return (output, jvp_out, call.aux_value()) if has_aux else (output, jvp_out)
