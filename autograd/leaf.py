"""A leaf's node: AccumulateGrad adds what reaches a leaf tensor into its `.grad`; node_of finds
the node a tensor's gradient goes to (its grad_fn, or its accumulator, made on first use)."""
from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

from .views import refresh_view

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from .function import Node
    from .tensor import Tensor

_ndarray = np.ndarray
_ARRAYS = (np.ndarray, np.generic)  # what the walk hands a leaf outside create_graph (a 0-d result may be a scalar)


class AccumulateGrad:
    """The graph node of a leaf tensor that requires grad: adds what reaches it into `.grad`."""

    __slots__ = ("variable", "__weakref__")
    inputs = ()
    name = "AccumulateGrad"
    retain_hook = None

    variable: Tensor

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    @property
    def pre_hooks(self) -> Sequence[Callable[[Any], Any]]:
        return self.variable._hooks or ()

    @property
    def output_shape(self) -> tuple[int, ...]:
        return self.variable._data.shape

    @property
    def output_dtype(self) -> np.dtype:
        return self.variable._data.dtype

    @property
    def next_functions(self) -> tuple[()]:
        return ()

    def propagate(self, grad: Any) -> tuple[()]:
        """Engine protocol for a leaf: the engine hands it an array that nothing else refers
        to (see run_backward), so a first gradient is kept as `.grad` without a copy."""
        variable = self.variable
        if not isinstance(grad, _ARRAYS):  # a Tensor, under create_graph: keep the graph of the gradient
            if grad.dtype != variable.dtype:
                grad = grad.to(variable.dtype)
            variable.grad = grad if variable.grad is None else variable.grad + grad
            return ()
        if variable.grad is None:
            if (type(grad) is _ndarray and grad.dtype == variable.dtype and grad.flags.c_contiguous
                    and grad.flags.writeable):
                variable.grad = variable._make(grad)
            else:
                # C order: a transposed gradient (x @ W.T) would otherwise slow every optimiser pass
                variable.grad = variable._make(np.array(grad, dtype=variable.dtype, copy=True, order="C"))
        else:
            stored = variable.grad
            if stored.shape != variable.shape:
                raise RuntimeError(f"backward: the existing .grad has shape {stored.shape} but the "
                                   f"tensor has shape {variable.shape}; set .grad = None first")
            np.add(stored._data, grad, out=stored._data, casting="unsafe")
            stored._bump_version()
        return ()

    def release(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"<AccumulateGrad for a tensor of shape {tuple(self.variable.shape)}>"


def node_of(tensor: Tensor) -> Node:
    """The graph node that receives `tensor`'s gradient (its grad_fn, or its accumulator)."""
    aux = tensor._aux
    if aux is not None and "base" in aux:
        refresh_view(tensor)
    node = tensor.grad_fn
    if node is not None:
        return node
    if aux is None:
        aux = tensor._aux_dict()
    ref = aux.get("acc")
    acc = ref() if ref is not None else None
    if acc is None:
        acc = AccumulateGrad(tensor)
        aux["acc"] = weakref.ref(acc)
    return acc
