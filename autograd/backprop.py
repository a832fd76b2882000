"""Where gradients enter and leave: backward() accumulates d(outputs)/d(leaf) into each leaf's
`.grad`, grad() returns d(outputs)/d(inputs). Both check the outputs and their seed gradients,
then start the engine's walk (engine.run_backward) at the outputs' nodes."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .engine import run_backward
from .leaf import node_of
from .tensor import Tensor

if TYPE_CHECKING:
    from numpy.typing import ArrayLike


def _as_list(values):
    if values is None:
        return None
    return list(values) if isinstance(values, (list, tuple)) else [values]


def _root_grads(outputs, grad_outputs, create_graph):
    grad_outputs = _as_list(grad_outputs) or [None] * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"backward: got {len(outputs)} outputs but {len(grad_outputs)} gradients")
    roots, grads = [], []
    for i, (out, grad) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(out, Tensor):
            raise TypeError(f"backward: output {i} is a {type(out).__name__}, not a Tensor")
        if not out.requires_grad:
            raise RuntimeError(f"backward: element {i} of the outputs does not require grad and has no "
                               f"grad_fn: nothing that requires grad was used to compute it (set "
                               f"requires_grad=True on the inputs, and don't compute it under no_grad)")
        if grad is None:
            if out.numel() != 1:
                raise RuntimeError(f"backward: a gradient can be created implicitly only for scalar outputs, "
                                   f"but this output has shape {tuple(out.shape)}; pass gradient= (a tensor "
                                   f"of that shape) or reduce it first, e.g. y.sum().backward()")
            grad = np.ones(out.shape, dtype=out.dtype)
        elif isinstance(grad, Tensor):
            grad = grad if create_graph else grad._data
        else:
            grad = np.asarray(grad, dtype=out.dtype)
        if tuple(grad.shape) != tuple(out.shape):
            raise RuntimeError(f"backward: the gradient has shape {tuple(grad.shape)} but the output has "
                               f"shape {tuple(out.shape)}; they must match")
        if create_graph and not isinstance(grad, Tensor):
            grad = Tensor._make(grad)
        roots.append(node_of(out))
        grads.append(grad)
    return roots, grads


def backward(tensors: Tensor | Sequence[Tensor], grad_tensors: Tensor | ArrayLike | Sequence[Tensor | ArrayLike | None] | None = None,
             retain_graph: bool | None = None, create_graph: bool = False,
             inputs: Tensor | Sequence[Tensor] | None = None) -> None:
    """Accumulates d(tensors)/d(leaf) into leaf.grad for every leaf that requires grad.

    `retain_graph` defaults to `create_graph`; without it the saved values are freed and a
    second backward through the same graph raises. `create_graph=True` records the backward
    pass itself, so the gradients it produces can be differentiated again.
    """
    outputs = _as_list(tensors)
    retain_graph = create_graph if retain_graph is None else retain_graph
    roots, grads = _root_grads(outputs, grad_tensors, create_graph)
    if inputs is not None:
        inputs = _as_list(inputs)
        found = grad(outputs, inputs, grad_tensors, retain_graph, create_graph, allow_unused=True)
        for tensor, g in zip(inputs, found):
            if g is not None:
                tensor.grad = g if tensor.grad is None else tensor.grad + g
        return
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        run_backward(roots, grads, retain_graph, create_graph)


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Tensor | ArrayLike | Sequence[Tensor | ArrayLike | None] | None = None,
         retain_graph: bool | None = None, create_graph: bool = False,
         allow_unused: bool = False) -> tuple[Tensor | None, ...]:
    """The gradients of `outputs` with respect to `inputs`, returned instead of accumulated.

    Example:
        >>> import autograd as ag
        >>> x = ag.tensor(3.0, requires_grad=True)
        >>> (dy_dx,) = ag.grad(x ** 2, x, create_graph=True)
        >>> dy_dx, ag.grad(dy_dx, x)[0]
        (tensor(6., grad_fn=<Mul>), tensor(2.))
    """
    outputs, inputs = _as_list(outputs), _as_list(inputs)
    retain_graph = create_graph if retain_graph is None else retain_graph
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad; set requires_grad=True on it "
                               f"before computing the outputs")
    roots, grads = _root_grads(outputs, grad_outputs, create_graph)
    targets = [node_of(t) for t in inputs]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        found = run_backward(roots, grads, retain_graph, create_graph, targets=targets)
    result: list[Tensor | None] = []
    for i, (t, g) in enumerate(zip(inputs, found)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(f"grad: input {i} (shape {tuple(t.shape)}) was not used to compute the "
                                   f"outputs; pass allow_unused=True to get None for it")
            result.append(None)
        elif isinstance(g, Tensor):
            result.append(g if g.dtype == t.dtype else g.to(t.dtype))
        else:
            result.append(Tensor._make(np.array(g, dtype=t.dtype, copy=True)))
    return tuple(result)
