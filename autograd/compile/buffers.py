"""Buffers shared between values whose lives do not overlap, as eager mode's freed arrays are
reused by malloc: the generated code then needs about the memory of eager's peak, and its
arrays stay in the cache.

Each inline ufunc call first gets a buffer of its own (`out=b7`). Reading the generated lines
in order, a buffer is busy from the line that fills it to the last line that reads it or
anything that may be made from it. What may be made from a value is judged conservatively: a
line that writes into a buffer makes a value of that buffer alone; any other line (a view, an
alias, a call to an op, which may keep its inputs until its backward through its `ctx`) makes
values that may hold any array the line reads. A buffer is then given to a later value of the
same shape, dtype and layout once it is free.
"""
from __future__ import annotations

import heapq
import re
from typing import Any

_OUT = re.compile(r"out=(b\d+)")
_NAME = re.compile(r"\b(?:[tgvxcf]\d+|ctx\d+)\b")  # the values of the generated code, and the ops' contexts
_ASSIGNED = re.compile(r"^\s*([\w, ]+?)\s*=(?!=)")


def _layout(array: Any) -> tuple:
    return array.shape, array.dtype.str, array.strides


def share(lines: list[str], buffers: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """(the lines with each `out=bN` renamed to the buffer it shares, {name: array} of the
    buffers they use); `buffers` maps each buffer's name to its array."""
    holds: dict[str, set[str]] = {}  # value or ctx name -> the buffers it may hold
    last: dict[str, int] = {}  # buffer -> the last line that may read it
    first: dict[str, int] = {}  # buffer -> the line that fills it
    for i, line in enumerate(lines):
        code = line.split("  #", 1)[0]
        filled = _OUT.findall(code)
        assigned = _ASSIGNED.match(code)
        targets = [t.strip() for t in assigned.group(1).split(",")] if assigned else []
        names = set(_NAME.findall(code[assigned.end():] if assigned else code))
        read = set().union(*(holds.get(n, ()) for n in names)) | {b for b in filled if b in first}
        for buffer in read:
            last[buffer] = i
        fresh = [b for b in filled if b not in first]
        for buffer in fresh:
            first[buffer] = last[buffer] = i
        if fresh and targets:  # np.f(..., out=bN): the value is that buffer
            made = set(fresh)
        else:  # a view, an alias, a call to an op: it may hold whatever the line reads
            made = read | set(fresh)
        for target in targets:
            if target != "_":
                holds[target] = made
        for ctx in (n for n in names if n.startswith("ctx")):  # an op keeps its inputs until its backward
            holds[ctx] = holds.get(ctx, set()) | read
    renamed: dict[str, str] = {}
    free: dict[tuple, list[str]] = {}
    busy: list[tuple[int, str]] = []  # a heap of (its last line, physical buffer)
    for buffer in sorted(first, key=first.__getitem__):
        while busy and busy[0][0] < first[buffer]:
            _, physical = heapq.heappop(busy)
            free.setdefault(_layout(buffers[physical]), []).append(physical)
        pool = free.get(_layout(buffers[buffer]))
        renamed[buffer] = pool.pop() if pool else buffer
        heapq.heappush(busy, (last[buffer], renamed[buffer]))
    lines = [_OUT.sub(lambda m: f"out={renamed.get(m.group(1), m.group(1))}", line) for line in lines]
    return lines, {name: buffers[name] for name in set(renamed.values())}
