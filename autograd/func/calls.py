"""What every transform does on entering and leaving: arguments flattened from tuples, lists
and dicts (pytrees), each differentiated input made a fresh variable (Primal), f called once
at them (Call), and results given back in the kind each input had (see autograd.func)."""
from __future__ import annotations


import numpy as np

from ..creation import zeros_like
from ..backprop import grad as engine_grad
from ..leaf import node_of
from ..grad_mode import enable_grad, is_grad_enabled
from ..scalar import Scalar
from ..tensor import Tensor

_TENSOR, _NUMBER, _ARRAY = "Tensor", "number", "array"


# ---- pytrees: tuples, lists and dicts of leaves ------------------------------------------
def flatten(tree):
    """(leaves, spec): the leaves in order, and what `unflatten` needs to rebuild the tree."""
    if isinstance(tree, (tuple, list)):
        leaves, specs = [], []
        for item in tree:
            item_leaves, spec = flatten(item)
            leaves += item_leaves
            specs.append(spec)
        return leaves, (type(tree), specs)
    if isinstance(tree, dict):
        leaves, specs = [], []
        for value in tree.values():
            item_leaves, spec = flatten(value)
            leaves += item_leaves
            specs.append(spec)
        return leaves, (dict, list(tree), specs)
    return [tree], None


def unflatten(spec, leaves):
    """Rebuilds a tree of `spec`'s structure from an iterator of leaves."""
    if spec is None:
        return next(leaves)
    if spec[0] is dict:
        return {key: unflatten(s, leaves) for key, s in zip(spec[1], spec[2])}
    kind, specs = spec
    items = [unflatten(s, leaves) for s in specs]
    return kind(*items) if hasattr(kind, "_fields") else kind(items)  # namedtuples take fields


def tree_map(fn, tree):
    leaves, spec = flatten(tree)
    return unflatten(spec, iter([fn(leaf) for leaf in leaves]))


# ---- entering and leaving a transform ----------------------------------------------------
def kind_of(leaf, transform, where):
    if isinstance(leaf, Tensor):
        if leaf.dtype.kind != "f":
            raise TypeError(f"{transform}: {where} is a {leaf.dtype} tensor; only floating-point inputs can be "
                            f"differentiated; convert it first, e.g. x.double()")
        return _TENSOR
    if isinstance(leaf, np.ndarray):
        if leaf.dtype.kind not in "fiu":
            raise TypeError(f"{transform}: {where} is a NumPy array of dtype {leaf.dtype}; only real numbers "
                            f"can be differentiated")
        return _ARRAY
    if isinstance(leaf, (int, float, np.integer, np.floating)) and not isinstance(leaf, (bool, np.bool_)):
        return _NUMBER
    if isinstance(leaf, Scalar):
        raise TypeError(f"{transform}: {where} is an ag.Scalar; Scalar graphs record first derivatives only, "
                        f"so only grad, value_and_grad and grad_and_value take Scalars (all of them, not mixed "
                        f"with other kinds); pass Python floats here")
    raise TypeError(f"{transform}: {where} is a {type(leaf).__name__}; pass Tensors, NumPy arrays or Python "
                    f"numbers (or tuples, lists and dicts of them)")


class Primal:
    """One differentiated input: the variable f sees inside, and how to give results back."""

    __slots__ = ("kind", "dtype", "inner", "connected")

    def __init__(self, leaf, watched, transform, where):
        self.kind = kind_of(leaf, transform, where)
        self.connected = self.kind is _TENSOR and watched and leaf.requires_grad
        if self.kind is _TENSOR:
            self.dtype = leaf.dtype
            # a clone is a node of its own: differentiating at it cannot confuse this transform's
            # variable with an outer one's, and the graph back to the original is kept
            self.inner = leaf.clone() if self.connected else leaf.detach().requires_grad_()
        else:
            self.dtype = leaf.dtype if self.kind is _ARRAY and leaf.dtype.kind == "f" else np.dtype(np.float64)
            self.inner = Tensor._make(np.array(leaf, dtype=np.float64)).requires_grad_()

    def export(self, value, keep_graph):
        """A derivative with respect to this input, in the input's kind."""
        if self.kind is _ARRAY:
            return np.array(value.detach().numpy(), dtype=self.dtype)
        return export(value, self.kind is _TENSOR, keep_graph)


def export(value, as_tensor, keep_graph):
    """A value leaving a transform: a Tensor (detached unless kept) or a float / ndarray."""
    if not isinstance(value, Tensor):
        return value
    if as_tensor:
        return value if keep_graph else value.detach()
    array = np.array(value.detach().numpy(), copy=True)
    return float(array) if array.ndim == 0 else array


def argument_positions(argnums, n_args, transform):
    """argnums as a tuple of non-negative positions, checked."""
    many = isinstance(argnums, (tuple, list))
    positions = tuple(argnums) if many else (argnums,)
    if not positions or not all(isinstance(p, int) and not isinstance(p, bool) for p in positions):
        raise TypeError(f"{transform}: argnums must be an int or a non-empty tuple of ints, got {argnums!r}")
    normalised = []
    for p in positions:
        if not -n_args <= p < n_args:
            raise ValueError(f"{transform}: argnums={argnums!r} but the function was called with {n_args} "
                             f"positional argument(s); argnums counts positional arguments from 0")
        normalised.append(p % n_args)
    if len(set(normalised)) != len(normalised):
        raise ValueError(f"{transform}: argnums={argnums!r} names an argument twice")
    return tuple(normalised)


def split_aux(result, has_aux, transform):
    if not has_aux:
        return result, None
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise TypeError(f"{transform}: with has_aux=True the function must return a pair (output, aux), "
                        f"got {type(result).__name__}")
    return result[0], result[1]


def check_outputs(leaves, transform):
    for i, out in enumerate(leaves):
        if not isinstance(out, Tensor):
            raise TypeError(f"{transform}: the function returned a {type(out).__name__} (output {i}), not a Tensor: "
                            f"compute it with autograd operations on its inputs (ag.sin(x), x.exp(), x @ w), "
                            f"not math/NumPy functions on numbers, which lose the graph")
        if out.dtype.kind != "f":
            raise TypeError(f"{transform}: output {i} has dtype {out.dtype}; only floating-point outputs can be "
                            f"differentiated")


def reaches_outside(outputs, own_nodes):
    """True if the outputs' graph reaches a leaf requiring grad that is not one of `own_nodes`:
    someone outside this transform (an outer transform, a user's parameter) watches it."""
    stack_ = [node_of(out) for out in outputs if out.requires_grad]
    seen = set()
    while stack_:
        node = stack_.pop()
        if node in seen or node in own_nodes:
            continue
        seen.add(node)
        if not node.inputs:
            return True
        stack_.extend(parent for parent in node.inputs if parent is not None)
    return False


class Call:
    """f evaluated once at fresh variables for the arguments at `positions`."""

    def __init__(self, transform, func, args, kwargs, positions, has_aux):
        self.transform = transform
        watched = is_grad_enabled()
        self.primals, self.arg_specs = [], []
        call_args = list(args)
        for p in positions:
            leaves, spec = flatten(args[p])
            primals = [Primal(leaf, watched, transform, f"argument {p}") for leaf in leaves]
            self.primals.append(primals)
            self.arg_specs.append(spec)
            call_args[p] = unflatten(spec, iter([primal.inner for primal in primals]))
        self.inputs = [primal.inner for primals in self.primals for primal in primals]
        with enable_grad():
            output, self.aux = split_aux(func(*call_args, **kwargs), has_aux, transform)
        self.outputs, self.out_spec = flatten(output)
        check_outputs(self.outputs, transform)
        self.tensor_values = any(isinstance(leaf, Tensor) for arg in args for leaf in flatten(arg)[0])
        connected = any(primal.connected for primals in self.primals for primal in primals)
        # results must carry a graph only when someone outside can differentiate them
        self.keep_graph = watched and self.tensor_values and (
            connected or reaches_outside(self.outputs, {node_of(x) for x in self.inputs}))

    def pullback(self, outputs, cotangents, inputs, create_graph, retain_graph):
        """sum_k cotangents[k] . d outputs[k] / d inputs[i], for each i; zeros where unused."""
        pairs = [(out, c) for out, c in zip(outputs, cotangents) if out.requires_grad]
        if not pairs:
            return [zeros_like(x) for x in inputs]
        found = engine_grad([out for out, _ in pairs], inputs, [c for _, c in pairs], retain_graph=retain_graph,
                             create_graph=create_graph, allow_unused=True)
        return [zeros_like(x) if g is None else g for g, x in zip(found, inputs)]

    def seeds(self, values, likes, what, each):
        """User-given cotangents / tangents as Tensors shaped and typed like `likes`, one per `each`."""
        leaves, _ = flatten(values)
        if len(leaves) != len(likes):
            raise ValueError(f"{self.transform}: got {len(leaves)} {what} tensor(s) but expected {len(likes)}, one per "
                             f"{each} (with the same tuple/list structure)")
        seeds = []
        for i, (value, like) in enumerate(zip(leaves, likes)):
            seed = value if isinstance(value, Tensor) else Tensor._make(np.array(value, dtype=like.dtype))
            if seed.dtype != like.dtype:
                seed = seed.to(like.dtype)
            if tuple(seed.shape) != tuple(like.shape):
                raise ValueError(f"{self.transform}: {what} {i} has shape {tuple(seed.shape)} but must have shape "
                                 f"{tuple(like.shape)}, the shape of {each} {i}")
            seeds.append(seed)
        return seeds

    def per_argument(self, values, keep_graph):
        """Flat per-input results regrouped as the arguments were, each in its input's kind."""
        values, trees = iter(values), []
        for primals, spec in zip(self.primals, self.arg_specs):
            trees.append(unflatten(spec, iter([primal.export(next(values), keep_graph) for primal in primals])))
        return trees

    def output_value(self, keep_graph):
        value = unflatten(self.out_spec, iter(self.outputs))
        return tree_map(lambda leaf: export(leaf, self.tensor_values, keep_graph), value)

    def aux_value(self):
        return tree_map(lambda leaf: export(leaf, self.tensor_values, self.keep_graph), self.aux)

    def linearize(self):
        """(u, g): dummy cotangents u for the outputs and g = J^T u as a differentiable function
        of u, for the double-vjp trick (J v = d<g(u), v>/du). g is linear in u, so u's values
        do not matter."""
        outputs = [out for out in self.outputs if out.requires_grad]
        dummies = [zeros_like(out).requires_grad_() for out in outputs]
        return dummies, self.pullback(outputs, dummies, self.inputs, create_graph=True, retain_graph=True)


def group(trees, argnums):
    return tuple(trees) if isinstance(argnums, (tuple, list)) else trees[0]
