"""Jacobians and Hessians, built one backward pass at a time (no vmap here): jacobian/jacrev
by rows, jacfwd by columns through the double-vjp trick, hessian as jacrev(jacrev), and
hvp reverse-over-reverse (see autograd.func)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..creation import zeros_like
from ..grad_mode import is_grad_enabled
from ..ops.shape import stack
from ..tensor import Tensor
from .calls import Call, argument_positions, group, unflatten


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
        call = Call(transform, func, args, kwargs, argument_positions(argnums, len(args), transform), has_aux)
        per_output = []
        for row in build(call):  # one list per output, one entry per flat input
            per_output.append(group(call.per_argument(row, call.keep_graph), argnums))
        result = unflatten(call.out_spec, iter(per_output))
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
        a nested tuple `H[i][j]` of shapes I_i + I_j.

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
    call = Call("hvp", func, args, {}, range(len(args)), False)
    if len(call.outputs) != 1 or call.outputs[0].numel() != 1:
        raise RuntimeError(f"hvp: the function must return one scalar Tensor (1 element), got output shape(s) "
                           f"{[tuple(out.shape) for out in call.outputs]}")
    seeds = call.seeds(v if several else (v,), call.inputs, "v", "input")
    create = call.keep_graph or (is_grad_enabled() and any(seed.requires_grad for seed in seeds))
    grads = call.pullback(call.outputs, [None], call.inputs, create_graph=True, retain_graph=True)
    products = call.pullback(grads, seeds, call.inputs, create_graph=create, retain_graph=create)
    trees = call.per_argument(products, create)
    return call.output_value(call.keep_graph), tuple(trees) if several else trees[0]
