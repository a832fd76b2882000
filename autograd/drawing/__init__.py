"""Drawing computation graphs as the textbooks do: variables as boxes, operators as circles,
data flowing left to right, with values and gradients written on the boxes.

Gradients: by default a drawing shows d(output)/d(value) on every box, computed from the graph
by the engine's backward walk in its looking mode (no `.grad` changes and no hook runs). That
needs the values the graph saved for backward, so draw before calling `backward()`, or call
`backward(retain_graph=True)`; Scalar graphs can always be drawn. Once `backward()` has freed
them, the drawing shows instead the `.grad` that backward stored: on leaves, and on
intermediate tensors that called `retain_grad()`. The caption says which. Without a gradient
that can be known, a box shows none: never a stale or a guessed one.

The package: graph.py reads a graph through the engine's node protocol (boxes, circles, the
gradients to show), layout.py chooses what is drawn where, style.py how it looks, paint.py
writes it as DOT into a Drawing, and dot.py holds Graphviz, the one optional dependency:
drawing needs the Python package `graphviz` (`pip install graphviz`), rendering also its
`dot` program.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .animation import Animated
from .dot import Drawing, GraphvizNotInstalledError, require_graphviz
from .graph import Gradients, GraphView
from .layout import Layout
from .paint import Options, Painter
from .steps import BackwardStep, BackwardSteps, ForwardStep, ForwardSteps, StepInput

__all__ = ["draw", "draw_backward_steps", "draw_forward_steps", "BackwardSteps", "BackwardStep", "StepInput",
           "ForwardSteps", "ForwardStep", "Animated", "Drawing", "GraphvizNotInstalledError"]


def draw(*roots: Any, values: bool = True, grads: bool | str = True, params: Any = None,
         names: Mapping[str, Any] | None = None, label: str | Sequence[str] | None = None, backward: bool = False,
         color_grads: bool = False, collapse: bool = False, max_depth: int | None = None, max_nodes: int | None = 300,
         max_elements: int = 16, rankdir: str = "LR", caption: bool = True) -> Drawing:
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

    Raises:
        GraphvizNotInstalledError: the Python package `graphviz` is not installed (the message
            says how to install it).

    Example:
        >>> import autograd as ag
        >>> a, b = ag.tensor(2.0, requires_grad=True), ag.tensor(-3.0, requires_grad=True)
        >>> dot = ag.draw(a * b + a, names={"a": a, "b": b})
        >>> "×" in dot.source and "rankdir=LR" in dot.source
        True
    """
    require_graphviz()
    options = Options(values, backward, color_grads, max_elements, rankdir, caption)
    view = GraphView(roots, names, params, label)
    gradients = Gradients(view, grads, "draw(backward=True)" if backward else None)
    layout = Layout(view, collapse, max_depth, max_nodes)
    return Painter(view, layout, gradients, options).paint()


def draw_backward_steps(*roots: Any, values: bool = True, params: Any = None, names: Mapping[str, Any] | None = None,
                        label: str | Sequence[str] | None = None, collapse: bool = False, max_depth: int | None = None,
                        max_nodes: int | None = 300, max_elements: int = 16, rankdir: str = "LR") -> BackwardSteps:
    """The backward pass one node at a time, in the order backprop visits the nodes.

    Iterating over the result yields one drawing per node: the node being visited is
    highlighted, boxes whose gradient is final show it, and red reversed edges carry the
    gradients passed so far. `.table()` (also `print(steps)`) writes the same steps as the
    chain rule: upstream gradient x local derivative = gradient passed to each input.
    Arguments are those of `draw`. The graph must still hold its saved values (draw before
    `backward()`, or after `backward(retain_graph=True)`). The table needs no Graphviz; the
    frames need the Python package `graphviz` (else GraphvizNotInstalledError).

    Example:
        >>> import autograd as ag
        >>> w, x = ag.tensor(1.0, requires_grad=True), ag.tensor(1.0)
        >>> steps = ag.draw_backward_steps((w * x - 2) ** 2, names={"w": w, "x": x})
        >>> len(steps)  # (·)², −, ×, and the leaf w
        4
        >>> print(steps.table())  # doctest: +SKIP
        >>> steps.save("backprop.gif")  # doctest: +SKIP
    """
    options = Options(values, True, False, max_elements, rankdir, True)
    view = GraphView(roots, names, params, label)
    gradients = Gradients(view, "computed", "draw_backward_steps")
    layout = Layout(view, collapse, max_depth, max_nodes)
    return BackwardSteps(view, layout, gradients, options)


def draw_forward_steps(*roots: Any, params: Any = None, names: Mapping[str, Any] | None = None,
                       label: str | Sequence[str] | None = None, collapse: bool = False, max_depth: int | None = None,
                       max_nodes: int | None = 300, max_elements: int = 16, rankdir: str = "LR") -> ForwardSteps:
    """The forward pass one operation at a time, in the order it ran: each frame computes one
    value from values already there and stores it (the values backward will need: article
    000's point about memory). Arguments are those of `draw`; the values are those the
    forward pass produced (see `draw`). The same frames, table, animation and stepper as
    `draw_backward_steps`.

    Example:
        >>> import autograd as ag
        >>> w, x = ag.tensor(1.0, requires_grad=True), ag.tensor(3.0)
        >>> steps = ag.draw_forward_steps((w * x - 2) ** 2, names={"w": w, "x": x})
        >>> [step.name for step in steps.steps]
        ['w × x', 'w × x − 2', '(w × x − 2)²']
    """
    options = Options(True, False, False, max_elements, rankdir, True)
    view = GraphView(roots, names, params, label)
    layout = Layout(view, collapse, max_depth, max_nodes)
    return ForwardSteps(view, layout, Gradients(view, False), options)
