"""The backward engine: the one iterative walk of a graph in reverse topological order, and the
one place where a gradient is fitted to the input it flows into.

The engine knows nodes by a protocol, never by class, so Tensor graphs, Scalar graphs, the
drawing and ag.func share this walk:
    node.inputs        parent nodes (None where an input needs no gradient)
    node.name          the operator's name
    node.pre_hooks     callables run on the node's final gradient (one may replace it)
    node.retain_hook   None, or a callable that stores the final gradient
    node.propagate(g)  gradients for node.inputs from the node's final gradient g, each in its
                       input's shape and dtype (any value, often None, where an input is None);
                       a leaf (no inputs) stores g
    node.release()     frees what the node saved for backward
    node.output_shape, node.output_dtype
                       what a gradient for the node must be (None for a Scalar: a float)
A Tensor node's propagate fits its gradients with `fitted` below, the one broadcast reduction.
"""
import gc
import sys

import numpy as np

from . import anomaly, compiler
from .grad_mode import set_grad_enabled
from .shapes import broadcastable_to, sum_to

_ndarray = np.ndarray
_references = sys.getrefcount
# Pausing the cyclic GC during backward pays only on big graphs (measured: W2's 1000-op chain and
# W3's step 0%, W5's 200,000-op chain 5% of backward's time), and the pause is process-wide.
PAUSE_GC_ABOVE = 10_000


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
    once every node that consumes it has been visited (Kahn's algorithm, last in first out)."""
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


def fitted(node, grads, convert=None):
    """The gradients `node` computed for its inputs, each in its input's shape and dtype: summed
    over the dimensions broadcasting added (the one broadcast reduction) and cast as PyTorch
    does (each input gets a gradient of its own dtype). Arrays, or Tensors under create_graph;
    `convert` first turns any other value a rule returned (a number, a NumPy scalar) into one."""
    out = []
    for i, (grad, parent) in enumerate(zip(grads, node.inputs)):
        if grad is None or parent is None:
            out.append(None)
            continue
        if convert is not None and type(grad) is not _ndarray:
            grad = convert(grad)
        shape = parent.output_shape
        if grad.shape != shape:
            if not broadcastable_to(shape, grad.shape):
                raise RuntimeError(f"{node.name}.backward returned a gradient of shape {tuple(grad.shape)} "
                                   f"for argument {i}, whose shape is {shape}: the gradient must have "
                                   f"the argument's shape or broadcast to it")
            grad = sum_to(grad, shape)
        dtype = parent.output_dtype
        if grad.dtype is not dtype and grad.dtype != dtype:
            grad = grad.astype(dtype)
        out.append(grad)
    return out


def hooked(hooks, grad):
    """A node's final gradient after its pre-hooks: each sees the gradient so far and may
    return a replacement."""
    for hook in hooks:
        replaced = hook(grad)
        if replaced is not None:
            grad = replaced
    return grad


def run_backward(roots, root_grads, retain_graph=False, create_graph=False, targets=None, trace=None):
    """Propagates `root_grads` from `roots` to every node that can be reached.

    Leaves store what reaches them. With `targets` (a list of nodes) nothing is stored in
    leaves: the final gradient arriving at each target is returned instead (None where none
    arrives), as autograd.grad. With `trace` (a dict) the walk only looks: no hook runs,
    nothing is stored or freed, and trace[node] = (its final gradient, what it passes to each
    input (None where nothing flows)) for every node reached, as the drawing shows them.
    """
    counts = _dependency_counts(roots)
    pending = {}
    for root, grad in zip(roots, root_grads):
        pending[root] = pending[root] + grad if root in pending else grad
    needed = None
    if targets is not None:
        wanted = set(targets)
        needed = _nodes_leading_to(roots, wanted)
        captured = {}
    looking = trace is not None
    storing = targets is None and not looking
    release = not (retain_graph or looking)
    check = anomaly.mode.enabled
    recorder = compiler.recorder  # ag.compile records this walk's array operations
    if recorder is not None:
        recorder.backward_begins(roots, root_grads, create_graph, targets, looking)
    pause_gc = len(counts) > PAUSE_GC_ABOVE and gc.isenabled()
    if pause_gc:
        gc.disable()  # backward frees by reference counting: on a big graph cyclic-GC passes only cost time
    try:
        with set_grad_enabled(create_graph):
            for node in visit_order(roots, counts):
                grad = pending.pop(node, None)
                if grad is None or (needed is not None and node not in needed):
                    continue
                if not looking:
                    hooks = node.pre_hooks
                    if hooks:
                        grad = hooked(hooks, grad)
                    if targets is not None:
                        if node in wanted:
                            captured[node] = grad
                    elif node.retain_hook is not None:
                        node.retain_hook(grad)
                inputs = node.inputs
                if not inputs:  # a leaf
                    if storing and recorder is not None:
                        recorder.accumulate(node, grad)
                    elif storing:
                        # A leaf may keep the array it is given as its .grad, so give it one that
                        # nothing else refers to: this frame's `grad` and getrefcount's argument
                        # are the only references to an array no other edge, hook or view holds.
                        if type(grad) is _ndarray and (grad.base is not None or _references(grad) > 2):
                            grad = grad.copy()
                        node.propagate(grad)
                    elif looking:
                        trace[node] = (grad, ())
                    if release:
                        node.release()
                    continue
                grads = node.propagate(grad) if recorder is None else recorder.propagate(node, grad)
                if check:
                    anomaly.check_gradients(node, grads)
                if looking:
                    trace[node] = (grad, [None if p is None else g for g, p in zip(grads, inputs)])
                if release:
                    node.release()
                for parent, g in zip(inputs, grads):
                    if g is not None and parent is not None:
                        if parent in pending:
                            pending[parent] = pending[parent] + g if recorder is None else recorder.add(pending[parent], g)
                        else:
                            pending[parent] = g
                grads = g = grad = None  # so that an array a leaf is given later is referenced once in this frame
    finally:
        if pause_gc:
            gc.enable()
    if targets is not None:
        return [captured.get(node) for node in targets]
    return None
