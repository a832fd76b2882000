"""vmap: a function mapped over a batch dimension of its inputs (torch.func.vmap, jax.vmap).

The semantics of vmap, not its speed: the batched function runs `func` once per index of the
batch dimension on slices of the mapped inputs and stacks the results. There are no batching
rules, so `func` may use anything (Python control flow on values, `.item()`, other transforms:
vmap(grad(f)), vmap(jacrev(f)), vmap(vmap(f))); the cost is a Python loop of B calls. Slicing
and stacking are differentiable, so gradients flow through a vmap like through any op.

Where a loop cannot know what a batching interpreter knows, it approximates:
    randomness  'error' raises if the default generator's state changed during a call (a draw
                from a user-made Generator goes unseen); 'same' restores the generator's state
                before each call, so every sample draws the same numbers; 'different' lets
                each call draw its own.
    out_dims=None  accepted for an output that is the same for every sample (compared by
                value; torch asks whether it is batched) and then returned unstacked.
    chunk_size  checked, then ignored: the loop already holds one sample at a time.
    a batch of 0  `func` runs once on zeros shaped like one sample, to learn the outputs'
                shapes; the results are empty along the batch dimension.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..creation import zeros
from ..ops.shape import stack
from ..random import default_generator
from ..tensor import Tensor
from .calls import flatten, unflatten

_RANDOMNESS = ("error", "different", "same")


def _structure(tree):
    """A short picture of a pytree for error messages: (*, {'a': *})."""
    if isinstance(tree, tuple):
        return "(" + ", ".join(_structure(item) for item in tree) + ("," if len(tree) == 1 else "") + ")"
    if isinstance(tree, list):
        return "[" + ", ".join(_structure(item) for item in tree) + "]"
    if isinstance(tree, dict):
        return "{" + ", ".join(f"{key!r}: {_structure(value)}" for key, value in tree.items()) + "}"
    return "*"


def _is_dim(value):
    return value is None or (isinstance(value, int) and not isinstance(value, bool))


def _dims_per_leaf(dims, tree):
    """One dim per leaf of `tree`, where `dims` is a prefix of it (an int or None covers a
    whole subtree); None if the structures do not match."""
    if _is_dim(dims):
        return [dims] * len(flatten(tree)[0])
    if isinstance(dims, dict) and isinstance(tree, dict) and list(dims) == list(tree):
        parts = [_dims_per_leaf(dims[key], tree[key]) for key in tree]
    elif (isinstance(dims, tuple) and isinstance(tree, tuple)) or (isinstance(dims, list) and isinstance(tree, list)):
        if len(dims) != len(tree):
            return None
        parts = [_dims_per_leaf(d, item) for d, item in zip(dims, tree)]
    else:
        return None
    return None if any(part is None for part in parts) else [d for part in parts for d in part]


def _valid_prefix(dims):
    leaves = flatten(dims)[0] if isinstance(dims, (tuple, list, dict)) else [dims]
    return all(_is_dim(leaf) for leaf in leaves)


def _batch_slices(name, in_dims, args):
    """(batch size, [per-sample argument builders]): checks in_dims against args as PyTorch does."""
    where = f"vmap({name}, in_dims={in_dims!r}, ...)(<inputs>)"
    if not args:
        raise ValueError(f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you are trying "
                         f"to vmap over a function with no inputs. The latter is unsupported.")
    if not (isinstance(in_dims, tuple) or (_is_dim(in_dims) and in_dims is not None)) or not _valid_prefix(in_dims):
        raise ValueError(f"{where}: expected `in_dims` to be int or a (potentially nested) tuple matching the "
                         f"structure of inputs, got: {type(in_dims)}.")
    leaves, spec = flatten(args)
    dims = _dims_per_leaf(in_dims, args)
    if dims is None:
        raise ValueError(f"{where}: in_dims is not compatible with the structure of `inputs`. in_dims has structure "
                         f"{_structure(in_dims)} but inputs has structure {_structure(args)}.")
    sizes, normalised = [], []
    for leaf, dim in zip(leaves, dims):
        if dim is None:
            normalised.append(None)
            continue
        if not isinstance(leaf, Tensor):
            raise ValueError(f"{where}: Got in_dim={dim} for an input but the input is of type {type(leaf)}. We cannot "
                             f"vmap over non-Tensor arguments, please use None as the respective in_dim")
        if not -leaf.ndim <= dim < leaf.ndim:
            raise ValueError(f"{where}: Got in_dim={dim} for some input, but that input is a Tensor of dimensionality "
                             f"{leaf.ndim} so expected in_dim to satisfy -{leaf.ndim} <= in_dim < {leaf.ndim}.")
        normalised.append(dim % leaf.ndim)
        sizes.append(leaf.shape[dim % leaf.ndim])
    if not sizes:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    if len(set(sizes)) > 1:
        raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                         f"{sizes} for the mapped dimension")

    def sample(i):
        """The arguments of sample i (i None: zeros shaped like one sample, for an empty batch)."""
        picked = []
        for leaf, dim in zip(leaves, normalised):
            if dim is None:
                picked.append(leaf)
            elif i is None:
                picked.append(zeros(*(n for d, n in enumerate(leaf.shape) if d != dim), dtype=leaf.dtype))
            else:
                picked.append(leaf[(slice(None),) * dim + (i,)])
        return unflatten(spec, iter(picked))

    return sizes[0], sample


def _out_dims_per_leaf(name, out_dims, output):
    where = f"vmap({name}, ..., out_dims={out_dims!r})(<inputs>)"
    if not _valid_prefix(out_dims):
        raise ValueError(f"vmap({name}, ..., out_dims={out_dims!r}): `out_dims` must be an int, None or a python "
                         f"collection of ints representing where in the outputs the vmapped dimension should appear.")
    if isinstance(out_dims, tuple) and len(out_dims) == 1 and not isinstance(output, (tuple, list, dict)):
        out_dims = out_dims[0]  # as PyTorch: (d,) for a single output
    dims = _dims_per_leaf(out_dims, output)
    if dims is None:
        raise ValueError(f"{where}: out_dims is not compatible with the structure of `outputs`. out_dims has "
                         f"structure {_structure(out_dims)} but outputs has structure {_structure(output)}.")
    return dims


def _stack_leaf(name, values, dim, empty):
    first = values[0]
    if dim is None:
        if isinstance(first, Tensor) and not all(
                isinstance(v, Tensor) and np.array_equal(v.detach().numpy(), first.detach().numpy()) for v in values):
            raise ValueError(f"vmap({name}, ...): `{name}` can not return a BatchedTensor when out_dim is None "
                             f"(this output differs between samples)")
        return first
    if not isinstance(first, Tensor):
        raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type {type(first)}. Did you mean "
                         f"to set out_dims= to None for output?")
    stacked = stack(values, dim=dim)
    if empty:  # func ran once on zeros: keep none of it
        return stacked[(slice(None),) * (dim % stacked.ndim) + (slice(0, 0),)]
    return stacked


def vmap(func: Callable[..., Any], in_dims: Any = 0, out_dims: Any = 0, randomness: str = "error", *,
         chunk_size: int | None = None) -> Callable[..., Any]:
    """`func` mapped over a batch dimension of its inputs, as torch.func.vmap (run as a loop over
    the batch: see the module docstring for what that means).

    Args:
        func: a function of Tensors (or tuples, lists and dicts of them) returning Tensors (or
            tuples, lists and dicts of them). Keyword arguments are passed to it unmapped.
        in_dims: which dimension of each input to map over: an int for all of them, or a tuple
            with one entry per positional argument; an entry is an int, None (not mapped:
            passed whole to every call) or, for an argument that is a tuple/list/dict, a
            nested structure of those matching it.
        out_dims: where the batch dimension goes in each output (an int, or a structure
            matching the outputs); None for an output that is the same for every sample.
        randomness: 'error' (random draws inside func raise), 'different' or 'same'.
        chunk_size: accepted for compatibility (None or a positive int); the loop is one
            sample at a time whatever it is.

    Returns:
        The batched function, returning func's outputs stacked along `out_dims`.

    Example:
        >>> import autograd as ag
        >>> from autograd import func
        >>> x, w = ag.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), ag.tensor([1.0, -1.0])
        >>> func.vmap(ag.dot, in_dims=(0, None))(x, w)
        tensor([-1., -1., -1.])
        >>> per_sample_grads = func.vmap(func.grad(lambda w, x: (ag.dot(x, w) ** 2)), in_dims=(None, 0))
        >>> per_sample_grads(w, x)
        tensor([[ -2.,  -4.],
                [ -6.,  -8.],
                [-10., -12.]])
    """
    if randomness not in _RANDOMNESS:
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")
    name = getattr(func, "__name__", "f")

    def batched(*args, **kwargs):
        size, sample = _batch_slices(name, in_dims, args)
        generator = default_generator()
        start = generator.get_state()
        results = []
        for i in range(size) if size else [None]:
            if randomness == "same":
                generator.set_state(start)
            before = generator.get_state() if randomness == "error" else None
            results.append(func(*sample(i), **kwargs))
            if randomness == "error" and generator.get_state() != before:
                raise RuntimeError("vmap: called random operation while in randomness error mode. Please either use "
                                   "the 'same' or 'different' randomness flags on vmap or perform the randomness "
                                   "operation out of vmap")
        leaves, spec = flatten(results[0])
        per_sample = [leaves]
        for result in results[1:]:
            more, more_spec = flatten(result)
            if more_spec != spec:
                raise ValueError(f"vmap({name}, ...): `{name}` returned outputs of different structures for different "
                                 f"samples: {_structure(results[0])} and {_structure(result)}")
            per_sample.append(more)
        dims = _out_dims_per_leaf(name, out_dims, results[0])
        stacked = [_stack_leaf(name, [sample_leaves[k] for sample_leaves in per_sample], dim, size == 0)
                   for k, dim in enumerate(dims)]
        return unflatten(spec, iter(stacked))

    batched.__name__ = f"vmap({name})"
    return batched
