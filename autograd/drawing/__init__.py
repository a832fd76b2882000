"""Drawing computation graphs as the textbooks do: variables as boxes, operators as circles,
data flowing left to right, with values and gradients written on the boxes.

Gradients: by default a drawing shows d(output)/d(value) on every box, computed by the
drawing itself from the graph (it calls each node's gradient rule; no `.grad` changes and no
hook runs). That needs the values the graph saved for backward, so draw before calling
`backward()`, or call `backward(retain_graph=True)`; Scalar graphs can always be drawn. Once
`backward()` has freed them, the drawing shows instead the `.grad` that backward stored: on
leaves, and on intermediate tensors that called `retain_grad()`. The caption says which.
Without a gradient that can be known, a box shows none: never a stale or a guessed one.
"""
from collections.abc import Iterator
from typing import NamedTuple

import graphviz
import numpy as np

from . import _draw_style as style
from ._draw_graph import GraphView
from ._draw_layout import Layout

__all__ = ["draw", "draw_backward_steps", "BackwardSteps", "BackwardStep", "StepInput", "Drawing",
           "GraphvizNotInstalledError"]

INSTALL_HINT = ("Rendering needs Graphviz's `dot` program, which was not found on PATH. Install it with "
                "`apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS) or "
                "`conda install graphviz` (conda); the pip package `graphviz` is only the Python interface. "
                "The DOT text is still available as `.source` (paste it into any Graphviz viewer).")


class GraphvizNotInstalledError(graphviz.ExecutableNotFound):
    """Raised when a drawing is rendered but Graphviz's `dot` program is not installed."""

    def __init__(self, message):
        RuntimeError.__init__(self, message)


class Drawing(graphviz.Digraph):
    """A `graphviz.Digraph` (displays inline in Jupyter; `.render()`, `.pipe()`, `.source`) whose
    rendering says how to install Graphviz when its `dot` program is missing."""

    def pipe(self, *args, **kwargs):
        try:
            return super().pipe(*args, **kwargs)
        except GraphvizNotInstalledError:
            raise
        except graphviz.ExecutableNotFound as error:
            raise GraphvizNotInstalledError(f"{INSTALL_HINT} ({error})") from error

    def render(self, *args, **kwargs):
        try:
            return super().render(*args, **kwargs)
        except GraphvizNotInstalledError:
            raise
        except graphviz.ExecutableNotFound as error:
            raise GraphvizNotInstalledError(f"{INSTALL_HINT} ({error})") from error


def draw(*roots, values: bool = True, grads=True, params=None, names=None, label=None, backward: bool = False,
         color_grads: bool = False, collapse: bool = False, max_depth=None, max_nodes=300, max_elements: int = 16,
         rankdir: str = "LR", caption: bool = True) -> Drawing:
    """Draws the computation graph behind `roots` (Tensors or Scalars) with Graphviz.

    Variables are boxes (name, shape, value, gradient), operators are circles ("+", "×", "@",
    "ReLU", "Σ", ...), data flows left to right. A value used twice is drawn with two edges.

    Args:
        *roots: the outputs to draw from (usually one: the loss).
        values: write values on the boxes (tensors of at most `max_elements` elements).
        grads: True: d(sum of roots)/d(box) computed from the graph while it holds its saved
            values (see the module docstring), else the `.grad` backward() stored; "computed" or
            "stored" to insist on one source; False for none.
        params: dict name -> tensor, or an object with `named_parameters()` (an nn.Module): names
            the parameters and groups each module's operators in a labelled cluster
            ("layers.0.weight" belongs to module "layers.0").
        names: dict name -> tensor/Scalar for any other value (x, h, loss, ...).
        label: name of the root (a string, or one per root).
        backward: also draw the backward pass: reversed red edges, each labelled with the
            gradient that flows along it (one per use of a value).
        color_grads: fill boxes by gradient size (log scale) to show vanishing gradients.
        collapse: draw each module of `params` as one node.
        max_depth: draw only operators at most this many steps from a root ("⋯" marks the rest).
        max_nodes: lower the depth until at most this many nodes are drawn (None: no limit).
        max_elements: largest tensor whose values are written out.
        rankdir: "LR" (left to right, as the articles) or "TB".
        caption: say under the drawing what the gradients are and what was left out.

    Returns:
        A `graphviz.Digraph`.

    Example:
        >>> import autograd as ag
        >>> a, b = ag.tensor(2.0, requires_grad=True), ag.tensor(-3.0, requires_grad=True)
        >>> dot = ag.draw(a * b + a, names={"a": a, "b": b})
        >>> "×" in dot.source and "rankdir=LR" in dot.source
        True
    """
    options = _Options(values, backward, color_grads, max_elements, rankdir, caption)
    view = GraphView(roots, names, params, label)
    gradients = _Gradients(view, grads, "draw(backward=True)" if backward else None)
    layout = Layout(view, collapse, max_depth, max_nodes)
    return _Painter(layout, gradients, options).paint()


def draw_backward_steps(*roots, values: bool = True, params=None, names=None, label=None, collapse: bool = False,
                        max_depth=None, max_nodes=300, max_elements: int = 16, rankdir: str = "LR") -> "BackwardSteps":
    """The backward pass one node at a time, in the order backprop visits the nodes.

    Iterating over the result yields one drawing per node: the node being visited is
    highlighted, boxes whose gradient is final show it, and red reversed edges carry the
    gradients passed so far. `.table()` (also `print(steps)`) writes the same steps as the
    chain rule: upstream gradient x local derivative = gradient passed to each input.
    Arguments are those of `draw`. The graph must still hold its saved values (draw before
    `backward()`, or after `backward(retain_graph=True)`).

    Example:
        >>> import autograd as ag
        >>> w, x = ag.tensor(1.0, requires_grad=True), ag.tensor(1.0)
        >>> steps = ag.draw_backward_steps((w * x - 2) ** 2, names={"w": w, "x": x})
        >>> len(steps)  # (·)², −, ×, and the leaf w
        4
        >>> print(steps.table())  # doctest: +SKIP
    """
    options = _Options(values, True, False, max_elements, rankdir, True)
    view = GraphView(roots, names, params, label)
    gradients = _Gradients(view, "computed", "draw_backward_steps")
    layout = Layout(view, collapse, max_depth, max_nodes)
    return BackwardSteps(view, layout, gradients, options)


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


class BackwardSteps:
    """The frames (graphviz Digraphs) and the table of a step-by-step backward pass.

    A sequence of frames: `len(steps)`, `steps[i]`, `for frame in steps`. `steps.steps` holds
    the BackwardStep records; `steps.table()` the printable chain rule.
    """

    def __init__(self, view, layout, gradients, options):
        self._view, self._layout, self._gradients, self._options = view, layout, gradients, options
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
                inputs.append(StepInput(_name(input_var), local, given))
        return BackwardStep(index + 1, _name(var), op.symbol if op is not None else "",
                            self._gradients.node.get(node), tuple(inputs))

    def __len__(self):
        return len(self.steps)

    def __getitem__(self, index) -> Drawing:
        step = self.steps[index]
        visited = set(self._view.order[:step.number])
        frame = _Frame(visited, self._view.order[step.number - 1], step, len(self.steps))
        return _Painter(self._layout, self._gradients, self._options, frame).paint()

    def __iter__(self) -> Iterator[Drawing]:
        return (self[i] for i in range(len(self.steps)))

    def rows(self):
        """The table as rows of strings: step, value, operator, upstream, input, local, passed."""
        limit = self._options.max_elements
        rows = []
        for step in self.steps:
            head = [str(step.number), step.name, step.operator or "(leaf)", style.compact(step.upstream, limit)]
            if not step.inputs:
                rows.append(head + ["", "", "gradient is final"])
            for i, item in enumerate(step.inputs):
                passed = style.compact(item.passed, limit) if item.passed is not None else "— (needs no grad)"
                local = style.compact(item.local, limit) if item.passed is not None else "—"
                rows.append((head if i == 0 else [""] * 4) + [item.name, local, passed])
        return rows

    def table(self) -> str:
        """The steps as the chain rule: passed = upstream x local derivative, for each input."""
        header = ["step", "value", "op", "upstream ∂out", "input", "local ∂out/∂in", "passed ∂/∂in"]
        rows = [header] + self.rows()
        widths = [max(len(row[c]) for row in rows) for c in range(len(header))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def __str__(self):
        return self.table()

    def __repr__(self):
        return f"<BackwardSteps: {len(self.steps)} steps; print(steps) for the table, iterate for the frames>"


# ---- painting ----------------------------------------------------------------------------

class _Options(NamedTuple):
    values: bool
    backward: bool
    color_grads: bool
    max_elements: int
    rankdir: str
    caption: bool


class _Frame(NamedTuple):
    visited: set
    current: object
    step: BackwardStep
    count: int


class _Gradients:
    """Which gradients the boxes show: computed from the graph, stored in .grad, or none."""

    def __init__(self, view, grads, required_by=None):
        if grads not in (True, False, "computed", "stored"):
            raise ValueError(f"draw: grads must be True, False, 'computed' or 'stored', got {grads!r}")
        self.view, self.node, self.edge, self.source, self.note = view, {}, {}, None, ""
        if grads is False or grads == "stored":
            if required_by:
                raise ValueError(f"{required_by} draws the gradients computed from the graph; "
                                 f"leave grads=True (got grads={grads!r})")
            if grads == "stored":
                self.source, self.note = "stored", _STORED_NOTE
            return
        freed, scalar = view.graph_freed(), view.scalar_roots()
        if freed and (grads == "computed" or required_by):
            raise RuntimeError(f"{required_by or 'draw(grads=computed)'}: backward() already freed the values this "
                               f"graph saved for its gradients; draw before calling backward(), or call "
                               f"backward(retain_graph=True)")
        if not scalar and (grads == "computed" or required_by):
            shapes = [var.shape for var in view.roots]
            raise RuntimeError(f"{required_by or 'draw(grads=computed)'}: gradients are drawn for one-element "
                               f"outputs; these have shapes {shapes}: draw a loss, or y.sum()")
        if freed:
            self.source, self.note = "stored", _STORED_NOTE
        elif scalar:
            self.node, self.edge = view.compute_gradients()
            self.source = "computed"
            names = [var.name or "output" for var in view.roots if var.node is not None]
            total = names[0] if len(names) == 1 else "(" + " + ".join(names) + ")"
            self.note = f"grad = ∂{total}/∂(box), computed from the graph" if names else ""
        else:
            self.note = "no gradients: the output has more than one element (draw a loss, or y.sum())"

    def of(self, var):
        if self.source == "computed":
            return self.node.get(var.node) if var.node is not None else None
        if self.source == "stored":
            return var.stored_grad()
        return None


_STORED_NOTE = "grad = the .grad backward() stored (intermediate values keep one only after retain_grad())"


def _name(var):
    return var.name or "(unnamed)"


class _Painter:
    """Writes a view, as laid out, into a Drawing (one per call of paint)."""

    def __init__(self, layout, gradients, options, frame=None):
        self.layout, self.gradients, self.options, self.frame = layout, gradients, options, frame
        self.largest = 0.0
        if options.color_grads:
            sizes = [style.magnitude(g) for g in map(gradients.of, layout.variables) if g is not None]
            self.largest = max(sizes, default=0.0)

    def paint(self) -> Drawing:
        dot = Drawing(name="computation graph", graph_attr={
            "rankdir": self.options.rankdir, "fontname": style.FONT, "fontsize": "10", "nodesep": "0.25",
            "ranksep": "0.35", "labelloc": "b", "fontcolor": style.CAPTION_COLOR})
        dot.attr("node", fontname=style.FONT, fontsize="11")
        dot.attr("edge", fontname=style.FONT, fontsize="9", arrowsize="0.7", color="#444444")
        clusters = {}
        for var in self.layout.variables:
            self._box(self._place(dot, clusters, var), var)
        for op in self.layout.operators:
            self._circle(self._place(dot, clusters, op), op)
        for module in self.layout.collapsed:
            self._module(dot, module)
        for sub in clusters.values():
            dot.subgraph(sub)
        self._edges(dot)
        caption = self._caption()
        if caption:
            dot.attr(label=caption)
        return dot

    def _place(self, dot, clusters, item):
        name = self.layout.cluster.get(item)
        if name is None or self.layout.modules:
            return dot
        if name not in clusters:
            clusters[name] = graphviz.Digraph(name=f"cluster_{len(clusters)}", graph_attr={
                "label": graphviz.nohtml(name), "style": "rounded,dashed", "color": "#888888", "fontsize": "11",
                "fontcolor": "#333333", "labelloc": "b"})
        return clusters[name]

    # ---- nodes ----------------------------------------------------------------------------
    def _shown_grad(self, var):
        if self.frame is not None and var.node not in self.frame.visited:
            return None
        return self.gradients.of(var)

    def _display_name(self, var):
        if var.name and var.name != var.param:
            return var.name
        if var.param and self.layout.cluster.get(var) is not None and not self.layout.modules:
            return var.param.rpartition(".")[2]  # inside its module's cluster
        return var.param

    def _box(self, target, var):
        grad = self._shown_grad(var)
        lines = _box_lines(self._display_name(var), var, grad, self.options)
        fill = style.ROOT_FILL if var.is_root else style.LEAF_FILL if var.kind == "leaf" else \
            style.DATA_FILL if var.kind == "data" else style.RESULT_FILL
        if self.options.color_grads and grad is not None:
            fill = style.heat(style.magnitude(grad), self.largest)
        attrs = {"shape": "box", "style": "filled", "fillcolor": fill, "margin": "0.1,0.05"}
        if self._is_current(var.node):
            attrs.update(color=style.BACKWARD_COLOR, penwidth="2.5")
        target.node(var.key, graphviz.nohtml(style.dot_label(lines)), **attrs)

    def _circle(self, target, op):
        attrs = {"shape": "circle", "style": "filled", "fillcolor": style.OPERATOR_FILL, "fontsize": "12",
                 "width": "0.45", "margin": "0.03"}
        if self._is_current(op.node):
            attrs.update(color=style.BACKWARD_COLOR, penwidth="2.5")
        target.node(op.key, graphviz.nohtml(style.dot_label([op.symbol])), **attrs)

    def _module(self, dot, module):
        lines = [module.name]
        sizes = []
        for var in module.params:
            shape = "×".join(map(str, var.shape)) if var.shape else ""
            text = f"{var.param.rpartition('.')[2]} ({shape})" if shape else var.param.rpartition(".")[2]
            grad = self._shown_grad(var)
            if grad is not None:
                sizes.append(style.magnitude(grad))
                text += f"  ‖grad‖ = {style.number(float(np.linalg.norm(np.asarray(grad, dtype=float))))}"
            lines.append(text)
        fill = style.MODULE_FILL
        if self.options.color_grads and sizes:
            fill = style.heat(max(sizes), self.largest)
        attrs = {"shape": "box", "style": "rounded,filled,bold", "fillcolor": fill, "margin": "0.15,0.08"}
        if self.frame is not None and any(self._is_current(op.node) for op in module.operators):
            attrs.update(color=style.BACKWARD_COLOR, penwidth="2.5")
        dot.node(module.key, graphviz.nohtml(style.dot_label(lines)), **attrs)

    def _is_current(self, node):
        return self.frame is not None and node is not None and node is self.frame.current

    # ---- edges ----------------------------------------------------------------------------
    def _edges(self, dot):
        shown = set(self.layout.variables)
        for op in self.layout.operators:
            for var in op.inputs:  # one edge per use: a + a has two
                if var in shown:
                    dot.edge(var.key, op.key)
            dot.edge(op.key, op.output.key)
        for module in self.layout.collapsed:
            for var in module.inputs:
                if var in shown:
                    dot.edge(var.key, module.key)
            for var in module.outputs:
                dot.edge(module.key, var.key)
        for var in self.layout.stubs:
            dot.node(f"s{var.key}", "⋯", shape="plaintext", fontsize="14")
            dot.edge(f"s{var.key}", var.key, style="dotted")
        if self.options.backward and self.gradients.source == "computed":
            for op in self.layout.operators:
                if self.frame is None or op.node in self.frame.visited:
                    self._backward_edges(dot, op, shown)

    def _backward_edges(self, dot, op, shown):
        """Reversed edges: the upstream gradient into the op, and what it passes to each input."""
        color = style.PAST_BACKWARD_COLOR if self.frame is not None and not self._is_current(op.node) \
            else style.BACKWARD_COLOR
        attrs = {"dir": "back", "style": "dashed", "color": color, "fontcolor": color}
        limit = self.options.max_elements
        dot.edge(op.key, op.output.key, label=graphviz.nohtml(style.compact(self.gradients.node.get(op.node), limit)),
                 **attrs)
        passed = self.gradients.edge.get(op.node)
        for var, position in zip(op.inputs, op.slots):
            grad = passed[position] if passed is not None else None
            if grad is not None and var in shown:
                dot.edge(var.key, op.key, label=graphviz.nohtml(style.compact(grad, limit)), **attrs)

    def _caption(self):
        if not self.options.caption:
            return ""
        lines = []
        if self.frame is not None:
            step = self.frame.step
            what = f"through {step.operator}" if step.operator else "at a leaf"
            lines.append(f"backward step {step.number} of {self.frame.count}: {step.name}, {what}; "
                         f"upstream grad = {style.compact(step.upstream, self.options.max_elements)}")
        if self.gradients.note:
            lines.append(self.gradients.note)
        if self.options.color_grads and self.largest > 0:
            lines.append(f"fill: gradient size (RMS), log scale: strongest = {style.number(self.largest)}, "
                         f"white = 6 decades smaller or zero")
        if self.layout.hidden:
            lines.append(f"⋯ {self.layout.hidden} more nodes not drawn (depth limit {self.layout.depth_limit}; "
                         f"pass max_depth=None, max_nodes=None to draw all, or collapse=True with params=)")
        return graphviz.nohtml(style.dot_label(lines)) if lines else ""


def _box_lines(name, var, grad, options):
    """name = value (scalars), or name (shape) then the value; then the gradient."""
    value = var.value if options.values else None
    values = style.value_lines(value, options.max_elements) if value is not None else None
    lines = []
    if var.obj is None and var.shape is None:  # a tensor that needed no gradient, freed since
        lines.append(name or "(freed tensor)")
    elif var.shape in (None, ()):
        head = f"{name} = {values[0]}" if name and values else (name or (values[0] if values else "scalar"))
        lines.append(head)
    else:
        size = "×".join(map(str, var.shape))
        lines.append(f"{name} ({size})" if name else f"({size})")
        lines.extend(values or [])
    if grad is not None:
        grads = style.value_lines(grad, options.max_elements)
        if grads is None:
            lines.append(f"‖grad‖ = {style.number(float(np.linalg.norm(np.asarray(grad, dtype=float))))}")
        else:
            lines.append(f"grad = {grads[0]}")
            lines.extend(grads[1:])
    return lines
