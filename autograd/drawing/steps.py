"""Backprop you can step through: the backward pass one node at a time (and the forward pass
one operation at a time, storing its values in order), as frames, a chain-rule table, and
through `Animated` an animation (GIF, APNG, HTML) or a Jupyter stepper.

Every frame of a sequence is painted with the same boxes, lines and edges as its last frame,
with what is not known yet written invisibly (blank figures, invisible edges), so Graphviz
lays every frame out alike and an animation does not jump.
"""
from typing import NamedTuple

from . import style
from .animation import Animated
from .dot import Drawing
from .paint import Frame, Painter
from .values import Unknown


class StepInput(NamedTuple):
    """One input of a backward step: d(output)/d(input) and the gradient passed to it."""
    name: str
    local: object   # array/float, or a description where it is not an array of the input's shape
    passed: object  # array/float, or None where the input needs no gradient


class BackwardStep(NamedTuple):
    """One node visited by backprop: the gradient arriving at it and what it passes on."""
    number: int
    name: str
    operator: str   # the operator that made this value, "" for a leaf
    upstream: object
    inputs: tuple


class ForwardStep(NamedTuple):
    """One operation of the forward pass: the value it computed from its inputs and stored."""
    number: int
    name: str
    operator: str
    inputs: tuple   # the inputs' names
    value: object   # array/float, or an Unknown


class _Steps(Animated):
    """Frames painted from one view and layout, one per step."""

    steps: list
    header: list[str]

    def __init__(self, view, layout, gradients, options):
        self._view, self._layout, self._gradients, self._options = view, layout, gradients, options

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, index: int) -> Drawing:
        return Painter(self._view, self._layout, self._gradients, self._options, self._frame(index)).paint()

    def __iter__(self):
        return (self[i] for i in range(len(self.steps)))

    def _frame(self, index):
        raise NotImplementedError

    def rows(self) -> list[list[str]]:
        raise NotImplementedError

    def _compact(self, value):
        if isinstance(value, Unknown):
            return f"value {value.reason}"
        return style.compact(value, self._options.max_elements)

    def table(self) -> str:
        """The steps as a table of text."""
        rows = [self.header] + self.rows()
        widths = [max(len(row[c]) for row in rows) for c in range(len(self.header))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


class BackwardSteps(_Steps):
    """The frames and the table of a step-by-step backward pass.

    A sequence of frames (graphviz Digraphs): `len(steps)`, `steps[i]`, `for frame in steps`;
    `steps.save("backprop.gif")` (or .png/.apng, .html) writes them as an animation, and in
    Jupyter `steps` shows as a stepper. `steps.steps` holds the BackwardStep records;
    `steps.table()` the printable chain rule.
    """

    header = ["step", "value", "op", "upstream ∂out", "input", "local ∂out/∂in", "passed ∂/∂in"]

    def __init__(self, view, layout, gradients, options):
        super().__init__(view, layout, gradients, options)
        self.steps = [self._step(i, node) for i, node in enumerate(view.order)]

    def _step(self, index, node):
        var = self._view.var_of[node]
        op = var.producer
        inputs = []
        if op is not None:
            passed = self._gradients.edge.get(node)
            locals_ = self._view.local_derivatives(op)
            for input_var, position, local in zip(op.inputs, op.slots, locals_):
                given = passed[position] if passed is not None else None
                inputs.append(StepInput(input_var.title, local, given))
        return BackwardStep(index + 1, var.title, op.symbol if op is not None else "",
                            self._gradients.node.get(node), tuple(inputs))

    def _frame(self, index):
        step = self.steps[index]
        what = f"through {step.operator}" if step.operator else "at a leaf"
        lines = [f"backward step {step.number} of {len(self.steps)}: {step.name}, {what}",
                 *self.chain_rule(index)]
        return Frame(set(self._view.order[:step.number]), self._view.order[index], lines, forward=False)

    def caption(self, index: int) -> str:
        step = self.steps[index]
        return f"step {step.number} of {len(self.steps)}: " + "; ".join(self.chain_rule(index))

    def chain_rule(self, index: int) -> list[str]:
        """Step `index` as the chain rule: one line per input, upstream × local = passed."""
        step = self.steps[index]
        upstream = self._compact(step.upstream)
        if not step.inputs:
            return [f"∂/∂{_wrt(step.name)} = {upstream}: the gradient is final"]
        lines = []
        for item in step.inputs:
            if item.passed is None:
                lines.append(f"{item.name} needs no gradient")
            else:
                local, passed = self._compact(item.local), self._compact(item.passed)
                lines.append(f"∂/∂{_wrt(item.name)} = {upstream} × {local} = {passed}")
        return lines

    def rows(self) -> list[list[str]]:
        """The table as rows of strings: step, value, operator, upstream, input, local, passed."""
        rows = []
        for step in self.steps:
            head = [str(step.number), step.name, step.operator or "(leaf)", self._compact(step.upstream)]
            if not step.inputs:
                rows.append(head + ["", "", "gradient is final"])
            for i, item in enumerate(step.inputs):
                passed = self._compact(item.passed) if item.passed is not None else "— (needs no grad)"
                local = self._compact(item.local) if item.passed is not None else "—"
                rows.append((head if i == 0 else [""] * 4) + [item.name, local, passed])
        return rows

    def __repr__(self) -> str:
        return (f"<BackwardSteps: {len(self.steps)} steps; print(steps) for the table, steps[i] for a frame, "
                f"steps.save('backprop.gif') for the animation>")


class ForwardSteps(_Steps):
    """The frames and the table of the forward pass, one operation at a time: each computes
    its value from values already there and stores it (what backward will use), in order.
    The same sequence, animation and stepper as BackwardSteps."""

    header = ["step", "value", "op", "inputs", "computed"]

    def __init__(self, view, layout, gradients, options):
        super().__init__(view, layout, gradients, options)
        self._ops = list(view.operators)  # forward order
        self.steps = [ForwardStep(i + 1, op.output.title, op.symbol, tuple(v.title for v in op.inputs),
                                  view.values.of(op.output)) for i, op in enumerate(self._ops)]

    def _frame(self, index):
        step = self.steps[index]
        lines = [f"forward step {step.number} of {len(self.steps)}: " + self.caption(index).partition(": ")[2]]
        computed = {op.node for op in self._ops[:index + 1]}
        return Frame(computed, self._ops[index].node, lines, forward=True)

    def caption(self, index: int) -> str:
        step = self.steps[index]
        return f"step {step.number} of {len(self.steps)}: {step.name} = {self._compact(step.value)}, stored"

    def rows(self) -> list[list[str]]:
        return [[str(s.number), s.name, s.operator, ", ".join(s.inputs), self._compact(s.value)] for s in self.steps]

    def __repr__(self) -> str:
        return f"<ForwardSteps: {len(self.steps)} steps; print(steps) for the table, steps.save('forward.gif')>"


def _wrt(name):
    """A name after ∂/∂: in brackets where it is an expression."""
    return f"({name})" if " " in name else name
