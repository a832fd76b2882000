"""The backward engine: one iterative walk of the graph in reverse topological order.

A graph node satisfies a small protocol, so Tensor and Scalar graphs share this code:
    node.inputs       tuple of parent nodes (None where an input needs no gradient)
    node.name         the operator's name
    node.pre_hooks    callables run on the node's final gradient (may replace it)
    node.retain_hook  None, or a callable that stores the final gradient
    node.propagate(g) -> gradients for node.inputs, in their shapes
    node.release()    frees what the node saved for backward
"""
from . import anomaly
from .grad_mode import _set, is_grad_enabled


def _dependency_counts(roots):
    """Number of edges into each node reachable from `roots`; no recursion."""
    counts = {}
    stack = list(roots)
    seen = set(map(id, stack))
    while stack:
        node = stack.pop()
        for parent in node.inputs:
            if parent is None:
                continue
            counts[parent] = counts.get(parent, 0) + 1
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return counts


def _nodes_leading_to(roots, targets):
    """The nodes from which some target can be reached (walking towards the inputs)."""
    needed = set()
    stack = [(node, False) for node in roots]
    done = set()
    while stack:
        node, expanded = stack.pop()
        if expanded:
            done.add(node)
            if node in targets or any(p in needed for p in node.inputs if p is not None):
                needed.add(node)
            continue
        if node in done:
            continue
        stack.append((node, True))
        stack.extend((p, False) for p in node.inputs if p is not None and p not in done)
    return needed


def run_backward(roots, root_grads, retain_graph=False, create_graph=False, targets=None):
    """Propagates `root_grads` from `roots` to every node that can be reached.

    With `targets` (a list of nodes) nothing is accumulated into leaves: the final gradient
    arriving at each target is returned instead (None where none arrives), as autograd.grad.
    """
    counts = _dependency_counts(roots)
    pending = {}
    for root, grad in zip(roots, root_grads):
        pending[root] = pending[root] + grad if root in pending else grad
    if targets is not None:
        wanted = set(targets)
        needed = _nodes_leading_to(roots, wanted)
        captured = {}
    ready = [root for root in dict.fromkeys(roots) if root not in counts]

    previous_mode = is_grad_enabled()
    _set(create_graph)
    try:
        while ready:
            node = ready.pop()
            grad = pending.pop(node, None)
            grads = ()
            if grad is not None and (targets is None or node in needed):
                for hook in node.pre_hooks:
                    replaced = hook(grad)
                    if replaced is not None:
                        grad = replaced
                if targets is not None and node in wanted:
                    captured[node] = grad
                if node.retain_hook is not None and targets is None:
                    node.retain_hook(grad)
                if targets is None or node.inputs:
                    grads = node.propagate(grad)
                    if anomaly.mode.enabled:
                        anomaly.check_gradients(node, grads)
                if not retain_graph:
                    node.release()
            for i, parent in enumerate(node.inputs):
                if parent is None:
                    continue
                g = grads[i] if grads else None
                if g is not None:
                    pending[parent] = pending[parent] + g if parent in pending else g
                counts[parent] -= 1
                if counts[parent] == 0:
                    ready.append(parent)
    finally:
        _set(previous_mode)
    if targets is not None:
        return [captured.get(node) for node in targets]
    return None
