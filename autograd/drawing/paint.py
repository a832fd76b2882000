"""Painting: a laid-out graph written into a Drawing (Graphviz's DOT), as the textbooks draw
it: variables as boxes (name, shape, value, gradient), operators as circles, the backward
pass as red reversed edges labelled with the gradients they carry, and a caption."""
from typing import Any, NamedTuple

import numpy as np

from . import style
from .dot import Drawing, cluster, literal
from .layout import Module
from .values import Unknown


class Options(NamedTuple):
    """What draw() was asked to show, as the painter needs it."""

    values: bool
    backward: bool
    color_grads: bool
    max_elements: int
    rankdir: str
    caption: bool


class Frame(NamedTuple):
    """One frame of a step-by-step pass: the nodes done so far (visited by backprop, or computed
    by the forward pass), the current one, and the caption's lines. What is not known yet is
    written invisibly, so that every frame is laid out as the last one."""

    visited: set
    current: object
    lines: list
    forward: bool


class Painter:
    """Writes a view, as laid out, into a Drawing (one per call of paint)."""

    def __init__(self, view, layout, gradients, options, frame=None):
        self.view, self.layout, self.gradients, self.options, self.frame = view, layout, gradients, options, frame
        self.largest = 0.0
        self.changed_seen = False  # a box that says its value changed in place since
        if options.color_grads:
            sizes = [style.magnitude(g) for g in map(gradients.of, layout.variables) if g is not None]
            self.largest = max(sizes, default=0.0)

    def paint(self) -> Drawing:
        dot = Drawing(name="computation graph", graph_attr={
            "rankdir": self.options.rankdir, "fontname": style.FONT, "fontsize": "10", "nodesep": "0.25",
            "ranksep": "0.35", "labelloc": "b", "fontcolor": style.CAPTION_COLOR})
        dot.attr("node", fontname=style.FONT, fontsize="11")
        dot.attr("edge", fontname=style.FONT, fontsize="9", arrowsize="0.7", color="#444444")
        clusters: dict[str, Any] = {}  # module name -> its subgraph
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
            clusters[name] = cluster(f"cluster_{len(clusters)}", {
                "label": literal(self.view.module_titles.get(name, name)), "style": "rounded,dashed",
                "color": "#888888", "fontsize": "11", "fontcolor": "#333333", "labelloc": "b"})
        return clusters[name]

    # ---- nodes ----------------------------------------------------------------------------
    def _not_yet(self, var):
        """Whether this frame comes before `var`'s gradient (backward) or value (forward) is known."""
        frame = self.frame
        if frame is None:
            return False
        if frame.forward:
            return var.kind == "result" and var.node not in frame.visited
        return var.node not in frame.visited

    def _shown_grad(self, var):
        return None if self.frame is not None and self._not_yet(var) else self.gradients.of(var)

    def _display_name(self, var):
        if var.name and var.name != var.param:
            return var.name
        if var.param and self.layout.cluster.get(var) is not None and not self.layout.modules:
            return var.param.rpartition(".")[2]  # inside its module's cluster
        maker = self.layout.producer(var) if var.producer is not None else None
        if not (var.name or var.param) and isinstance(maker, Module):  # what a collapsed module made
            return style.expression(maker.name, [v.title for v in maker.inputs])
        return var.title

    def _box(self, target, var):
        grad = self.gradients.of(var)
        value = self.view.values.of(var) if self.options.values else None
        not_yet = self._not_yet(var)  # written blank, so the box keeps the size it has in the last frame
        lines = box_lines(self._display_name(var), var, value, grad, self.options,
                          hide_value=not_yet and self.frame.forward, hide_grad=not_yet and not self.frame.forward)
        grad = self._shown_grad(var)
        self.changed_seen = self.changed_seen or isinstance(value, Unknown)
        self.changed_seen = self.changed_seen or isinstance(value, Unknown)
        fill = style.ROOT_FILL if var.is_root else style.LEAF_FILL if var.kind == "leaf" else \
            style.DATA_FILL if var.kind == "data" else style.RESULT_FILL
        if self.options.color_grads and grad is not None:
            fill = style.heat(style.magnitude(grad), self.largest)
        attrs = {"shape": "box", "style": "filled", "fillcolor": fill, "margin": "0.1,0.05"}
        if self._is_current(var.node):
            attrs.update(color=style.BACKWARD_COLOR, penwidth="2.5")
        target.node(var.key, literal(style.dot_label(lines)), **attrs)

    def _circle(self, target, op):
        label, tooltip = op.symbol, style.op_name(op.node)
        if len(label) > style.CIRCLE_CHARACTERS:  # where(·, -inf, ·): the symbol alone, the rest in the tooltip
            label, tooltip = op.node.symbol or label[:style.CIRCLE_CHARACTERS], f"{tooltip}: {op.symbol}"
        attrs = {"shape": "circle", "style": "filled", "fillcolor": style.OPERATOR_FILL, "fixedsize": "true",
                 "width": style.CIRCLE_WIDTH, "fontsize": style.circle_fontsize(label), "margin": "0",
                 "tooltip": tooltip}
        if self._is_current(op.node):
            attrs.update(color=style.BACKWARD_COLOR, penwidth="2.5")
        target.node(op.key, literal(style.dot_label([label])), **attrs)

    def _module(self, dot, module):
        lines = [self.view.module_titles.get(module.name, module.name)]
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
        dot.node(module.key, literal(style.dot_label(lines)), **attrs)

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
                self._backward_edges(dot, op, shown)

    def _backward_edges(self, dot, op, shown):
        """Reversed edges: the upstream gradient into the op, and what it passes to each input
        (invisible, but laid out, in a frame before backprop reaches the op)."""
        color = style.PAST_BACKWARD_COLOR if self.frame is not None and not self._is_current(op.node) \
            else style.BACKWARD_COLOR
        visible = self.frame is None or op.node in self.frame.visited
        attrs = {"dir": "back", "style": "dashed" if visible else "invis", "color": color, "fontcolor": color}
        limit = self.options.max_elements
        dot.edge(op.key, op.output.key, label=literal(style.compact(self.gradients.node.get(op.node), limit)),
                 **attrs)
        passed = self.gradients.edge.get(op.node)
        for var, position in zip(op.inputs, op.slots):
            grad = passed[position] if passed is not None else None
            if grad is not None and var in shown:
                dot.edge(var.key, op.key, label=literal(style.compact(grad, limit)), **attrs)

    def _caption(self):
        if not self.options.caption:
            return ""
        lines = []
        if self.frame is not None:
            lines.extend(self.frame.lines)
        if self.changed_seen:
            lines.append("some values changed in place after the forward pass (an optimizer step?): "
                         "draw before optimizer.step() to see them")
        if self.gradients.note:
            lines.append(self.gradients.note)
        if self.options.color_grads and self.largest > 0:
            lines.append(f"fill: gradient size (RMS), log scale: strongest = {style.number(self.largest)}, "
                         f"white = 6 decades smaller or zero")
        if self.layout.hidden:
            lines.append(f"⋯ {self.layout.hidden} more nodes not drawn (depth limit {self.layout.depth_limit}; "
                         f"pass max_depth=None, max_nodes=None to draw all, or collapse=True with params=)")
        return literal(style.dot_label(lines)) if lines else ""


def box_lines(name, var, value, grad, options, hide_value=False, hide_grad=False):
    """name = value (scalars), or name (shape) then the value (a summary where it has more than
    max_elements elements, the reason where it is not known); then the gradient. A hidden part
    is written as blanks of its width."""
    if isinstance(value, Unknown):
        values = [f"value {value.reason}"]
    elif value is not None:
        values = style.value_lines(value, options.max_elements) or [style.summary(value)]
    else:
        values = []
    show = _blank if hide_value else str
    lines = []
    if var.shape in (None, ()):
        if values and not isinstance(value, Unknown) and name != values[0]:
            lines.append(name + show(f" = {values[0]}"))
        else:
            lines.append(name)
            lines.extend(map(show, values))
    else:
        size = "×".join(map(str, var.shape))
        lines.append(f"{name} ({size})")
        lines.extend(map(show, values))
    if grad is not None:
        grads = style.value_lines(grad, options.max_elements)
        if grads is None:
            grads = [f"‖grad‖ = {style.number(float(np.linalg.norm(np.asarray(grad, dtype=float))))}"]
        else:
            grads = [f"grad = {grads[0]}"] + grads[1:]
        lines.extend(map(_blank, grads) if hide_grad else grads)
    return lines


def _blank(text):
    """As wide as `text`, and blank: figure spaces are as wide as digits."""
    return "\u2007" * len(text)
