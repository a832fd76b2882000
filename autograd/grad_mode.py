"""Grad mode: whether operations record a graph. Thread-local, as in PyTorch."""
from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from typing import Literal, ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")

# A context variable is per thread (a new thread starts with grad mode on) and per asyncio
# task, like a thread-local, and reads in about a third of a threading.local's time: ops
# read it on every call.
_enabled = contextvars.ContextVar("grad_enabled", default=True)
grad_enabled = _enabled.get


def is_grad_enabled() -> bool:
    """True when new operations record the graph that backward() walks."""
    return _enabled.get()


def _set(flag: bool) -> None:
    _enabled.set(bool(flag))


class _GradMode:
    """A context manager that is also a decorator: sets grad mode to `_flag` inside."""

    _flag = True

    def __enter__(self) -> _GradMode:
        self._previous = is_grad_enabled()
        _set(self._flag)
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        _set(self._previous)
        return False

    def __call__(self, fn: Callable[_P, _R]) -> Callable[_P, _R]:
        flag = self._flag

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            previous = is_grad_enabled()
            _set(flag)
            try:
                return fn(*args, **kwargs)
            finally:
                _set(previous)

        return wrapper


class no_grad(_GradMode):
    """Context manager and decorator: operations inside record no graph.

    Example:
        >>> import autograd as ag
        >>> w = ag.ones(2, requires_grad=True)
        >>> with ag.no_grad():
        ...     y = w * 2
        >>> y.requires_grad
        False
    """

    _flag = False


class enable_grad(_GradMode):
    """Context manager and decorator: re-enables graph recording inside no_grad."""

    _flag = True


class set_grad_enabled(_GradMode):
    """Sets grad mode to `mode` at once (like a function call) and restores the previous
    mode on leaving a `with` block; as a decorator it applies `mode` inside the function
    only (torch.set_grad_enabled's semantics)."""

    def __init__(self, mode: bool):
        self._flag = bool(mode)
        self._previous = is_grad_enabled()
        _set(self._flag)

    def __enter__(self) -> set_grad_enabled:
        return self

    def __call__(self, fn: Callable[_P, _R]) -> Callable[_P, _R]:
        _set(self._previous)  # used as a decorator: it must not change the mode now
        return super().__call__(fn)


_inference = contextvars.ContextVar("inference_mode", default=False)


class inference_mode(_GradMode):
    """Context manager and decorator, as torch.inference_mode: with mode=True (the default),
    operations inside record no graph, as under no_grad; inference_mode(False) changes nothing.
    Also a bare decorator (`@ag.inference_mode`). graphgrad has no separate inference tensors:
    what torch.inference_mode saves over no_grad (version counters, view tracking) costs nothing
    here, so results are ordinary tensors that may later be used in graphs.

    Example:
        >>> import autograd as ag
        >>> w = ag.ones(2, requires_grad=True)
        >>> with ag.inference_mode():
        ...     y = w * 2
        >>> y.requires_grad
        False
    """

    def __new__(cls, mode: bool | Callable[..., object] = True) -> inference_mode:
        if callable(mode):  # @inference_mode without parentheses
            return cls()(mode)  # type: ignore[return-value]
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode)
        self._flag = not self.mode

    def __enter__(self) -> inference_mode:
        if self.mode:
            super().__enter__()
            self._token = _inference.set(True)
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        if self.mode:
            _inference.reset(self._token)
            super().__exit__()
        return False

    def __call__(self, fn: Callable[_P, _R]) -> Callable[_P, _R]:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return fn(*args, **kwargs)

        return wrapper


def is_inference_mode_enabled() -> bool:
    """True inside inference_mode() (as torch.is_inference_mode_enabled)."""
    return _inference.get()
