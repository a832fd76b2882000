"""check_every: a replay checked against eager mode on the same starting state.

A checked call snapshots what a step changes (the parameters and buffers the entry reads, their
.grad, the optimisers' state, the default generator), replays with every value of the recording
logged, snapshots the end state, puts the starting state back and runs the step eagerly while
recording again (which names each eager value as the replay names it). The first logged value
that differs names the operation; the eager run's state is the one kept.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..random import default_generator
from ..tensor import Tensor
from .tracer import same_bits


def _copied(value: Any) -> Any:
    if isinstance(value, Tensor):
        return value._data.copy()
    if isinstance(value, np.ndarray):
        return value.copy()
    return value


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and same_bits(a, b)
    return bool(a == b)


class State:
    """What a step changes, snapshotted: `tensors` (data and .grad), `optimizers`' state, the
    default generator's state."""

    def __init__(self, tensors: list[Tensor], optimizers: list[Any]) -> None:
        self.tensors, self.optimizers = tensors, optimizers

    def capture(self) -> list[Any]:
        return ([(t._data.copy(), None if t.grad is None else t.grad._data.copy()) for t in self.tensors]
                + [{id(p): {k: _copied(v) for k, v in s.items()} for p, s in opt.state.items()} for opt in self.optimizers]
                + [default_generator().get_state()])

    def restore(self, captured: list[Any]) -> None:
        n = len(self.tensors)
        for tensor, (data, grad) in zip(self.tensors, captured[:n]):
            np.copyto(tensor._data, data)
            if grad is None:
                tensor.grad = None
            elif tensor.grad is not None and tensor.grad.shape == grad.shape:
                np.copyto(tensor.grad._data, grad)
            else:
                tensor.grad = Tensor._make(grad.copy())
        for opt, saved in zip(self.optimizers, captured[n:-1]):
            for param in list(opt.state):
                if id(param) not in saved:
                    del opt.state[param]
                    continue
                state = opt.state[param]
                for key in list(state):
                    if key not in saved[id(param)]:
                        del state[key]
                for key, value in saved[id(param)].items():
                    now = state.get(key)
                    if isinstance(value, np.ndarray) and isinstance(now, (np.ndarray, Tensor)) and np.shape(now) == value.shape:
                        np.copyto(now._data if isinstance(now, Tensor) else now, value)
                    else:
                        state[key] = _copied(value)
        default_generator().set_state(captured[-1])

    def differences(self, a: list[Any], b: list[Any]) -> list[str]:
        """What differs between two captures, in words."""
        found = []
        n = len(self.tensors)
        for i, ((data_a, grad_a), (data_b, grad_b)) in enumerate(zip(a[:n], b[:n])):
            if not same_bits(data_a, data_b):
                found.append(f"the values of tensor {i} of shape {data_a.shape}")
            if (grad_a is None) != (grad_b is None) or grad_a is not None and not same_bits(grad_a, grad_b):
                found.append(f"the .grad of tensor {i} of shape {data_a.shape}")
        for opt, state_a, state_b in zip(self.optimizers, a[n:-1], b[n:-1]):
            if state_a.keys() != state_b.keys() or any(
                    s.keys() != state_b[p].keys() or not all(_equal(v, state_b[p][k]) for k, v in s.items())
                    for p, s in state_a.items()):
                found.append(f"the state of {type(opt).__name__}")
        if a[-1] != b[-1]:
            found.append("the default generator's state")
        return found


def first_difference(logged: list[tuple[str, Any, str]], eager: dict[str, Any]) -> str | None:
    """The first replayed value (name, value, what made it) that differs from eager's."""
    for name, value, note in logged:
        if name in eager and not same_bits(value, eager[name]):
            return f"{name} = {note}"
    return None
