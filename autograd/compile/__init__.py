"""ag.compile: record a training step once, replay it as generated straight-line Python.

The first call with a given guard key runs eagerly; the second runs eagerly too while the
engine's choke points hand every array operation to a Recorder (recorder.py): each primitive's
forward, each node's propagate, each sum of gradients, each leaf's accumulation into .grad,
each optimiser's update of one parameter, each random draw and in-place write. Each primitive's
forward and gradient rule are also traced (tracer.py, lowering.py) into the NumPy calls they make,
checked against eager's values bit for bit. codegen.py writes the steps as a Python function
(`compiled.source`): a traced primitive as its NumPy calls inline, into preallocated buffers, any
other as a call to the op itself. Later calls whose guards (guards.py) hold run it instead of `fn`;
both forms compute what eager computes the way eager computes it, so they agree bit for bit.
"""
from __future__ import annotations

import functools
import os
import warnings
from typing import Any

import numpy as np

from .. import compiler
from ..tensor import Tensor
from . import guards
from .checking import State, first_difference
from .codegen import generate
from .recorder import CompileError, Recorder

__all__ = ["compile", "Compiled", "CompileError"]


class Entry:
    """One recording: its generated function and source, and the checks beside its key."""

    def __init__(self, function: Any, checked: Any, source: str, checks: guards.Checks, reason: str,
                 called_whole: dict[str, str]) -> None:
        self.function, self.checked, self.source, self.checks, self.reason = function, checked, source, checks, reason
        self.called_whole = called_whole  # op name -> why it is replayed by calling it, not written inline
        self.replays = 0


class Compiled:
    """The callable ag.compile returns. `source` is the generated code of the latest entry;
    `explain()` lists the entries and why each was recorded."""

    def __init__(self, fn: Any, check_every: int, max_entries: int, enabled: bool) -> None:
        functools.update_wrapper(self, fn)
        self.fn, self.check_every, self.max_entries = fn, check_every, max_entries
        self.enabled = enabled and os.environ.get("GRAPHGRAD_COMPILE", "1") != "0"
        self.entries: dict[Any, list[Entry]] = {}
        self._seen: set[Any] = set()
        self._warned = False
        self._latest: Entry | None = None

    @property
    def source(self) -> str:
        if self._latest is None:
            return "# nothing recorded yet: the first call runs eagerly, the second records"
        return self._latest.source

    def explain(self) -> str:
        """The entries: why each was recorded, how often it was replayed, its key, what it checks
        beside the key, and which ops it replays by calling them whole (and why they could not
        be written inline)."""
        lines = []
        for key, entries in self.entries.items():
            for entry in entries:
                lines.append(f"entry ({entry.reason}), replayed {entry.replays} times, key {key!r}")
                checks = entry.checks
                lines.append(f"    checks: the storage and .grad of {len(checks.tensors)} tensors, the training flag of "
                             f"{len(checks.training)} modules, the state keys of {len(checks.state)} optimisers")
                lines += [f"    {op} is called, not inline: {why}" for op, why in sorted(entry.called_whole.items())]
        return "\n".join(lines) or "no entries"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self.enabled:
            return self.fn(*args, **kwargs)
        if compiler.recorder is not None:
            compiler.recorder.unsupported("a call to a compiled function (nested ag.compile)")
        key, tensors = guards.key_of(args, kwargs)
        entries = self.entries.get(key)
        if entries:
            reason = ""
            for entry in entries:
                missed = entry.checks.miss()
                if missed is None:
                    entry.replays += 1
                    if self.check_every and entry.replays % self.check_every == 0:
                        return self._checked(entry, tensors, args, kwargs)
                    return entry.function(*tensors)
                reason = reason or missed
        elif key not in self._seen:
            self._seen.add(key)  # the first call runs eagerly: optimisers create their state, grads appear
            return self.fn(*args, **kwargs)
        else:
            reason = "first recording" if not self.entries else "new guard key (shapes, dtypes, modes or arguments)"
        if sum(len(e) for e in self.entries.values()) >= self.max_entries:
            if not self._warned:
                self._warned = True
                warnings.warn(f"ag.compile({getattr(self.fn, '__name__', self.fn)!r}): {self.max_entries} entries "
                              f"recorded and the guards missed again ({reason}); running eagerly from now on "
                              f"for new keys. compiled.explain() lists the entries.", stacklevel=2)
            return self.fn(*args, **kwargs)
        return self._record(key, tensors, reason, args, kwargs)

    def _record(self, key: Any, tensors: list[Tensor], reason: str, args: tuple, kwargs: dict) -> Any:
        held = guards.snapshot(guards.parameters(*guards.stateful_objects(self.fn, args, kwargs)))
        recorder = Recorder(tensors)
        compiler.recorder = recorder
        try:
            result = self.fn(*args, **kwargs)
            returned = recorder.finish(result)
        finally:
            compiler.recorder = None
        known = {id(t) for t, _, _ in held}
        held += [(t, t._data, None) for t in recorder.live.values() if id(t) not in known and t.requires_grad]
        checks = guards.Checks(held, list(recorder.modules.values()), list(recorder.optimizers.values()))
        name = getattr(self.fn, "__name__", "step")
        name = name if name.isidentifier() else "step"
        source, function, checked = generate(recorder, returned, len(tensors), f"compiled_{name}")
        entry = Entry(function, checked, source, checks, reason, recorder.not_lowered)
        self.entries.setdefault(key, []).append(entry)
        self._latest = entry
        return result

    def _checked(self, entry: Entry, tensors: list[Tensor], args: tuple, kwargs: dict) -> Any:
        """A replay checked against eager mode from the same state (checking.py); eager's result
        and state are kept. A difference warns, naming the first value that differs, and the
        entry is dropped (the next call records afresh)."""
        state = State([t for t, _, _ in entry.checks.tensors], [opt for opt, _ in entry.checks.state])
        start = state.capture()
        logged: list[tuple[str, Any, str]] = []
        entry.checked(*tensors, lambda name, value, note: logged.append((name, np.array(value), note)))
        replayed = state.capture()
        state.restore(start)
        recorder = Recorder(tensors, snapshots=True)
        compiler.recorder = recorder
        try:
            result = self.fn(*args, **kwargs)
            recorder.finish(result)
        finally:
            compiler.recorder = None
        eager = recorder.snapshots or {}
        differences = state.differences(replayed, state.capture())
        first = first_difference(logged, eager)
        if first is not None or differences:
            for entries in self.entries.values():
                if entry in entries:
                    entries.remove(entry)
            where = f"the first value that differs is {first}" if first else "every recorded value agrees"
            differences = differences[:3] + ["..."] * (len(differences) > 3)
            warnings.warn(f"ag.compile({getattr(self.fn, '__name__', self.fn)!r}) check_every: the replay differs "
                          f"from eager mode ({where}; also {', '.join(differences) or 'no state'}); the entry is "
                          f"dropped and the next call records afresh. Please report this with compiled.source.",
                          RuntimeWarning, stacklevel=3)
        return result


def compile(fn: Any = None, *, check_every: int = 0, max_entries: int = 8, enabled: bool = True) -> Any:  # noqa: A001
    """Records `fn` (a training step: forward, loss.backward(), optimizer.step()) once and replays
    it as generated straight-line Python; usable as `@ag.compile` or `ag.compile(fn, ...)`.

    The first call runs eagerly, the second records while running eagerly, later calls replay
    when the guards hold (shapes, dtypes, requires_grad and whether .grad is None of Tensor
    arguments, other arguments' values, grad mode, the `training` of every module the call runs,
    parameters' storage and whether their .grad is None, the keys of optimiser state);
    a miss records a new entry, up to `max_entries`, then warns once and runs eagerly. Replays
    read the optimiser's hyper-parameters (lr, betas, ...) afresh, so schedulers work. Returned
    tensors are fresh and carry no graph; `.item()` is allowed on a value the function returns.
    Random draws are replayed on the generator in force at replay (so compiled and eager calls
    draw alike from one seed), and in-place writes (running statistics) into the same storage.
    What cannot be replayed (.item() of a value not returned, bool(), hooks, assignments through
    tensor indices) raises CompileError while recording. `enabled=False` or GRAPHGRAD_COMPILE=0
    runs eagerly.
    `check_every=k` checks every k-th replay of an entry against eager mode from the same
    state and warns, naming the first value that differs (a bug to report); `explain()` lists
    the entries, why each was recorded, and the ops replayed by calling them whole.

    Example:
        >>> import autograd as ag
        >>> w = ag.tensor([1.0, -2.0], requires_grad=True)
        >>> @ag.compile
        ... def step(x):
        ...     w.grad = None
        ...     loss = ((w * x).sum() ** 2)
        ...     loss.backward()
        ...     return loss
        >>> [step(ag.tensor([1.0, 1.0])).item() for _ in range(3)]
        [1.0, 1.0, 1.0]
    """
    if fn is None:
        return functools.partial(compile, check_every=check_every, max_entries=max_entries, enabled=enabled)
    return Compiled(fn, check_every, max_entries, enabled)
