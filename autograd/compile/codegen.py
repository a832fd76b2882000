"""Straight-line Python from a recording: one statement per array operation, in the order the
eager call ran them, compiled with compile()/exec so it is a real function (printable, steppable).

    t3 = Mul_forward0(ctx3, t2, 0.5)            # Mul  (train.py:14)
    g7, g8 = ctx3.propagate(g6)                 # backward of Mul
    acc0.propagate(g8)                          # into .grad
    opt0._step_parameter(p0, opt0.param_groups[0])
"""
from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from ..grad_mode import no_grad
from .recorder import Recorder, Value


def _scalar_result(ctx: Any, raw: Any) -> np.ndarray:
    """As Function.apply: a ufunc on 0-d arrays returns a NumPy scalar; make it an array, and keep
    recognising it among what forward saved."""
    result = np.asarray(raw)
    if any(value is raw for value in ctx._saved):
        ctx._saved = tuple([result if kept is raw else kept for kept in ctx._saved])
    return result


def _expr(ref: Value | str) -> str:
    return ref.expr if isinstance(ref, Value) else ref


def _uses(steps: list[tuple], result_refs: list[Value]) -> Counter:
    """How many times each recorded array is read (by object: two names may hold one array)."""
    uses: Counter = Counter()
    for step in steps:
        kind = step[0]
        reads: list[Any] = []
        if kind == "forward":
            reads = list(step[4]) + list(step[5].values())
        elif kind == "propagate":
            reads = [step[3]]
        elif kind == "add":
            reads = [step[2], step[3]]
        elif kind in ("accumulate", "item"):
            reads = [step[2]]
        for ref in reads:
            if isinstance(ref, Value):
                uses[id(ref.array)] += 1
    for ref in result_refs:
        uses[id(ref.array)] += 1
    return uses


def generate(recorder: Recorder, returned: str, n_args: int, name: str = "compiled_step") -> tuple[str, Any]:
    """(source, function) for the recording."""
    steps = recorder.steps
    result_refs = [v for v in recorder.values.values() if v.local and f"_T({v.expr})" in returned]
    uses = _uses(steps, result_refs)
    lines = [f"def {name}({', '.join(f'a{i}' for i in range(n_args))}):"]
    in_no_grad = False  # optimiser steps run under no_grad, as Optimizer.step runs them
    for step in steps:
        kind = step[0]
        if in_no_grad and kind != "call":
            in_no_grad = False
        if kind == "arg":
            lines.append(f"    {step[1]} = a{step[2]}._data")
        elif kind == "forward":
            _, out, forward, ctx, operands, options, scalar, cast, note = step
            call = f"{forward}({', '.join([ctx] + [_expr(o) for o in operands] + [f'{k}={_expr(v)}' for k, v in options.items()])})"
            if scalar:
                call = f"_scalar_result({ctx}, {call})"
            if cast is not None:
                call = f"{call}.astype(np.{cast.name})"
            lines.append(f"    {out.expr} = {call}  # {note}")
        elif kind == "propagate":
            _, outs, ctx, incoming, note = step
            targets = [o.expr if o is not None else "_" for o in outs]
            lines.append(f"    {', '.join(targets)}{',' if len(targets) == 1 else ''} = {ctx}.propagate({incoming.expr})  # {note}")
        elif kind == "add":
            _, out, left, right = step
            lines.append(f"    {out.expr} = {left.expr} + {right.expr}  # two gradients meet")
        elif kind == "accumulate":
            _, target, value, view, cleared = step
            if cleared is not None:  # .grad was None when the gradient arrived: a fresh .grad, as eager's
                lines.append(f"    {cleared}.grad = None")
            # the leaf may keep the array as .grad: give it one that nothing else reads (as the engine does)
            copy = view or not value.local or uses[id(value.array)] > 1
            lines.append(f"    {target}.propagate({value.expr}{'.copy()' if copy else ''})  # into .grad")
        elif kind == "call":
            _, method, sources = step
            if not in_no_grad:
                lines.append("    with _no_grad():")
                in_no_grad = True
            lines.append(f"        {method}({', '.join(sources)})")
        elif kind == "item":
            _, out, source = step
            lines.append(f"    {out} = {source.expr}.item()")
    lines.append(f"    return {returned}")
    source = "\n".join(lines) + "\n"
    namespace = dict(recorder.globals, _scalar_result=_scalar_result, _no_grad=no_grad)
    exec(compile(source, f"<ag.compile {name}>", "exec"), namespace)  # noqa: S102  (our own generated source)
    return source, namespace[name]
