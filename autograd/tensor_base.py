"""TensorBase: what a Tensor holds and how it joins the graph (its array, `requires_grad`,
`.grad`, `grad_fn`, the version counter), its attributes, conversions to Python and NumPy,
backward() and hooks, and printing. Tensor (tensor.py) adds the operators, each a one-line
delegation to autograd/ops; this base imports no op, so any module can be imported first.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast, overload

import numpy as np

from . import compiler, dtypes, printing
from .grad_mode import is_grad_enabled

if TYPE_CHECKING:
    # TensorBase has methods named int, float and bool: inside the class these names mean the methods
    from builtins import bool as _bool, float as _float, int as _int
    from collections.abc import Callable, Sequence

    from numpy.typing import ArrayLike, DTypeLike

    from .device import device as _Device
    from .drawing.dot import Drawing
    from .function import Function
    from .tensor import Tensor


class TensorBase:
    """The state of a Tensor and the methods that need no op (see the module docstring)."""

    __slots__ = ("_data", "_requires_grad", "grad", "grad_fn", "_vc", "_aux", "__weakref__")

    _data: np.ndarray
    _requires_grad: _bool
    grad: Tensor | None
    grad_fn: Function | None
    _vc: list[_int] | None  # the version counter, shared with views
    _aux: dict[str, Any] | None  # rarely needed extras: a view's base, a leaf's hooks and accumulator

    if TYPE_CHECKING:  # Tensor._make, which makes a Tensor from an array without a copy
        @classmethod
        def _make(cls, array: np.ndarray, requires_grad: _bool = False) -> Tensor: ...

    def __init__(self, data: Tensor | ArrayLike, dtype: DTypeLike | None = None, requires_grad: _bool = False) -> None:
        data = data._data if isinstance(data, TensorBase) else data
        array = np.array(data if dtype is not None else dtypes.default_float_array(data), dtype=dtype, copy=True)
        self._data = array
        self.grad = None
        self.grad_fn = None
        self._vc = None
        self._aux = None
        self._requires_grad = False
        if requires_grad:
            self.requires_grad = True

    @property
    def _version(self) -> int:
        """How many times this tensor (or a view sharing its storage) was changed in place."""
        return self._vc[0] if self._vc is not None else 0

    def _counter(self) -> list[_int]:
        """The version counter (a one-element list, shared by views), created on first use."""
        if self._vc is None:
            self._vc = [0]
        return self._vc

    def _bump_version(self) -> None:
        if self._vc is None:
            self._vc = [1]
        else:
            self._vc[0] += 1

    def _aux_dict(self) -> dict[str, Any]:
        if self._aux is None:
            self._aux = {}
        return self._aux

    @property
    def _base(self) -> Tensor | None:
        return self._aux.get("base") if self._aux else None

    @property
    def _hooks(self) -> list[Callable[[Any], Any]] | None:
        return self._aux.get("hooks") if self._aux else None

    @property
    def requires_grad(self) -> _bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: _bool) -> None:
        if flag:
            dtypes.check_float_for_grad(self._data.dtype)
        elif self.grad_fn is not None:
            raise RuntimeError("requires_grad: you can only change requires_grad of leaf tensors; "
                               "use t.detach() to get a tensor that does not require grad")
        self._requires_grad = bool(flag)

    def requires_grad_(self, requires_grad: _bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return cast("Tensor", self)

    @property
    def shape(self) -> tuple[_int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> _int:
        return self._data.ndim

    def dim(self) -> _int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def device(self) -> _Device:
        from .device import device
        return device("cpu")

    @property
    def is_leaf(self) -> _bool:
        return self.grad_fn is None

    @overload
    def size(self, dim: None = None) -> tuple[_int, ...]: ...

    @overload
    def size(self, dim: _int) -> _int: ...

    def size(self, dim: _int | None = None) -> tuple[_int, ...] | _int:
        if dim is None:
            return self._data.shape
        return self._data.shape[dim]

    def numel(self) -> _int:
        return self._data.size

    def element_size(self) -> _int:
        return self._data.itemsize

    def __len__(self) -> _int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    @property
    def data(self) -> Tensor:
        """A tensor sharing this one's storage, outside the graph, whose in-place changes
        are not tracked by the version counter (PyTorch's `.data`). Assignable."""
        return self._make(self._data)

    @data.setter
    def data(self, value: Tensor | ArrayLike) -> None:
        array = value._data if isinstance(value, TensorBase) else np.asarray(value)
        self._data = array

    def numpy(self, force: _bool = False) -> np.ndarray:
        if self.requires_grad and not force:
            raise RuntimeError("numpy(): can't call numpy() on a tensor that requires grad; "
                               "use t.detach().numpy() instead")
        if compiler.recorder is not None:
            compiler.recorder.leaves_graph(self, "numpy()")
        return self._data

    def __array__(self, dtype: DTypeLike | None = None, copy: _bool | None = None) -> np.ndarray:
        if compiler.recorder is not None:
            compiler.recorder.leaves_graph(self, "np.asarray()")
        if dtype is not None and dtype != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def item(self) -> Any:  # a Python number
        if self._data.size != 1:
            raise RuntimeError(f"item(): a tensor with {self._data.size} elements cannot be converted "
                               f"to a Python number; only one-element tensors can")
        if compiler.recorder is not None:
            return compiler.recorder.item(self)
        return self._data.item()

    def tolist(self) -> Any:  # nested lists of Python numbers (a number for a 0-d tensor)
        if compiler.recorder is not None:
            compiler.recorder.python_value(self, "tolist()")
        return self._data.tolist()

    def __float__(self) -> _float:
        return float(self.item())

    def __int__(self) -> _int:
        return int(self.item())

    def __index__(self) -> _int:
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        if compiler.recorder is not None:  # range(n), seq[i]: Python code a replay would not run again
            compiler.recorder.python_value(self, "operator.index() (a tensor used as a Python int)")
        return int(self._data.item())

    def __bool__(self) -> _bool:
        if self._data.size != 1:
            raise RuntimeError(f"bool(): a tensor with {self._data.size} elements is ambiguous; "
                               f"use .any() or .all()")
        if compiler.recorder is not None:
            compiler.recorder.python_value(self, "bool()")
        return bool(self._data.item())

    def __format__(self, spec: str) -> str:
        if compiler.recorder is not None:  # f"{loss:.3f}": a replay would neither format nor print it
            compiler.recorder.python_value(self, "format() (an f-string)")
        if self._data.size == 1 and spec:
            return format(self._data.item(), spec)
        return format(repr(self), spec)

    def is_contiguous(self) -> _bool:
        return self._data.flags.c_contiguous

    def detach(self) -> Tensor:
        """A tensor sharing storage and version counter with this one, outside the graph."""
        out = self._make(self._data)
        out._vc = self._counter()
        return out

    def detach_(self) -> Tensor:
        if self._base is not None and is_grad_enabled():
            raise RuntimeError("detach_(): can't detach a view in place; use detach()")
        self.grad_fn = None
        self._requires_grad = False
        return cast("Tensor", self)

    def backward(self, gradient: Tensor | ArrayLike | None = None, retain_graph: _bool | None = None,
                 create_graph: _bool = False, inputs: Tensor | Sequence[Tensor] | None = None) -> None:
        """Accumulates the gradient of this tensor into `.grad` of the leaves that need it."""
        from .backprop import backward
        backward(cast("Tensor", self), gradient, retain_graph, create_graph, inputs=inputs)

    def retain_grad(self) -> None:
        """Makes this non-leaf tensor keep its gradient in `.grad` after backward."""
        if compiler.recorder is not None:
            compiler.recorder.unsupported("retain_grad()")
        if not self.requires_grad:
            raise RuntimeError("retain_grad(): can't retain the gradient of a tensor that does not require grad")
        if self.grad_fn is None:
            return
        import weakref
        ref = weakref.ref(self)

        def retain(grad):
            tensor = ref()
            if tensor is None:
                return
            value = grad if isinstance(grad, TensorBase) else self._make(np.array(grad, copy=True))
            tensor.grad = value if tensor.grad is None else tensor.grad + value

        self.grad_fn.retain_hook = retain  # type: ignore[misc]  # Function subclasses have a __dict__

    @property
    def retains_grad(self) -> _bool:
        return self.grad_fn is not None and self.grad_fn.retain_hook is not None

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> _RemovableHandle:
        """Calls hook(grad) when this tensor's gradient is computed; a returned tensor replaces it."""
        if compiler.recorder is not None:
            compiler.recorder.unsupported("register_hook()")
        if not self.requires_grad:
            raise RuntimeError("register_hook(): cannot register a hook on a tensor that doesn't require gradient")

        def on_grad(grad):
            as_tensor = grad if isinstance(grad, TensorBase) else self._make(grad)
            result = hook(as_tensor)
            if result is None:
                return None
            if isinstance(grad, TensorBase):
                return result
            return result._data if isinstance(result, TensorBase) else np.asarray(result)

        if self.grad_fn is not None:
            self.grad_fn.register_hook(on_grad)
        else:
            self._aux_dict().setdefault("hooks", []).append(on_grad)
        return _RemovableHandle(self, on_grad)

    def draw(self, **options: Any) -> Drawing:
        """Draws this tensor's graph with Graphviz: see autograd.draw."""
        from .drawing import draw
        return draw(self, **options)

    def __repr__(self) -> str:
        if compiler.recorder is not None:  # print(t), logging: a replay would neither format nor print it
            compiler.recorder.python_value(self, "repr()")
        return self._text()

    def __str__(self) -> str:
        if compiler.recorder is not None:
            compiler.recorder.python_value(self, "str()")
        return self._text()

    def _text(self) -> str:
        body = printing.format_array(self._data, prefix="tensor(")
        extra = []
        if self._data.size == 0:
            extra.append(f"size={self.shape}")
        if self._data.dtype not in (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool):
            extra.append(f"dtype={_dtype_name(self._data.dtype)}")
        if self.grad_fn is not None:
            extra.append(f"grad_fn=<{self.grad_fn.name}>")
        elif self.requires_grad:
            extra.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extra) + ")"


def _dtype_name(dtype):
    return "ag." + np.dtype(dtype).name


class _RemovableHandle:
    def __init__(self, tensor: TensorBase, hook: Callable[[Any], Any]) -> None:
        self._tensor, self._hook = tensor, hook

    def remove(self) -> None:
        node = self._tensor.grad_fn
        hooks = node.__dict__.get("pre_hooks", []) if node is not None else (self._tensor._hooks or [])
        if self._hook in hooks:
            hooks.remove(self._hook)
