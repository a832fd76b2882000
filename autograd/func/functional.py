"""torch.autograd.functional (reached as `autograd.autograd.functional`): jacobian, hessian,
vjp, jvp, hvp and vhp with PyTorch's signatures and return structures, over the ag.func
transforms.

Structures. `inputs` is a Tensor or a tuple of Tensors and func is called as func(*inputs);
func returns a Tensor or a tuple of Tensors. A result indexed by inputs is a tuple when inputs
was a tuple and a single Tensor otherwise; by outputs, likewise; jacobian's is indexed by
outputs, then inputs.

Flags. create_graph=False: everything is computed at detached copies of the inputs and comes
back detached (the transforms run under no_grad). create_graph=True: inputs that require grad
are differentiated through (the transforms run under enable_grad), so the results can be
differentiated again; a result that depends on no input requiring grad comes back without a
graph where PyTorch's would require grad through its own detached copy. strict=True runs func
once more at fresh inputs and checks that every output requires grad and depends on every
input (and, for the Hessian family, that the gradient depends on every input), with PyTorch's
RuntimeErrors; PyTorch's further check that results require grad under create_graph=True is
not made. vectorize is accepted and changes nothing (the result is the same; the Jacobian is
built row by row); strategy='forward-mode' (which PyTorch allows only with vectorize=True)
builds it column by column (ag.func.jacfwd). vhp is computed as hvp, which is the same for a
twice continuously differentiable func (its Hessian is symmetric).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..backprop import grad as engine_grad
from ..leaf import node_of
from ..grad_mode import enable_grad, no_grad
from ..creation import ones_like
from ..tensor import Tensor
from .gradients import jvp as func_jvp
from .gradients import vjp as func_vjp
from .jacobians import hessian as func_hessian
from .jacobians import hvp as func_hvp
from .jacobians import jacfwd, jacrev

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]

_STRATEGIES = ("forward-mode", "reverse-mode")


def _as_tuple(value, arg_name, fn_name):
    """(was it a tuple, the Tensors as a tuple), checked as PyTorch does."""
    if isinstance(value, tuple):
        for i, item in enumerate(value):
            if not isinstance(item, Tensor):
                raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but "
                                f"the value at index {i} has type {type(item)}.")
        return True, value
    if not isinstance(value, Tensor):
        raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but the "
                        f"given {arg_name} has type {type(value)}.")
    return False, (value,)


def _checked(func, fn_name, single=False):
    """func, with its outputs checked as PyTorch does (single: one one-element Tensor, as 0-d for hessian)."""
    def checked(*args):
        out = func(*args)
        is_tuple, _ = _as_tuple(out, "outputs of the user-provided function", fn_name)
        if single:
            if is_tuple:
                raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
            if out.numel() != 1:
                raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should contain a single "
                                   f"element")
            return out.reshape(()) if fn_name == "hessian" else out
        return out
    return checked


def _check_v(v, like, is_tuple, fn_name, none_message):
    """v as a tuple of Tensors shaped like `like`, with PyTorch's errors; ones if v is None and allowed."""
    if v is None:
        if len(like) != 1 or like[0].numel() != 1:
            raise RuntimeError(none_message)
        return (ones_like(like[0]),)
    _, v = _as_tuple(v, "v", fn_name)
    if len(v) != len(like):
        raise RuntimeError(f"v is a tuple of invalid length: should be {len(like)} but got {len(v)}." if is_tuple
                           else "The given v should contain a single Tensor.")
    for i, (vi, li) in enumerate(zip(v, like)):
        if tuple(vi.shape) != tuple(li.shape):
            raise RuntimeError(f"{f'Entry {i} in ' if is_tuple else ''}v has invalid size: should be "
                               f"{tuple(li.shape)} but got {tuple(vi.shape)}.")
    return v


def _mode(create_graph):
    return enable_grad() if create_graph else no_grad()


def _reached(outputs):
    """Every node the outputs' graph reaches."""
    stack = [node_of(out) for out in outputs if out is not None and out.requires_grad]
    seen = set()
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(parent for parent in node.inputs if parent is not None)
    return seen


def _strict(func, inputs, kind, fn_name):
    """PyTorch's strict-mode checks on a fresh evaluation of func (kind: 'vjp', 'jvp', 'jacobian', 'second')."""
    leaves = [x.detach().requires_grad_() for x in inputs]
    nodes = [node_of(x) for x in leaves]
    with enable_grad():
        _, outputs = _as_tuple(func(*leaves), "outputs of the user-provided function", fn_name)
        for i, out in enumerate(outputs):
            if not out.requires_grad:
                raise RuntimeError(f"Output {i} of the user-provided function does not require gradients. The outputs "
                                   f"must be computed in a differentiable manner from the input when running in strict "
                                   f"mode.")
        reached = [_reached([out]) for out in outputs]
        for i, node in enumerate(nodes):
            if kind == "jacobian":
                for j, seen in enumerate(reached):
                    if node not in seen:
                        raise RuntimeError(f"Output {j} of the user-provided function is independent of input {i}. "
                                           f"This is not allowed in strict mode.")
            elif not any(node in seen for seen in reached):
                raise RuntimeError(f"The output of the user-provided function is independent of input {i}. This is "
                                   f"not allowed in strict mode.")
        if kind == "jvp":
            for j, seen in enumerate(reached):
                if not any(node in seen for node in nodes):
                    raise RuntimeError(f"The gradient with respect to the input is independent of entry {j} in the "
                                       f"grad_outputs when using the double backward trick to compute forward mode "
                                       f"gradients. This is not allowed in strict mode.")
        if kind == "second":
            grads = engine_grad(list(outputs), leaves, create_graph=True, allow_unused=True)
            for i, g in enumerate(grads):
                if g is None or not g.requires_grad:
                    raise RuntimeError(f"While computing the hessian, found that the jacobian of the user-provided "
                                       f"function with respect to input {i} is independent of the input. This is not "
                                       f"allowed in strict mode. You should ensure that your function is twice "
                                       f"differentiable and that the jacobian depends on the inputs (this would be "
                                       f"violated by a linear function for example).")
            second = _reached(grads)
            for i, node in enumerate(nodes):
                if node not in second:
                    raise RuntimeError(f"The jacobian of the user-provided function is independent of input {i}. This "
                                       f"is not allowed in strict mode.")


def vjp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(*inputs), v^T J), as torch.autograd.functional.vjp.

    Args:
        func: a function of Tensors returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of Tensors.
        v: the vector, shaped like func's output(s); may be None when func returns a single
            one-element Tensor.
        create_graph: keep the graph back to inputs that require grad, so the results can be
            differentiated.
        strict: raise if an output does not depend on an input (else its part is zero).

    Returns:
        (output, vjp): output as func returned it; vjp a Tensor, or a tuple when inputs was one.

    Example:
        >>> import autograd as ag
        >>> ag.autograd.functional.vjp(lambda x: x ** 2, ag.tensor([1.0, 2.0]), ag.tensor([1.0, 10.0]))
        (tensor([1., 4.]), tensor([ 2., 40.]))
    """
    is_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
    if strict:
        _strict(func, inputs, "vjp", "vjp")
    with _mode(create_graph):
        output, vjp_fn = func_vjp(_checked(func, "vjp"), *inputs)
        is_out_tuple, outputs = _as_tuple(output, "outputs of the user-provided function", "vjp")
        v = _check_v(v, outputs, is_out_tuple, "vjp", "The vector v can only be None if the user-provided function "
                     "returns a single Tensor with a single element.")
        grads = vjp_fn(v if is_out_tuple else v[0])
    return output, grads if is_tuple else grads[0]


def jvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(*inputs), J v), as torch.autograd.functional.jvp (by the double-vjp trick, as PyTorch).

    Args:
        func, inputs, create_graph, strict: as for `vjp`.
        v: the vector, shaped like the input(s); may be None for a single one-element input.

    Returns:
        (output, jvp): jvp shaped like the output(s) (a tuple when func returns one).

    Example:
        >>> import autograd as ag
        >>> ag.autograd.functional.jvp(lambda x: x ** 2, ag.tensor([1.0, 2.0]), ag.tensor([1.0, 10.0]))
        (tensor([1., 4.]), tensor([ 2., 40.]))
    """
    is_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
    v = _check_v(v, inputs, is_tuple, "jvp", "The vector v can only be None if the input to the user-provided "
                 "function is a single Tensor with a single element.")
    if strict:
        _strict(func, inputs, "jvp", "jvp")
    with _mode(create_graph):
        return func_jvp(_checked(func, "jvp"), inputs, v)


def jacobian(func: Callable[..., Any], inputs: Any, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode") -> Any:
    """The Jacobian of func at inputs, as torch.autograd.functional.jacobian.

    Args:
        func, inputs, create_graph, strict: as for `vjp`.
        vectorize: accepted; the result is the same either way.
        strategy: 'reverse-mode' (row by row) or 'forward-mode' (column by column; PyTorch
            requires vectorize=True and create_graph=False for it, and so do we).

    Returns:
        For output i and input j, a Tensor of shape output_i.shape + input_j.shape: a single
        Tensor for one input and one output, a tuple over inputs (or outputs) when only
        inputs (or only outputs) were a tuple, a tuple (outputs) of tuples (inputs) for both.

    Example:
        >>> import autograd as ag
        >>> ag.autograd.functional.jacobian(lambda x: x ** 2, ag.tensor([1.0, 2.0]))
        tensor([[2., 0.],
                [0., 4.]])
    """
    if strategy not in _STRATEGIES:
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your function '
                             'has more outputs than inputs, "forward-mode" tends to be more performant. Otherwise, '
                             'prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError('torch.autograd.functional.jacobian: `create_graph=True` and `strategy="forward-'
                                      'mode"` are not supported together (yet). Please either set `create_graph=False` '
                                      'or `strategy="reverse-mode"`.')
        if not vectorize:
            raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
                                      "only implemented for `vectorize=True`.")
    is_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    if strict:
        if vectorize:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
                               "supported together. Please either set `strict=False` or `vectorize=False`.")
        _strict(func, inputs, "jacobian", "jacobian")
    transform = jacfwd if strategy == "forward-mode" else jacrev
    with _mode(create_graph):
        return transform(_checked(func, "jacobian"), tuple(range(len(inputs))) if is_tuple else 0)(*inputs)


def hessian(func: Callable[..., Any], inputs: Any, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of scalar-valued func at inputs, as torch.autograd.functional.hessian.

    Args:
        func: returns a single one-element Tensor.
        inputs, create_graph, strict, vectorize: as for `jacobian`.
        outer_jacobian_strategy: 'reverse-mode' or 'forward-mode' (the same result here).

    Returns:
        A Tensor of shape input.shape + input.shape, or for a tuple of inputs a tuple of
        tuples: H[i][j] of shape input_i.shape + input_j.shape.

    Example:
        >>> import autograd as ag
        >>> ag.autograd.functional.hessian(lambda x: (x ** 3).sum(), ag.tensor([1.0, 2.0]))
        tensor([[ 6.,  0.],
                [ 0., 12.]])
    """
    is_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in _STRATEGIES:
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')
    if strict:
        _strict(func, inputs, "second", "hessian")
    with _mode(create_graph):
        return func_hessian(_checked(func, "hessian", single=True), tuple(range(len(inputs))) if is_tuple else 0)(*inputs)


def _second(func, inputs, v, create_graph, strict, fn_name):
    is_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
    v = _check_v(v, inputs, is_tuple, fn_name, "The vector v can only be None if the input to the user-provided "
                 "function is a single Tensor with a single element.")
    if strict:
        _strict(func, inputs, "second", fn_name)
    with _mode(create_graph):
        return func_hvp(_checked(func, fn_name, single=True), inputs if is_tuple else inputs[0], v if is_tuple else v[0])


def vhp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(*inputs), v^T H), as torch.autograd.functional.vhp; func returns one one-element
    Tensor, v is shaped like the input(s) (None allowed for one one-element input).

    Example:
        >>> import autograd as ag
        >>> ag.autograd.functional.vhp(lambda x: (x ** 3).sum(), ag.tensor([1.0, 2.0]), ag.tensor([1.0, 1.0]))
        (tensor(9.), tensor([ 6., 12.]))
    """
    return _second(func, inputs, v, create_graph, strict, "vhp")


def hvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(*inputs), H v), as torch.autograd.functional.hvp (reverse-over-reverse); as `vhp`.

    Example:
        >>> import autograd as ag
        >>> ag.autograd.functional.hvp(lambda x: (x ** 3).sum(), ag.tensor([1.0, 2.0]), ag.tensor([1.0, 1.0]))
        (tensor(9.), tensor([ 6., 12.]))
    """
    return _second(func, inputs, v, create_graph, strict, "hvp")
