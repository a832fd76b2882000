"""Dtypes are NumPy dtype objects, so they pass straight to NumPy and print as PyTorch's; and
PyTorch's dtype rules: the default float dtype, float promotion, which dtypes can carry a gradient."""
from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
float16 = np.dtype(np.float16)
int64 = np.dtype(np.int64)
int32 = np.dtype(np.int32)
int16 = np.dtype(np.int16)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
bool = np.dtype(np.bool_)  # noqa: A001  (PyTorch's name: torch.bool)
float = float32  # noqa: A001
double = float64
long = int64
int = int32  # noqa: A001

_default_float: list[np.dtype] = [float32]


def get_default_dtype() -> np.dtype:
    """The dtype of tensors made from Python floats (float32 unless changed)."""
    return _default_float[0]


def set_default_dtype(dtype: DTypeLike) -> None:
    """Sets the dtype that Python floats become: float32 or float64."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating dtypes are allowed, got {dtype}")
    _default_float[0] = dtype


def is_floating(dtype: DTypeLike) -> builtins.bool:  # (this module's `bool` is a dtype)
    return np.dtype(dtype).kind == "f"


def promoted_float(arrays: Iterable[Any]) -> np.dtype:
    """The dtype PyTorch gives a result NumPy computed in float64: float64 only where a float64
    tensor with dimensions asks for it, or, with no float tensor with dimensions among the
    inputs, a 0-d one; otherwise the widest float input with dimensions, or the default dtype
    (Python floats never promote: int tensor * 0.5 is float32)."""
    dimensioned = zero_dim = None
    for a in arrays:
        if isinstance(a, (np.ndarray, np.generic)):
            dtype = a.dtype
            if dtype.kind != "f":
                continue
            if a.ndim:
                if dtype is float64:
                    return float64  # a float64 input with dimensions decides at once
                dimensioned = dtype if dimensioned is None else np.promote_types(dimensioned, dtype)
            else:
                zero_dim = dtype if zero_dim is None else np.promote_types(zero_dim, dtype)
    if dimensioned is not None:
        return dimensioned
    return zero_dim if zero_dim is not None else get_default_dtype()


def default_float_array(data: Any, op: str = "tensor") -> np.ndarray:
    """np.asarray with PyTorch's dtype rules: Python floats become the default float dtype."""
    array = data if isinstance(data, np.ndarray) else np.asarray(data)
    if array.dtype == np.float64 and not isinstance(data, (np.ndarray, np.generic)):
        return array.astype(get_default_dtype())
    if array.dtype.kind not in "biufc":  # bool, integers, floats, complex: not str or object
        raise TypeError(f"{op}: could not turn {type(data).__name__} into a numeric array (NumPy reads it as dtype "
                        f"{array.dtype}); pass numbers, nested lists of numbers, or a NumPy array")
    return array


def check_float_for_grad(dtype: np.dtype, op: str = "requires_grad") -> None:
    """Raises unless `dtype` can carry a gradient (floating point or complex)."""
    if dtype.kind not in "fc":
        raise RuntimeError(f"{op}: only tensors of floating point dtype can require gradients, "
                           f"got {dtype}; convert first, e.g. t.float() or ag.tensor(..., dtype=ag.float32)")


# PyTorch's legacy tensor type names, which Tensor.type() returns and accepts
_TYPE_NAMES: dict[np.dtype, str] = {float32: "torch.FloatTensor", float64: "torch.DoubleTensor", float16: "torch.HalfTensor",
               int64: "torch.LongTensor", int32: "torch.IntTensor", int16: "torch.ShortTensor",
               int8: "torch.CharTensor", uint8: "torch.ByteTensor", bool: "torch.BoolTensor"}


def type_name(dtype: np.dtype) -> str:
    """The PyTorch type string of a dtype: float32 -> 'torch.FloatTensor'."""
    return _TYPE_NAMES.get(np.dtype(dtype), f"torch.{np.dtype(dtype).name}")


def from_type_name(name: DTypeLike) -> np.dtype:
    """A dtype from a PyTorch type string ('torch.FloatTensor') or a dtype."""
    if not isinstance(name, str) or "Tensor" not in name:
        return np.dtype(name)
    if ".cuda." in name:
        raise RuntimeError(f"type: {name!r} is a CUDA type; graphgrad runs on the CPU only (use 'torch.{name[11:]}')")
    for dtype, known in _TYPE_NAMES.items():
        if known == name:
            return dtype
    raise ValueError(f"type: invalid type {name!r}; expected one of {', '.join(_TYPE_NAMES.values())} or a dtype")


class finfo:
    """The machine limits of a floating-point dtype, as torch.finfo (from np.finfo): `bits`, `eps`,
    `max`, `min`, `tiny` (= `smallest_normal`), `resolution` (10**-precision), and `dtype`, the
    dtype's name ('float32'). `finfo()` describes the default dtype.

    Example:
        >>> import autograd as ag
        >>> ag.finfo(ag.float32).eps
        1.1920928955078125e-07
    """

    def __init__(self, type: DTypeLike | None = None) -> None:  # noqa: A002  (PyTorch's name)
        dtype = get_default_dtype() if type is None else np.dtype(type)
        if dtype.kind != "f":
            raise TypeError(f"finfo: {dtype.name} is not a floating-point dtype (use iinfo for integers)")
        info = np.finfo(dtype)
        self.bits: builtins.int = info.bits
        self.eps: builtins.float = builtins.float(info.eps)
        self.max: builtins.float = builtins.float(info.max)
        self.min: builtins.float = builtins.float(info.min)
        self.tiny: builtins.float = builtins.float(info.smallest_normal)
        self.smallest_normal: builtins.float = self.tiny
        self.resolution: builtins.float = 10.0 ** -builtins.int(info.precision)
        self.dtype: str = dtype.name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """The limits of an integer dtype, as torch.iinfo (from np.iinfo): `bits`, `max`,
    `min` (Python ints) and `dtype`, the dtype's name ('int64').

    Example:
        >>> import autograd as ag
        >>> ag.iinfo(ag.int8).max
        127
    """

    def __init__(self, type: DTypeLike) -> None:  # noqa: A002  (PyTorch's name)
        dtype = np.dtype(type)
        if dtype.kind not in "iu":
            raise TypeError(f"iinfo: {dtype.name} is not an integer dtype (use finfo for floating point)")
        info = np.iinfo(dtype)
        self.bits: builtins.int = info.bits
        self.min: builtins.int = builtins.int(info.min)
        self.max: builtins.int = builtins.int(info.max)
        self.dtype: str = dtype.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
