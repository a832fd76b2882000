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
from .buffers import share
from .lowering import Lowered
from .recorder import Recorder, Value, literal
from .tracer import Call, Constant, Traced


def _scalar_result(ctx: Any, raw: Any) -> np.ndarray:
    """As Function.apply: a ufunc on 0-d arrays returns a NumPy scalar; make it an array, and keep
    recognising it among what forward saved."""
    result = np.asarray(raw)
    if any(value is raw for value in ctx._saved):
        ctx._saved = tuple([result if kept is raw else kept for kept in ctx._saved])
    return result


def _expr(ref: Value | str) -> str:
    """An operand of a call to an op (not inline): in eager's layout, as that op saw it."""
    if isinstance(ref, Value):
        return f"np.ascontiguousarray({ref.expr})" if ref.relaid else ref.expr
    return ref


def _numpy_name(function: Any) -> str | None:
    """'np.tanh' for a function NumPy exports under its own name."""
    name = getattr(function, "__name__", None)
    return f"np.{name}" if name is not None and getattr(np, name, None) is function else None


def _source(recorder: Recorder, obj: Any) -> str:
    """How an inline call writes one operand: a name, a constant's global, or a literal."""
    if type(obj) is Traced:
        return obj.value.expr
    if type(obj) is Constant:
        return recorder.global_name("k", obj.array)
    if obj is Ellipsis:
        return "..."
    if type(obj) in (tuple, list):
        parts = [_source(recorder, o) for o in obj]
        body = ", ".join(parts) + ("," if len(parts) == 1 and type(obj) is tuple else "")
        return f"({body})" if type(obj) is tuple else f"[{body}]"
    if isinstance(obj, np.dtype) and _numpy_name(obj.type) is not None:
        return f"np.{obj.type.__name__}"
    if isinstance(obj, type) and _numpy_name(obj) is not None:
        return f"np.{obj.__name__}"
    written = literal(obj)
    return written if written is not None else recorder.global_name("k", obj)


def _call_line(recorder: Recorder, call: Call) -> str:
    """One NumPy call of a lowered rule as a statement."""
    operands = [_source(recorder, o) for o in call.operands]
    keywords = [f"{k}={_source(recorder, v)}" for k, v in call.keywords.items()]
    if call.kind in ("__call__", "reduce", "accumulate"):
        ufunc = _numpy_name(call.function) or recorder.global_name(call.function.__name__, call.function)
        callee = ufunc if call.kind == "__call__" else f"{ufunc}.{call.kind}"
        if call.inplace:
            keywords.append(f"out={call.outs[0].value.expr}")
        elif call.buffered:
            keywords.append(f"out={recorder.global_name('b', call.outs[0].array)}")
        expression = f"{callee}({', '.join(operands + keywords)})"
    elif call.kind == "function":
        callee = _numpy_name(call.function) or recorder.global_name(call.function.__name__, call.function)
        expression = f"{callee}({', '.join(operands + keywords)})"
    elif call.kind == "method" and call.function == "__pow__":
        expression = f"{operands[0]} ** {operands[1]}"
    elif call.kind == "method" and call.function == "__rpow__":
        expression = f"{operands[1]} ** {operands[0]}"
    elif call.kind == "method":
        expression = f"{operands[0]}.{call.function}({', '.join(operands[1:] + keywords)})"
    elif call.kind == "getitem":
        expression = f"{operands[0]}[{operands[1]}]"
    else:  # an attribute: .T, .mT
        expression = f"{operands[0]}.{call.function}"
    if call.inplace:
        return expression
    targets = ", ".join(o.value.expr for o in call.outs) + ("," if call.sequence and len(call.outs) == 1 else "")
    return f"{targets} = {expression}"


def _lowered_lines(recorder: Recorder, lowered: Lowered, note: str) -> list[str]:
    lines = [_call_line(recorder, call) for call in lowered.calls]
    lines += [f"{value.expr} = {traced.value.expr}" for value, traced in lowered.aliases]
    if lines:
        lines[-1] += f"  # {note}"
    return lines


# ---- steps outside the graph: random draws, tensors made in the call, in-place writes,
# comparisons (recorder.py's draw, created, write, copy and compute; each kind: its lines, and the Values it reads)

def _draw_lines(step: tuple) -> list[str]:
    _, out, sample, generator, operands, note = step
    arguments = [f"{generator}.numpy_generator"] + [_expr(o) for o in operands]
    return [f"    {out.expr} = {sample}({', '.join(arguments)})  # {note}"]


def _created_lines(step: tuple) -> list[str]:
    _, value, initial, written = step
    if id(value.array) in written:  # written in place later: each call starts from the value it was made with
        return [f"    {value.expr} = {initial}.copy()  # made in the call, then written in place"]
    return [f"    {value.expr} = {initial}  # made in the call"]


def _write_lines(step: tuple) -> list[str]:
    _, target, write, operands, owner, note = step
    lines = [f"    {write}({', '.join([target.expr] + [_expr(o) for o in operands])})  # {note}"]
    return lines + [f"    {owner}._bump_version()"] if owner is not None else lines


def _compute_lines(step: tuple) -> list[str]:
    _, out, function, operands, note = step
    return [f"    {out.expr} = np.asarray({function}({', '.join(_expr(o) for o in operands)}))  # {note}"]


def _copy_lines(step: tuple) -> list[str]:
    _, out, source = step
    return [f"    {out.expr} = {source.expr}.copy()  # the value before an in-place op (the graph keeps it)"]


_OUTSIDE_THE_GRAPH: dict[str, tuple[Any, Any]] = {  # kind: (its lines, the Values it reads)
    "draw": (_draw_lines, lambda step: step[4]),
    "created": (_created_lines, lambda step: ()),
    "write": (_write_lines, lambda step: [step[1], *step[3]]),  # (the target: written, and so read)
    "copy": (_copy_lines, lambda step: [step[2]]),
    "compute": (_compute_lines, lambda step: step[3]),
}


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
        elif kind in _OUTSIDE_THE_GRAPH:
            reads = list(_OUTSIDE_THE_GRAPH[kind][1](step))
        for ref in reads:
            if isinstance(ref, Value):
                uses[id(ref.array)] += 1
    for ref in result_refs:
        uses[id(ref.array)] += 1
    return uses


def _unbuffer_new_grads(steps: list[tuple], uses: Counter) -> None:
    """A gradient that becomes a new .grad (zero_grad set it to None) is computed into a fresh
    array, as eager does, rather than into a buffer and copied out. (_ufunc checked that the
    call gives the same bits either way.)"""
    buffered = {id(call.outs[0].value): call for step in steps if step[0] in ("forward", "propagate", "add")
                and step[-1] is not None for call in step[-1].calls if call.buffered}
    for step in steps:
        if step[0] == "accumulate" and step[4] is not None and not step[3]:
            value = step[2]
            call = buffered.get(id(value))
            if call is not None and uses[id(value.array)] == 1 and _natural_shape(call):
                call.buffered, value.lowered = False, False


def _natural_shape(call: Any) -> bool:
    """Whether a buffered call gives the same array without its buffer: not where the buffer's
    shape is what broadcasts the operands (np.positive(g, out=np.empty(shape)))."""
    if call.kind != "__call__" or call.function.signature is not None:  # a reduction, matmul: out= as given
        return True
    shapes = [np.shape(o.array) for o in call.operands if isinstance(o, (Traced, Constant))]
    return np.broadcast_shapes(*shapes) == call.outs[0].array.shape


def _checked_source(lines: list[str], marks: list[tuple[int, list[str], str]]) -> str:
    """The source with `_log(name, value, what made it)` after each step, for check_every."""
    checked = list(lines)
    for index, names, note in reversed(marks):
        checked[index:index] = [f"    _log({n!r}, {n}, {note!r})" for n in names]
    checked[0] = checked[0][:-2] + (", _log):" if checked[0][-3] != "(" else "_log):")
    return "\n".join(checked) + "\n"


def generate(recorder: Recorder, returned: str, n_args: int, name: str = "compiled_step") -> tuple[str, Any, Any]:
    """(source, function, the function with every value logged for check_every) for the recording."""
    steps = recorder.steps
    result_refs = [v for v in recorder.values.values() if v.local and f"_T({v.expr}" in returned]
    uses = _uses(steps, result_refs)
    _unbuffer_new_grads(steps, uses)
    lines = [f"def {name}({', '.join(f'a{i}' for i in range(n_args))}):"]
    in_no_grad = False  # optimiser steps run under no_grad, as Optimizer.step runs them
    marks: list[tuple[int, list[str], str]] = []  # (after line, names of the values a step made, what)
    for step in steps:
        kind = step[0]
        if in_no_grad and kind != "call":
            in_no_grad = False
        if kind == "arg":
            lines.append(f"    {step[1]} = a{step[2]}._data")
        elif kind == "forward" and step[9] is not None:  # Recorder.finish settled which are inline
            lines += [f"    {line}" for line in _lowered_lines(recorder, step[9], step[8])]
        elif kind == "forward":
            _, out, forward, ctx, operands, options, scalar, cast, note, _ = step
            call = f"{forward}({', '.join([ctx] + [_expr(o) for o in operands] + [f'{k}={_expr(v)}' for k, v in options.items()])})"
            if scalar:
                call = f"_scalar_result({ctx}, {call})"
            if cast is not None:
                call = f"{call}.astype(np.{cast.name})"
            lines.append(f"    {out.expr} = {call}  # {note}")
        elif kind == "propagate" and step[5] is not None:
            lines += [f"    {line}" for line in _lowered_lines(recorder, step[5], step[4])]
        elif kind == "propagate":
            _, outs, ctx, incoming, note, _ = step
            targets = [o.expr if o is not None else "_" for o in outs]
            lines.append(f"    {', '.join(targets)}{',' if len(targets) == 1 else ''} = {ctx}.propagate({_expr(incoming)})  # {note}")
        elif kind == "add" and step[4] is not None:
            lines += [f"    {line}" for line in _lowered_lines(recorder, step[4], "two gradients meet")]
        elif kind == "add":
            _, out, left, right, _ = step
            lines.append(f"    {out.expr} = {_expr(left)} + {_expr(right)}  # two gradients meet")
        elif kind == "accumulate":
            _, target, value, view, cleared = step
            if cleared is not None:  # .grad was None when the gradient arrived: a fresh .grad, as eager's
                lines.append(f"    {cleared}.grad = None")
            # the leaf may keep the array as .grad: give it one that nothing else reads (as the engine
            # does), and never a buffer the next call overwrites (also when .grad is None only now)
            copy = value.lowered or cleared is not None and (view or not value.local or uses[id(value.array)] > 1)
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
        elif kind in _OUTSIDE_THE_GRAPH:
            lines += _OUTSIDE_THE_GRAPH[kind][0](step)
        if kind == "forward":
            marks.append((len(lines), [step[1].expr], step[8]))
        elif kind == "propagate":
            marks.append((len(lines), [o.expr for o in step[1] if o is not None], step[4]))
        elif kind in ("draw", "compute", "copy"):  # (a write's effect is in the state check_every compares)
            marks.append((len(lines), [step[1].expr], f"a {kind}"))
    lines.append(f"    return {returned}")
    buffers = {k: v for k, v in recorder.globals.items() if k[0] == "b" and k[1:].isdigit()}
    lines, used = share(lines, buffers)
    source = "\n".join(lines) + "\n"
    namespace = {k: v for k, v in recorder.globals.items() if k not in buffers or k in used}
    namespace.update(_scalar_result=_scalar_result, _no_grad=no_grad)
    exec(compile(source, f"<ag.compile {name}>", "exec"), namespace)  # noqa: S102  (our own generated source)
    function = namespace[name]
    exec(compile(_checked_source(lines, marks), f"<ag.compile {name}, checked>", "exec"), namespace)  # noqa: S102
    return source, function, namespace[name]
