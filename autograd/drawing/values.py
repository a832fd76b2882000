"""The values a drawing writes on its boxes, each as the forward pass produced it.

Nobody has to keep an intermediate for its box to show a value: every recorded operation can
run its forward again on arrays (`rerun`), so a value whose tensor is gone is recomputed from
its inputs' values, in forward order, once per node (a drawing of n nodes reruns at most n
forwards). A value is never guessed: where a tensor was changed in place after the forward
pass read it (a parameter the optimiser has since stepped), its box says so, and so do the
boxes computed from it, instead of showing numbers the forward pass never produced.

Only the node protocol is used (see graph.py): a recorded operation has `args`, `inputs`,
`arg_versions`, `output`, `output_version` and `rerun`; a leaf's accumulator has `variable`;
Tensors are known by their `grad_fn` and read with `np.asarray`. Built-in operations take their
random numbers (dropout's mask) as arguments, so running them again draws nothing new.
"""
import numpy as np


class Unknown:
    """Why a box shows no value: the reason, written on the box."""

    __slots__ = ("reason",)

    def __init__(self, reason):
        self.reason = reason


CHANGED = Unknown("changed in place since")
FROM_CHANGED = Unknown("not known: an input changed in place since")


class ForwardValues:
    """The forward pass's value of every drawn box, computed on first request."""

    def __init__(self, order):
        self._order = order  # the graph's nodes, consumers first (visit_order)
        self._of_node = None  # node -> array, or an Unknown
        self._changed = {}    # id(tensor) -> True where a consumer read an older version

    def of(self, var):
        """The value of a Variable (array or float), or an Unknown saying why there is none."""
        node, obj = var.node, var.obj
        if node is not None and node is obj:  # a Scalar
            return obj.data
        if self._of_node is None:
            self._compute()
        if var.kind == "result":
            return self._of_node.get(node, FROM_CHANGED)
        if obj is None:
            return FROM_CHANGED
        if _is_tensor(obj) and self._changed.get(id(obj)):
            return CHANGED
        return np.asarray(obj)

    def _compute(self):
        values = self._of_node = {}
        for node in reversed(self._order):  # inputs before the nodes that use them
            if not hasattr(node, "args"):  # a leaf's accumulator, or a Scalar
                continue
            inputs, known = [], True
            for arg, parent, version in zip(node.args, node.inputs, node.arg_versions):
                if parent is None or hasattr(parent, "variable"):  # a constant, or a leaf's tensor
                    if _is_tensor(arg) and arg._version != version:
                        self._changed[id(arg)] = True
                        known = False
                    inputs.append(np.asarray(arg) if parent is not None else arg)
                else:
                    value = values[parent]
                    if version != parent.output_version:  # changed in place between its op and this one
                        value = FROM_CHANGED
                    known = known and not isinstance(value, Unknown)
                    inputs.append(value)
            out = node.output
            if out is not None and out.grad_fn is node and out._version == node.output_version:
                values[node] = np.asarray(out)  # still held, as produced
            elif known:
                with np.errstate(all="ignore"):
                    values[node] = node.rerun(inputs)
            else:
                values[node] = FROM_CHANGED


def _is_tensor(obj) -> bool:
    return hasattr(obj, "grad_fn")
