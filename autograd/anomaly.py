"""Anomaly detection: a NaN or inf produced in backward raises, naming the op and the line of
user code whose forward created it."""
from __future__ import annotations

import functools
import math
import os
import traceback
from collections.abc import Callable
from typing import Any, Literal, ParamSpec, TypeVar

import numpy as np

_P = ParamSpec("_P")
_R = TypeVar("_R")

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class _Mode:
    enabled = False
    check_forward = False


mode = _Mode()


class detect_anomaly:
    """Context manager (and decorator) that makes backward check every gradient it computes.

    Forward records where each op ran (slow: use it to debug, not to train). With
    `check_forward=True` a NaN or inf produced by a forward op raises at once, too.

    Example:
        >>> import autograd as ag
        >>> x = ag.tensor([0.0], requires_grad=True)
        >>> with ag.detect_anomaly():
        ...     y = ag.sqrt(x).sum()
        ...     y.backward()  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        RuntimeError: detect_anomaly: Sqrt returned inf values in its gradient for argument 0...
    """

    def __init__(self, check_nan: bool = True, check_forward: bool = False) -> None:
        self.check_nan = check_nan
        self.check_forward = check_forward

    def __enter__(self) -> detect_anomaly:
        self._previous = (mode.enabled, mode.check_forward)
        mode.enabled, mode.check_forward = self.check_nan, self.check_forward
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        mode.enabled, mode.check_forward = self._previous
        return False

    def __call__(self, fn: Callable[_P, _R]) -> Callable[_P, _R]:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan, self.check_forward):
                return fn(*args, **kwargs)
        return wrapper


def set_detect_anomaly(enabled: bool) -> None:
    mode.enabled = bool(enabled)


def is_anomaly_enabled() -> bool:
    return mode.enabled


def user_frame() -> traceback.FrameSummary | None:
    """The innermost stack frame outside this package: where the user's code called the op."""
    for frame in reversed(traceback.extract_stack()[:-1]):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE_DIR):
            return frame
    return None


def where(frame: traceback.FrameSummary | None) -> str:
    if frame is None:
        return "an unknown place"
    code = f": {frame.line}" if frame.line else ""
    return f"{frame.filename}:{frame.lineno}{code}"


def _bad_kind(value):
    if isinstance(value, float):
        return None if math.isfinite(value) else ("nan" if math.isnan(value) else "inf")
    array = np.asarray(value)
    if array.dtype.kind not in "fc" or np.isfinite(array).all():
        return None
    return "nan" if np.isnan(array).any() else "inf"


def check_gradients(node: Any, grads: Any) -> None:
    """Raises if a gradient a node just computed has NaN or inf in it."""
    for i, (grad, parent) in enumerate(zip(grads, node.inputs)):
        if grad is None or parent is None:  # a gradient for an input that needs none goes nowhere
            continue
        kind = _bad_kind(grad)
        if kind is not None:
            frame = getattr(node, "_anomaly_frame", None)
            raise RuntimeError(f"detect_anomaly: {node.name} returned {kind} values in its gradient for "
                               f"argument {i}. Its forward ran at {where(frame)}")


def check_output(name: str, array: Any, frame: traceback.FrameSummary | None) -> None:
    kind = _bad_kind(array)
    if kind is not None:
        raise RuntimeError(f"detect_anomaly: {name} produced {kind} values in forward at {where(frame)}")
