"""The drawing's reading of a graph: variables (boxes) and operators (circles), the order
backprop visits the nodes, and the gradients to write on the boxes.

Only the engine's node protocol is used, so Tensor and Scalar graphs take one code path:
every node has `inputs` and `name`; a node with `variable` is the accumulator of a leaf
tensor; a node with `args`/`output` is a recorded Tensor operation; any other node is its
own value (a Scalar: `.data`, `.grad`, `.label`).
"""
import numbers
from collections.abc import Mapping

import numpy as np

from ._draw_style import operator_symbol
from .engine import visit_order
from .function import node_of
from .grad_mode import no_grad
from .tensor import Tensor

# Ops whose Jacobian is diagonal when the input has the output's shape: their local
# derivative is then an array of the input's shape (what the step table writes out).
ELEMENTWISE = {"Add", "Sub", "Mul", "Div", "Neg", "Pow", "Exp", "Log", "Log1p", "Expm1", "Sqrt", "Abs",
               "Sign", "Sin", "Cos", "Tanh", "Sigmoid", "Relu", "Erf", "Maximum", "Minimum", "Where",
               "Clamp", "Cast", "Clone"}


class Variable:
    """A box: a leaf, data that needs no gradient, or the result of an operator."""

    __slots__ = ("key", "node", "obj", "kind", "name", "param", "shape", "producer", "consumers", "is_root")

    def __init__(self, key, node, obj, kind):
        self.key, self.node, self.obj, self.kind = key, node, obj, kind
        self.name = self.param = None
        self.shape = _shape_of(obj)
        self.producer = None
        self.consumers = []
        self.is_root = False

    @property
    def value(self):
        """The value now held (None once the tensor was freed or overwritten in place)."""
        obj = self.obj
        if obj is None:
            return None
        if isinstance(obj, Tensor):
            return obj._data
        return obj.data if self.node is obj else obj

    def stored_grad(self):
        """The `.grad` backward() left on this variable, if it keeps one."""
        obj = self.obj
        if obj is None or self.kind == "data":
            return None
        if isinstance(obj, Tensor):
            if self.kind == "result" and not obj.retains_grad:
                return None
            return None if obj.grad is None else obj.grad._data
        return obj.grad


class Operator:
    """A circle: one recorded operation, with one input per use of each argument."""

    __slots__ = ("key", "node", "symbol", "inputs", "slots", "output")

    def __init__(self, key, node, symbol, inputs, slots, output):
        self.key, self.node, self.symbol = key, node, symbol
        self.inputs = inputs  # Variables, in argument order, repeated if used twice
        self.slots = slots    # for each input, its position in node.inputs
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
            if isinstance(root, Tensor):
                (root_nodes if root.requires_grad else data_roots).append(root)
            elif hasattr(root, "inputs"):
                root_nodes.append(root)
            else:
                raise TypeError(f"draw: cannot draw a {type(root).__name__}; give Tensors or Scalars")
        self.root_objs = [node_of(r) if isinstance(r, Tensor) else r for r in root_nodes]
        self.order = list(visit_order(self.root_objs))
        self._data_vars = {}
        for node in reversed(self.order):
            self._add(node)
        self.roots = []
        for root in roots:
            if not isinstance(root, Tensor):
                var = self.var_of[root]
            elif root.requires_grad:
                var = self.var_of[node_of(root)]
            else:
                var = self._data_var(root)
            var.is_root = True
            self.roots.append(var)

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
                self._add_operator(node, operator_symbol(node.name), inputs, list(range(len(inputs))), var)
            return
        inputs, positions, slots = [], [], []
        recorded = getattr(node, "input_shapes", ())
        for i, (parent, arg) in enumerate(zip(node.inputs, node.args)):
            if parent is not None:
                var = self.var_of[parent]
                if var.shape is None and i < len(recorded) and recorded[i] is not None:
                    var.shape = tuple(recorded[i])  # its tensor was freed: the consumer recorded its shape
            elif isinstance(arg, Tensor):
                var = self._data_var(arg)
            elif arg is None:  # a tensor that needed no gradient, garbage-collected since
                var = self._new_var(None, None, "data")
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
        self._add_operator(node, operator_symbol(node.name, slots, node), inputs, positions, output)

    def _add_operator(self, node, symbol, inputs, positions, output):
        op = Operator(f"o{len(self.operators)}", node, symbol, inputs, positions, output)
        self.operators.append(op)
        output.producer = op
        for var in inputs:
            var.consumers.append(op)

    # ---- gradients ------------------------------------------------------------------------
    def graph_freed(self) -> bool:
        """Whether backward() already freed saved values this graph's gradient rules need."""
        return any(getattr(node, "released", False) for node in self.order)

    def scalar_roots(self) -> bool:
        return all(_size(var) == 1 for var in self.roots if var.node is not None)

    def compute_gradients(self):
        """d(sum of the roots)/d(node) for every node, and what each node passes to each input.

        A walk of its own over the graph: it calls each node's gradient rule (`propagate`)
        and nothing else, so no `.grad` changes, no hook runs and nothing is freed.
        """
        pending = {}
        for var in self.roots:
            if var.node is not None:
                seed = np.ones(var.obj.shape, dtype=var.obj.dtype) if isinstance(var.obj, Tensor) else 1.0
                pending[var.node] = pending[var.node] + seed if var.node in pending else seed
        node_grads, edge_grads = {}, {}
        with no_grad(), np.errstate(all="ignore"):
            for node in self.order:
                grad = pending.pop(node, None)
                if grad is None:
                    continue
                node_grads[node] = grad
                if not node.inputs:
                    continue
                try:
                    passed = _flowing(node, node.propagate(grad))
                except RuntimeError as error:
                    raise RuntimeError(f"draw: cannot compute the gradients to draw: {error} (pass grads=False, "
                                       f"or grads='stored' to show the .grad that backward() stored)") from error
                edge_grads[node] = passed
                for parent, g in zip(node.inputs, passed):
                    if parent is not None and g is not None:
                        pending[parent] = pending[parent] + g if parent in pending else g
        return node_grads, edge_grads

    def local_derivatives(self, op):
        """For each input of `op`: d(output)/d(input) where it is an array of the input's shape
        (one-element outputs, and elementwise ops without broadcasting), else a description."""
        output = op.output
        ones = np.ones(output.shape, dtype=_dtype_of(output)) if hasattr(op.node, "args") else 1.0
        exact_all = _size(output) == 1
        with no_grad(), np.errstate(all="ignore"):
            derivatives = _flowing(op.node, op.node.propagate(ones))
        result = []
        for var, position in zip(op.inputs, op.slots):
            exact = exact_all or (op.node.name in ELEMENTWISE and var.shape == output.shape)
            if derivatives[position] is None:
                result.append(None)
            elif exact:
                result.append(derivatives[position])
            elif op.node.name == "Matmul":
                result.append(_matmul_rule(position, [v.shape for v in op.inputs]))
            elif op.node.name in ELEMENTWISE:
                result.append("elementwise, summed over broadcast dims")
            else:
                result.append(f"vector-Jacobian product of {op.node.name}")
        return result


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


def _shape_of(obj):
    if obj is None or not hasattr(obj, "shape"):
        return None  # Scalars and numbers: no shape to write
    return tuple(obj.shape)


def _size(var) -> int:
    return 1 if var.shape is None else int(np.prod(var.shape))


def _dtype_of(var):
    value = var.value
    return np.asarray(value).dtype if value is not None else np.float64


def _flowing(node, grads):
    """`grads` with None for the inputs that need no gradient (propagate may leave values there)."""
    return [None if parent is None else g for g, parent in zip(grads, node.inputs)]
