"""The drawing's reading of a graph: variables (boxes) and operators (circles), the order
backprop visits the nodes, and the gradients to write on the boxes.

Only the engine's node protocol is used (autograd/engine.py), so Tensor and Scalar graphs
take one code path: every node has `inputs`, `name`, `output_shape` and `output_dtype`. A
node that computes something also has `symbol` (its textbook symbol, None to write its name)
and `elementwise`, and may have `power` (True: it raises its first argument to its second,
drawn (·)² for a constant exponent) and `dims` (a "permute"'s order of axes: a swap of two is
drawn (·)ᵀ); matrix products are known by their symbol "@". A node with `variable` is the
accumulator of a leaf tensor; a node with `args`/`output` is a recorded Tensor operation; any
other node is its own value (a Scalar: `.data`, `.grad`, `.label`). Gradients come from the
engine's walk (`run_backward` in its looking mode), local derivatives from a node's
`propagate` (which fits them to the inputs).

The Tensor class is not imported: a Tensor is known by its `grad_fn` (what `node_of` reads),
its values read with `np.asarray`.
"""
import numbers
from collections.abc import Mapping

import numpy as np

from ..engine import run_backward, visit_order
from ..leaf import node_of
from ..grad_mode import no_grad
from . import style
from .style import op_name, operator_symbol
from .values import ForwardValues, Unknown


class Variable:
    """A box: a leaf, data that needs no gradient, or the result of an operator."""

    __slots__ = ("key", "node", "obj", "kind", "name", "param", "expression", "shape", "producer", "consumers",
                 "is_root")

    def __init__(self, key, node, obj, kind):
        self.key, self.node, self.obj, self.kind = key, node, obj, kind
        self.name = self.param = None
        self.expression = ""  # what the drawing calls it without a name: "W1 @ x", "w₁", "0.5"
        self.shape = _shape_of(obj)
        self.producer = None
        self.consumers = []
        self.is_root = False

    @property
    def title(self) -> str:
        """The name drawings and step tables use: the one given, else the parameter's, else
        the expression that made it."""
        return self.name or self.param or self.expression

    def stored_grad(self):
        """The `.grad` backward() left on this variable, if it keeps one."""
        obj = self.obj
        if obj is None or self.kind == "data":
            return None
        if self.node is obj:  # a Scalar
            return obj.grad
        if self.kind == "result" and not obj.retains_grad:
            return None
        return None if obj.grad is None else np.asarray(obj.grad)


class Operator:
    """A circle: one recorded operation, with one input per use of each argument."""

    __slots__ = ("key", "node", "symbol", "inputs", "slots", "constants", "output")

    def __init__(self, key, node, symbol, inputs, slots, constants, output):
        self.key, self.node, self.symbol = key, node, symbol
        self.inputs = inputs  # Variables, in argument order, repeated if used twice
        self.slots = slots    # for each input, its position in node.inputs
        self.constants = constants  # per argument: None for an input, the number for a folded constant
        self.output = output


class GraphView:
    """Variables and operators of the graph behind `roots`, in forward (inputs first) order."""

    def __init__(self, roots, names=None, params=None, label=None):
        if not roots:
            raise TypeError("draw: give at least one Tensor or Scalar to draw, e.g. draw(loss)")
        self._names = _names_by_id(roots, names, params, label)
        self.variables, self.operators, self.var_of = [], [], {}
        root_nodes, data_roots = [], []
        for root in roots:
            if _is_tensor(root):
                (root_nodes if root.requires_grad else data_roots).append(root)
            elif hasattr(root, "inputs"):
                root_nodes.append(root)
            else:
                raise TypeError(f"draw: cannot draw a {type(root).__name__}; give Tensors or Scalars")
        self.root_objs = [node_of(r) if _is_tensor(r) else r for r in root_nodes]
        self.order = list(visit_order(self.root_objs))
        self.values = ForwardValues(self.order)
        self._data_vars = {}
        for node in reversed(self.order):
            self._add(node)
        self.roots = []
        for root in roots:
            if not _is_tensor(root):
                var = self.var_of[root]
            elif root.requires_grad:
                var = self.var_of[node_of(root)]
            else:
                var = self._data_var(root)
            var.is_root = True
            self.roots.append(var)
        self._name_the_unnamed()
        self.module_titles = _module_titles(params)

    # ---- building -------------------------------------------------------------------------
    def _new_var(self, node, obj, kind):
        var = Variable(f"v{len(self.variables)}", node, obj, kind)
        self.variables.append(var)
        name = self._names.get(id(obj)) if obj is not None else None
        if name is None and node is obj and getattr(obj, "label", ""):
            name = obj.label
        var.name, var.param = name, self._names.param(id(obj)) if obj is not None else None
        return var

    def _data_var(self, obj):
        var = self._data_vars.get(id(obj))
        if var is None:
            var = self._data_vars[id(obj)] = self._new_var(None, obj, "data")
        return var

    def _add(self, node):
        if hasattr(node, "variable"):  # the accumulator of a leaf tensor that requires grad
            self.var_of[node] = self._new_var(node, node.variable, "leaf")
            return
        if not hasattr(node, "args"):  # a node that is its own value (Scalar)
            var = self.var_of[node] = self._new_var(node, node, "result" if node.inputs else "leaf")
            if node.inputs:
                inputs = [self.var_of[p] for p in node.inputs]
                self._add_operator(node, _label(node), inputs, list(range(len(inputs))), (), var)
            return
        inputs, positions, slots = [], [], []
        recorded = getattr(node, "input_shapes", ())
        for i, (parent, arg) in enumerate(zip(node.inputs, node.args)):
            if parent is not None:
                var = self.var_of[parent]
                if var.shape is None and i < len(recorded) and recorded[i] is not None:
                    var.shape = tuple(recorded[i])  # its tensor was freed: the consumer recorded its shape
            elif _is_tensor(arg):
                var = self._data_var(arg)
            elif isinstance(arg, (numbers.Number, np.bool_)):
                slots.append(arg)
                continue
            elif isinstance(arg, np.ndarray):
                var = self._new_var(None, arg, "data")
            else:
                continue
            slots.append(None)
            inputs.append(var)
            positions.append(i)
        produced = node.output
        if produced is not None and produced.grad_fn is not node:
            # An in-place op has since moved this tensor onto a later node: neither its name nor
            # its value is this node's any more; keep only the shape.
            output = self.var_of[node] = self._new_var(node, None, "result")
            output.shape = tuple(produced.shape)
        else:
            output = self.var_of[node] = self._new_var(node, produced, "result")
        self._add_operator(node, _label(node, slots), inputs, positions, slots, output)

    def _add_operator(self, node, symbol, inputs, positions, constants, output):
        op = Operator(f"o{len(self.operators)}", node, symbol, inputs, positions, constants, output)
        self.operators.append(op)
        output.producer = op
        for var in inputs:
            var.consumers.append(op)

    def _name_the_unnamed(self):
        """Unnamed values get what a textbook would write: the expression that made them from
        named ones ("W1 @ x"); a one-element constant its number; other leaves w₁, w₂, ... and
        data x₁, x₂, ... (in forward order, so the numbers follow the computation)."""
        counts = {"leaf": 0, "data": 0}
        for var in self.variables:  # forward order: inputs before results
            if var.name or var.param:
                continue
            op = var.producer
            if op is not None:
                node = op.node
                symbol = node.symbol if node.symbol is not None else op_name(node)
                operands = [_short_name(v) for v in op.inputs]
                var.expression = style.expression(symbol, operands, op.constants,
                                                  getattr(node, "power", False), getattr(node, "dims", None))
                continue
            scalar = var.node is var.obj or (var.kind == "data" and np.size(var.obj) == 1)
            value = self.values.of(var) if scalar else None
            if value is not None and not isinstance(value, Unknown):
                var.expression = style.number(np.asarray(value).item())
            else:
                counts[var.kind] = counts.get(var.kind, 0) + 1
                var.expression = ("w" if var.kind == "leaf" else "x") + style.subscript(counts[var.kind])

    # ---- gradients ------------------------------------------------------------------------
    def graph_freed(self) -> bool:
        """Whether backward() already freed saved values this graph's gradient rules need."""
        return any(getattr(node, "released", False) for node in self.order)

    def scalar_roots(self) -> bool:
        return all(_size(var) == 1 for var in self.roots if var.node is not None)

    def compute_gradients(self):
        """d(sum of the roots)/d(node) for every node, and what each node passes to each input:
        the engine's walk, only looking (no `.grad` changes, no hook runs, nothing is freed)."""
        roots, seeds = [], []
        for var in self.roots:
            node = var.node
            if node is not None:
                roots.append(node)
                shape = node.output_shape  # None for a Scalar, whose gradients are floats
                seeds.append(1.0 if shape is None else np.ones(shape, dtype=node.output_dtype))
        trace = {}
        try:
            with np.errstate(all="ignore"):
                run_backward(roots, seeds, trace=trace)
        except RuntimeError as error:
            raise RuntimeError(f"draw: cannot compute the gradients to draw: {error} (pass grads=False, "
                               f"or grads='stored' to show the .grad that backward() stored)") from error
        node_grads = {node: grad for node, (grad, _) in trace.items()}
        edge_grads = {node: passed for node, (_, passed) in trace.items() if node.inputs}
        return node_grads, edge_grads

    def local_derivatives(self, op):
        """For each input of `op`: d(output)/d(input) where it is an array of the input's shape
        (one-element outputs, and elementwise ops without broadcasting), else a description."""
        output = op.output
        ones = np.ones(output.shape, dtype=op.node.output_dtype) if hasattr(op.node, "args") else 1.0
        exact_all = _size(output) == 1
        with no_grad(), np.errstate(all="ignore"):
            derivatives = _flowing(op.node, op.node.propagate(ones))  # fitted to the inputs by the node
        result = []
        for var, position in zip(op.inputs, op.slots):
            exact = exact_all or (op.node.elementwise and var.shape == output.shape)
            if derivatives[position] is None:
                result.append(None)
            elif exact:
                result.append(derivatives[position])
            elif op.node.symbol == "@":  # a matrix product
                result.append(_matmul_rule(position, [v.shape for v in op.inputs]))
            elif op.node.elementwise:
                result.append("elementwise, summed over broadcast dims")
            else:
                result.append(f"vector-Jacobian product of {op.node.name}")
        return result


class Gradients:
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


def _matmul_rule(position, shapes):
    """How matmul's gradient for input `position` is formed (g: the upstream gradient)."""
    a_is_vector = len(shapes) > 0 and len(shapes[0]) == 1
    b_is_vector = len(shapes) > 1 and len(shapes[1]) == 1
    if position == 0:
        return "outer(g, B) (g: upstream)" if b_is_vector and not a_is_vector else "g @ Bᵀ (g: upstream)"
    return "outer(A, g) (g: upstream)" if a_is_vector and not b_is_vector else "Aᵀ @ g (g: upstream)"


class _Names:
    """Names of drawn objects, looked up by identity: names= and label= first, then params=."""

    def __init__(self):
        self.given, self.params = {}, {}

    def get(self, key):
        return self.given.get(key, self.params.get(key))

    def param(self, key):
        return self.params.get(key)


def _names_by_id(roots, names, params, label):
    table = _Names()
    for name, obj in _named_items(params, "params"):
        table.params[id(obj)] = name
    for name, obj in _named_items(names, "names"):
        table.given[id(obj)] = name
    if label is not None:
        labels = [label] if isinstance(label, str) else list(label)
        if len(labels) != len(roots):
            raise ValueError(f"draw: label= gives {len(labels)} names for {len(roots)} roots; give one per root")
        for root, text in zip(roots, labels):
            table.given[id(root)] = text
    return table


def _named_items(source, argument):
    if source is None:
        return []
    if hasattr(source, "named_parameters"):
        return list(source.named_parameters())
    if not isinstance(source, Mapping):
        raise TypeError(f"draw: {argument}= must be a dict of name -> tensor (or an object with named_parameters()), "
                        f"got {type(source).__name__}")
    items = list(source.items())
    for name, _ in items:
        if not isinstance(name, str):
            raise TypeError(f"draw: {argument}= maps names to tensors, e.g. {argument}={{'x': x}}; "
                            f"got a key of type {type(name).__name__}")
    return items


def _short_name(var):
    """A value's name inside an expression: a parameter by its module's name and its own
    ("fc1.weight", "2.weight"; not "model.layers.2.weight")."""
    if var.param and var.name == var.param:
        return ".".join(var.param.split(".")[-2:])
    return var.title


def _module_titles(params):
    """Module name -> its cluster title ("fc1: Linear(64→128)"), where `params` is a module."""
    if not hasattr(params, "named_modules"):
        return {}
    return {name: style.module_title(name, module) for name, module in params.named_modules() if name}


def _label(node, slots=()):
    """The label of a node's circle: its symbol (or, without one, its name) and its constants."""
    symbol = node.symbol if node.symbol is not None else op_name(node)
    power = getattr(node, "power", False)  # its first argument to the power of its second (Pow)
    return operator_symbol(symbol, slots, power, getattr(node, "dims", None))


def _is_tensor(obj) -> bool:
    """Whether `obj` is a Tensor: a value with a `grad_fn` (Scalars, arrays and numbers have none)."""
    return hasattr(obj, "grad_fn")


def _shape_of(obj):
    if obj is None or not hasattr(obj, "shape"):
        return None  # Scalars and numbers: no shape to write
    return tuple(obj.shape)


def _size(var) -> int:
    return 1 if var.shape is None else int(np.prod(var.shape))


def _flowing(node, grads):
    """`grads` with None for the inputs that need no gradient (propagate may leave values there)."""
    return [None if parent is None else g for g, parent in zip(grads, node.inputs)]
