"""The recorder's side of lowering (tracer.py runs the rules): trace a primitive's forward, its
gradient rule or a sum of two gradients, check the traced values against eager's bit for bit,
and name what the generated code computes.

A Lowered holds the calls of one rule and the stand-ins it ends with. Each stand-in of a value
the recorder already knows carries its Value; the ones the trace made get Values when the trace
succeeds. Whether a primitive is written inline is decided per node when the code is generated:
both its forward and its gradient rule must have been traced (they share what forward saved),
else both are replayed by calling the op (Recorder's "forward"/"propagate" steps).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..engine import fitted
from .tracer import Call, Constant, Trace, Traced, Untraceable, same_bits

if TYPE_CHECKING:
    from .recorder import Recorder, Value


class Lowered:
    """The calls of one traced rule; `aliases`: (Value, Traced) pairs where a result is a value
    that already has a name (an identity rule's input): the code assigns it under the new name."""

    __slots__ = ("calls", "aliases")

    def __init__(self, calls: list[Call], aliases: list[tuple[Value, Traced]]) -> None:
        self.calls, self.aliases = calls, aliases


def _identical(traced: Any, eager: Any) -> bool:
    """Same bits, dtype and shape, and the same layout or a C-contiguous eager one: an op called
    whole then reads the value exactly as eager's (codegen hands it a C-contiguous copy where
    the layouts differ, `Value.relaid`: a sum's gradient broadcast rather than filled in)."""
    if not isinstance(traced, np.ndarray) or not isinstance(eager, np.ndarray):
        return False
    return (traced.strides == eager.strides or eager.flags.c_contiguous) and same_bits(traced, eager)


def stand_in(recorder: Recorder, obj: Any) -> Any:
    """A stand-in for an operand the recorder names (a Tensor's or a known array), else `obj`."""
    from ..tensor import Tensor
    if isinstance(obj, (Tensor, np.ndarray)):
        value = recorder.ref(obj)
        return Traced(value.traced, value)  # type: ignore[union-attr]  # ref gives a Value for these
    if type(obj) in (tuple, list):  # an index of tensors
        return type(obj)(stand_in(recorder, o) for o in obj)
    return obj


def _signature(obj: Any) -> Any:
    """What makes two operands the same for _deduplicated (TypeError: cannot tell)."""
    if type(obj) is Traced:  # two stand-ins of one known value (x * x's operands) are the same
        return ("value", id(obj.value)) if obj.value is not None else ("traced", id(obj))
    if type(obj) is Constant:
        return ("constant", obj.array.dtype.str, obj.array.shape, obj.array.tobytes())
    if type(obj) in (tuple, list):
        return (type(obj).__name__,) + tuple(_signature(o) for o in obj)
    if type(obj) is dict:
        return tuple(sorted((k, _signature(v)) for k, v in obj.items()))
    hash(obj)
    return (type(obj).__name__, obj)


def _replaced(obj: Any, same: dict[int, Traced]) -> Any:
    if type(obj) is Traced:
        return same.get(id(obj), obj)
    if type(obj) in (tuple, list):
        return type(obj)(_replaced(o, same) for o in obj)
    return obj


def _deduplicated(trace: Trace, results: list[tuple[Any, Value]]
                  ) -> tuple[list[tuple[Any, Value]], list[tuple[Traced, Traced]]]:
    """Drops a call that repeats an earlier one of the rule on the same operands (x * x's rule
    computes g * x twice): NumPy calls without side effects give the same bits again. Also
    returns (each dropped stand-in, the one it repeats)."""
    if any(call.inplace for call in trace.calls):
        return results, []
    seen: dict[Any, Call] = {}
    same: dict[int, Traced] = {}
    pairs: list[tuple[Traced, Traced]] = []  # (a dropped call's stand-in, the one it repeats)
    kept = []
    for call in trace.calls:
        call.operands = _replaced(call.operands, same)
        call.keywords = {k: _replaced(v, same) for k, v in call.keywords.items()}
        try:
            key = (call.kind, call.function, _signature(call.operands), _signature(call.keywords))
        except TypeError:  # an unhashable operand (a slice, before Python 3.12): keep the call
            kept.append(call)
            continue
        first = seen.get(key) if call.function != "copy" else None
        if first is None:
            seen[key] = call
            kept.append(call)
        else:
            same.update((id(out), earlier) for out, earlier in zip(call.outs, first.outs))
            pairs += zip(call.outs, first.outs)
    trace.calls = kept
    return [(_replaced(traced, same), value) for traced, value in results], pairs


def _finish(recorder: Recorder, trace: Trace, results: list[tuple[Any, Value]]) -> Lowered:
    """Names what the trace made: each (stand-in, eager Value) result under the eager Value's
    name, the rest afresh; a result that already has a name becomes an alias."""
    results, repeats = _deduplicated(trace, results)
    aliases = []
    fresh = {id(out) for call in trace.calls if not (call.buffered or call.inplace)
             for out in call.outs if isinstance(out.array, np.ndarray) and out.array.base is None}
    for traced, value in results:
        # a buffer, a view or an alias must be copied to escape; a fresh array each call need not
        value.traced, value.lowered = traced.array, not (traced.value is None and id(traced) in fresh)
        value.relaid = traced.array.strides != value.array.strides
        if traced.value is None:
            traced.value = value
        else:
            aliases.append((value, traced))
    for call in trace.calls:
        for out in call.outs:
            if out.value is None:
                out.value = recorder.output(out.array, "v", scalar=True)
                out.value.lowered = True
    for repeated, kept in repeats:  # what forward saved may be a dropped stand-in: the gradient rule reads it
        repeated.value = kept.value
    return Lowered(trace.calls, aliases)



def _run(recorder: Recorder, rule: Any, *args: Any, **options: Any) -> tuple[Any, Trace]:
    trace = Trace()
    recorder.depth += 1  # an op applied inside a rule (getitem's backward) is part of this trace
    try:
        with trace, np.errstate(all="ignore"):  # eager already warned
            return rule(*args, **options), trace
    finally:
        recorder.depth -= 1


def lower_forward(recorder: Recorder, cls: Any, ctx: Any, arrays: list, options: dict, result: Any,
                  out: Value) -> tuple[Lowered | None, Any, str]:
    """(the lowered forward or None, the traced ctx its gradient rule runs with, why not)."""
    traced_ctx: Any = object.__new__(cls)
    traced_ctx._saved, traced_ctx._sources, traced_ctx._constants = (), (), None
    traced_ctx.needs_input_grad = ctx.needs_input_grad
    try:
        inputs = [stand_in(recorder, a) for a in arrays]
        named = {k: stand_in(recorder, v) for k, v in options.items()}
        traced, trace = _run(recorder, cls.forward, traced_ctx, *inputs, **named)
        if type(traced) is not Traced:
            return None, None, f"forward returned a {type(traced).__name__}"
        with trace:
            if not isinstance(traced.array, np.ndarray):  # as Function.apply: a NumPy scalar becomes a 0-d array
                traced = trace.note("function", np.asarray, [traced], {}, np.asarray(traced.array))
            if traced.array.dtype != result.dtype:  # apply's float64 promotion
                traced = traced.astype(result.dtype)
    except Exception as error:  # noqa: BLE001  (any failure: the op is replayed whole instead)
        return None, None, f"forward: {error}"
    if not _identical(traced.array, result):
        return None, None, "forward: the traced value differs from eager's"
    return _finish(recorder, trace, [(traced, out)]), traced_ctx, ""


def lower_backward(recorder: Recorder, node: Any, traced_ctx: Any, incoming: Value, grads: Any,
                   outs: list[Value | None]) -> tuple[Lowered | None, str]:
    """The gradient rule of `node` traced with the ctx its traced forward filled, on the
    gradient `incoming` names; `grads` are eager's results and `outs` their Values."""
    if node._watched:
        return None, "backward: it watches index tensors"
    traced_ctx.inputs, traced_ctx.output_shape, traced_ctx.output_dtype = node.inputs, node.output_shape, node.output_dtype
    try:
        traced, trace = _run(recorder, type(node).backward, traced_ctx, Traced(incoming.traced, incoming))
        if type(traced) is not tuple:
            traced = tuple(traced) if isinstance(traced, list) else (traced,)
        if len(traced) != len(node.inputs):
            return None, "backward: one gradient per input expected"
        with trace:
            traced = fitted(node, traced)  # the engine's one broadcast reduction and cast, traced too
            # as propagate: a NumPy scalar (a product of 0-d arrays) becomes a 0-d array
            traced = [trace.note("function", np.asarray, [t], {}, np.asarray(t.array))
                      if type(t) is Traced and not isinstance(t.array, np.ndarray) else t for t in traced]
    except Exception as error:  # noqa: BLE001  (any failure: the op is replayed whole instead)
        return None, f"backward: {error}"
    results = []
    for t, g, value in zip(traced, grads, outs):
        if value is None:
            continue
        if type(t) is not Traced or not _identical(t.array, g):
            return None, "backward: a traced gradient differs from eager's"
        results.append((t, value))
    return _finish(recorder, trace, results), ""


def lower_add(recorder: Recorder, a: Any, b: Any, total: Any, out: Value) -> Lowered | None:
    """Two gradients meeting at one node, as np.add into a buffer."""
    try:
        traced, trace = _run(recorder, lambda x, y: x + y, stand_in(recorder, a), stand_in(recorder, b))
    except Untraceable:
        return None
    if type(traced) is not Traced or not _identical(traced.array, total):
        return None
    return _finish(recorder, trace, [(traced, out)])
