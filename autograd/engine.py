"""The backward engine: one iterative walk of the graph in reverse topological order.

A graph node satisfies a small protocol, so Tensor and Scalar graphs share this code:
    node.inputs       tuple of parent nodes (None where an input needs no gradient)
    node.name         the operator's name
    node.pre_hooks    callables run on the node's final gradient (may replace it)
    node.retain_hook  None, or a callable that stores the final gradient
    node.propagate(g) -> gradients for node.inputs, in their shapes (any value, often None,
                         where an input is None: the engine and the drawing skip those)
    node.release()    frees what the node saved for backward
"""
import gc

from . import anomaly
from .grad_mode import _set, is_grad_enabled


def _dependency_counts(roots):
    """Number of edges into each node reachable from `roots`; no recursion."""
    counts = {}
    stack = list(dict.fromkeys(roots))
    is_root = set(stack)
    push = stack.append
    while stack:
        for parent in stack.pop().inputs:
            if parent is None:
                continue
            if parent in counts:
                counts[parent] += 1
            else:
                counts[parent] = 1
                if parent not in is_root:
                    push(parent)
    return counts


def visit_order(roots, counts=None):
    """Yields the nodes reachable from `roots` in the order backward visits them: a node comes
    once every node that consumes it has been visited (Kahn's algorithm, last in first out).
    Backward and the drawing code share this one walk."""
    counts = _dependency_counts(roots) if counts is None else counts
    ready = [root for root in dict.fromkeys(roots) if root not in counts]
    while ready:
        node = ready.pop()
        yield node
        for parent in node.inputs:
            if parent is not None:
                left = counts[parent] - 1
                counts[parent] = left
                if not left:
                    ready.append(parent)


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

    previous_mode = is_grad_enabled()
    _set(create_graph)
    collecting = gc.isenabled()
    gc.disable()  # backward frees by reference counting; cyclic-GC passes here only cost time
    release = not retain_graph
    check = anomaly.mode.enabled
    try:
        for node in visit_order(roots, counts):
            grad = pending.pop(node, None)
            if grad is None or (targets is not None and node not in needed):
                continue
            hooks = node.pre_hooks
            if hooks:
                for hook in hooks:
                    replaced = hook(grad)
                    if replaced is not None:
                        grad = replaced
            if targets is not None:
                if node in wanted:
                    captured[node] = grad
            elif node.retain_hook is not None:
                node.retain_hook(grad)
            inputs = node.inputs
            if not inputs:
                if targets is None:
                    node.propagate(grad)  # a leaf: accumulates into .grad
                if release:
                    node.release()
                continue
            grads = node.propagate(grad)
            if check:
                anomaly.check_gradients(node, grads)
            if release:
                node.release()
            for parent, g in zip(inputs, grads):
                if g is not None and parent is not None:
                    if parent in pending:
                        pending[parent] = pending[parent] + g
                    else:
                        pending[parent] = g
            # hold no gradient here: a leaf adopts a gradient array as its .grad only when
            # nothing else refers to it (see AccumulateGrad), otherwise it copies it
            grads = g = grad = None
    finally:
        _set(previous_mode)
        if collecting:
            gc.enable()
    if targets is not None:
        return [captured.get(node) for node in targets]
    return None

