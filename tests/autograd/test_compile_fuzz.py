"""ag.compile against eager on random programs (issue 18): test_fuzz.py's programs, run as steps.

Each program becomes a training step: its leaves are the step's Tensor arguments, its output is
weighted by one more argument and summed to a scalar loss, the step calls loss.backward() and
returns the loss. It runs eagerly on four sets of arguments, then compiled (ag.compile) on the
same four: the compiled step runs the first call eagerly, records the second and replays the
third and fourth. Every returned loss and every leaf's .grad must equal eager's bit for bit: the
same dtype, shape and bytes (NaNs in the same places, zeros of the same sign). Half the programs
keep their leaves across the four calls, so .grad accumulates; the others take fresh leaves.

Programs that ag.compile rejects (a CompileError while recording) are counted by the op that was
running; the test fails if more than MAX_REJECTED of them are, so that it cannot pass by comparing
nothing. The ops rejected today are not drawn (NOT_REPLAYABLE, each pinned by
test_ops_not_drawn_are_still_rejected, so the list shrinks as ag.compile learns them), nor are
rejections of a cause already known counted against MAX_REJECTED (KNOWN_REJECTIONS, pinned the
same way). A mismatch, or an error other than CompileError in a compiled call, fails the test
unless the program uses an op of KNOWN_DIVERGENCES (pinned the same way).

CI runs 300 programs, the same ones every time. A longer run, drawing anew:

    GRAPHGRAD_COMPILE_FUZZ_EXAMPLES=5000 python -m pytest -s tests/autograd/test_compile_fuzz.py

(-s shows the counts of compared and rejected programs; `--hypothesis-seed=N` replays a run).
"""
import os
import re
import traceback
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd as ag
from autograd.compile import CompileError

# test_fuzz.py (a sibling module: pytest puts this directory on sys.path) draws the programs and
# defines their ops; importing it imports PyTorch, which CI installs, and skips this file without it.
from test_fuzz import OPS_BY_NAME, Lib, Program, Run, _leaf_values, programs

EXAMPLES = int(os.environ.get("GRAPHGRAD_COMPILE_FUZZ_EXAMPLES", "300"))
CALLS = 4  # eager, recorded, replayed, replayed
MAX_REJECTED = 0.05  # of the programs drawn, rejected for a cause not in KNOWN_REJECTIONS
SETTINGS = dict(deadline=None, database=None, print_blob=True,
                derandomize="GRAPHGRAD_COMPILE_FUZZ_EXAMPLES" not in os.environ,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])

# Ops ag.compile rejects today (CompileError while recording), with the cause; programs are drawn
# without them. When one is replayed, test_ops_not_drawn_are_still_rejected fails: delete its entry.
_INDICES = "indices computed by NumPy from the values outside Function.apply (NaN ranks) passed to gather"
NOT_REPLAYABLE = {
    "quantile": _INDICES,
}
# Rejections of a known cause that depend on more than the op: name -> (the op that raises, None
# for any, a pattern of the CompileError's message, the cause, a program that runs into it).
# Counted apart from MAX_REJECTED; test_known_rejections_still_happen fails when one is fixed: delete it.
KNOWN_REJECTIONS = {}
# Ops whose programs may differ from eager or fail in compiled calls: op -> (the cause, a program
# that runs into it). test_known_divergences_still_happen fails when one is fixed: delete its entry.
KNOWN_DIVERGENCES: dict[str, tuple[str, Program]] = {}  # none open


@dataclass(frozen=True)
class _Peeking(Lib):
    """The ops read values only for test_fuzz.py's bookkeeping (which side of a kink a value is on,
    whether a sum cancels): read them without the recorder, which would rightly refuse a NumPy read
    of an intermediate. The values they return never depend on what was read, except where _spd falls
    back to the identity for a NaN input (_Step.harness_branched)."""

    def array(self, t):
        return t._data


AG = _Peeking(ag, ag)
_SPD_OPS = {"linalg_solve", "linalg_inv", "cholesky_solve", "logdet"}


class _Step:
    """A program as a training step: step(*leaves, weights) -> the loss, after loss.backward().
    `op` is the op running (for a CompileError, the op that raised): a name, "loss", "backward" or None."""

    def __init__(self, program):
        self.program, self.op, self.harness_branched = program, None, False

    def __call__(self, *args):
        *leaves, weights = args
        run = Run(AG, self.program.frame)
        nodes, consumed = list(leaves), set()
        for name, arguments, params in self.program.steps:
            self.op = name
            nodes.append(OPS_BY_NAME[name].fn(run, *(nodes[a] for a in arguments), params))
            consumed.update(arguments)
        self.op = "loss"
        sinks = [node for i, node in enumerate(nodes) if i not in consumed]  # as test_fuzz.execute
        out = sinks[0]
        for sink in sinks[1:]:
            out = out + sink
        loss = (out * weights).sum()
        self.op = "backward"
        loss.backward()
        self.op = None
        # _spd's fallback for NaN (it sets ill_conditioned) is a Python branch of the harness on values,
        # which a replay would not take again; sum_of and _std set it too, harmlessly (read only here)
        self.harness_branched |= run.ill_conditioned and bool(_SPD_OPS & {s[0] for s in self.program.steps})
        return loss


def _arguments(program, call, leaves=None):
    """The step's arguments for one call: new values each call, in `leaves` if given (kept across
    calls: .grad accumulates), else in fresh leaves."""
    values = [ag.tensor(_leaf_values(shape, seed + call), dtype=getattr(ag, dtype))
              for shape, dtype, seed in program.inputs]
    if leaves is None:
        leaves = [v.requires_grad_() for v in values]
    else:
        for leaf, v in zip(leaves, values):
            leaf.data = v  # (a new storage: the replay reads each argument's afresh)
    weights = np.random.default_rng([program.upstream_seed, call]).uniform(-1.0, 1.0, program.frame)
    return leaves, ag.tensor(weights, dtype=ag.float32)


def _bits(array):
    """Everything bit-for-bit equality compares: dtype, shape and bytes (NaN payloads and signs of zero too)."""
    return None if array is None else (array.dtype.str, array.shape, np.ascontiguousarray(array).tobytes())


def _snapshot(loss, leaves):
    return [_bits(loss._data)] + [_bits(None if leaf.grad is None else leaf.grad._data) for leaf in leaves]


@dataclass
class Outcome:
    """How one program went: compared (equal, or else `mismatch` says where), rejected (`rejected`:
    the op that raised and the message), or discarded (the harness took a branch on values)."""

    rejected: tuple | None = None
    mismatch: str | None = None
    discarded: bool = False


def run_program(program, keep_leaves):
    """Runs `program` eagerly and compiled on CALLS sets of arguments and compares them."""
    results = {}
    step = _Step(program)
    compiled = ag.compile(step)
    # kept leaves have a .grad from the second call on: a guard key of its own, so its first call
    # runs eagerly too and one more call is made
    calls, recorded = (CALLS + 1, 2) if keep_leaves else (CALLS, 1)
    with np.errstate(all="ignore"):
        for mode, fn in (("eager", step), ("compiled", compiled)):
            leaves, snapshots = None, []
            for call in range(calls):
                leaves, weights = _arguments(program, call, leaves if keep_leaves else None)
                try:
                    loss = fn(*leaves, weights)
                except CompileError as error:
                    assert mode == "compiled" and call == recorded, f"CompileError at call {call} ({mode}): {error}"
                    return Outcome(rejected=(step.op, str(error)))
                except Exception as error:  # (eager's errors are the harness's: they fail the test)
                    if mode == "eager":
                        raise
                    where = traceback.extract_tb(error.__traceback__)[-1]
                    return Outcome(mismatch=f"call {call} raised {type(error).__name__}: {error} (at "
                                            f"{where.filename}:{where.lineno}, during {step.op})")
                snapshots.append(_snapshot(loss, leaves))
            results[mode] = snapshots
    if step.harness_branched:
        return Outcome(discarded=True)
    replays = sum(entry.replays for entries in compiled.entries.values() for entry in entries)
    if replays != calls - recorded - 1:
        return Outcome(mismatch=f"replayed {replays} times, not {calls - recorded - 1} ({compiled.explain()})")
    for call, (eager, replayed) in enumerate(zip(results["eager"], results["compiled"])):
        for i, (e, c) in enumerate(zip(eager, replayed)):
            if e != c:
                what = "the loss" if i == 0 else f"the .grad of leaf v{i - 1}"
                return Outcome(mismatch=f"call {call}: {what} differs: eager {_describe(e)}, compiled {_describe(c)}\n"
                                        f"generated code:\n{compiled.source}")
    return Outcome()


def _describe(bits):
    if bits is None:
        return "None"
    dtype, shape, data = bits
    return f"{np.frombuffer(data, dtype=dtype).reshape(shape)!r} ({dtype})"


def _known_rejection(op, message):
    return next((name for name, (where, pattern, _, _) in KNOWN_REJECTIONS.items()
                 if where in (None, op) and re.search(pattern, message)), None)


@dataclass
class Tally:
    """The outcomes of the programs run so far; add() fails at once on an unknown mismatch."""

    programs: int = 0
    compared: int = 0
    discarded: int = 0
    rejected: Counter = field(default_factory=Counter)  # (op, the message's first 90 characters) -> programs
    known: Counter = field(default_factory=Counter)  # KNOWN_REJECTIONS name -> programs
    diverged: Counter = field(default_factory=Counter)  # KNOWN_DIVERGENCES op -> programs

    def add(self, program, outcome):
        self.programs += 1
        ops = {name for name, _, _ in program.steps}
        if outcome.discarded:
            self.discarded += 1
        elif outcome.rejected is not None:
            op, message = outcome.rejected
            known = _known_rejection(op, message)
            if known is not None:
                self.known[known] += 1
            else:
                self.rejected[(op, message[:90])] += 1
        elif outcome.mismatch is not None:
            known_ops = sorted(ops & KNOWN_DIVERGENCES.keys())
            assert known_ops, f"compiled differs from eager:\n{program!r}\n{outcome.mismatch}"
            self.diverged.update(known_ops)
        else:
            self.compared += 1

    def report(self):
        lines = [f"{self.programs} programs: {self.compared} compiled equal to eager, {self.discarded} discarded, "
                 f"{sum(self.known.values())} rejected for a known cause, {sum(self.rejected.values())} for another, "
                 f"{sum(self.diverged.values())} known divergences"]
        lines += [f"  known rejection {name!r}: {n}" for name, n in self.known.most_common()]
        lines += [f"  rejected at {op}: {n} ({message}...)" for (op, message), n in self.rejected.most_common()]
        lines += [f"  known divergence at {op}: {n}" for op, n in self.diverged.most_common()]
        return "\n".join(lines)


def test_compiled_random_programs_equal_eager_bit_for_bit():
    tally = Tally()

    @settings(max_examples=EXAMPLES, **SETTINGS)
    @given(programs(exclude=frozenset(NOT_REPLAYABLE)), st.booleans())
    def check(program, keep_leaves):
        tally.add(program, run_program(program, keep_leaves))

    check()
    print(tally.report())
    assert sum(tally.rejected.values()) <= MAX_REJECTED * tally.programs, tally.report()
    # never vacuous, however many known rejections (0-d results alone take about a third of the programs)
    assert tally.compared >= tally.programs // 3, tally.report()


def _one_op_program(name):
    """A program of `name` alone on a 3x3 float64 leaf (its first dim, or dims 0 and 1)."""
    op = OPS_BY_NAME[name]
    params = {}
    if "dim" in op.params:
        params["dim"] = 0
    if "index" in op.params:
        params["index"] = [0, 2, 2]
    if "pair" in op.params:
        params["dims"] = (0, 1)
    return Program(frame=(3, 3), inputs=[((3, 3), "float64", 0)], steps=[(name, (0,) * op.arity, params)],
                   retained=[], upstream_seed=0)


@pytest.mark.parametrize("name", sorted(NOT_REPLAYABLE))
def test_ops_not_drawn_are_still_rejected(name):
    outcome = run_program(_one_op_program(name), keep_leaves=False)
    assert outcome.rejected is not None and outcome.rejected[0] == name, (
        f"ag.compile replays {name} now ({outcome}): delete it from NOT_REPLAYABLE, so that the fuzz draws it")


@pytest.mark.parametrize("op", sorted(KNOWN_DIVERGENCES))
def test_known_divergences_still_happen(op):
    outcome = run_program(KNOWN_DIVERGENCES[op][1], keep_leaves=False)
    assert outcome.mismatch is not None, f"{op} compiles as eager runs now: delete it from KNOWN_DIVERGENCES"


@pytest.mark.parametrize("name", sorted(KNOWN_REJECTIONS))
def test_known_rejections_still_happen(name):
    program = KNOWN_REJECTIONS[name][3]
    outcome = run_program(program, keep_leaves=False)
    assert outcome.rejected is not None and _known_rejection(*outcome.rejected) == name, (
        f"{name} is no longer rejected ({outcome}): delete it from KNOWN_REJECTIONS")
