"""Optimizer: the bookkeeping every optimiser shares.

Param groups, per-parameter state, grad mode, closures, the steps every update rule begins
with (maximize, weight decay, the step count) and PyTorch-compatible state dicts live here;
each subclass writes only `_init_state` and `_update` for one parameter (DESIGN rule 9).
"""
import copy
import math
import numbers
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import numpy as np

import autograd as ag


class Rule(NamedTuple):
    """A check on one hyper-parameter: `test(value)` must hold, else `requirement` is shown."""

    test: Callable[[Any], bool]
    requirement: str


def _real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


NON_NEGATIVE = Rule(lambda v: _real(v) and 0 <= v < math.inf, "a finite number >= 0")
IN_UNIT_INTERVAL = Rule(lambda v: _real(v) and 0 <= v <= 1, "a number in [0, 1]")
BETAS = Rule(lambda v: len(v) == 2 and all(_real(b) and 0 <= b < 1 for b in v),
             "a pair (beta1, beta2) with each beta in [0, 1), e.g. (0.9, 0.999)")
BOOLEAN = Rule(lambda v: isinstance(v, bool), "True or False")

# State entries that are 0-d bookkeeping scalars rather than arrays shaped like the parameter:
# they keep their own dtype when a state dict is loaded (PyTorch's rule for "step").
SCALAR_STATE = frozenset({"step", "mu_product"})

# What an optimiser's `params` may be (PyTorch's ParamsT): tensors, (name, tensor) pairs, or param-group dicts.
ParamsT = Iterable[ag.Tensor] | Iterable[tuple[str, ag.Tensor]] | Iterable[dict[str, Any]]


def _python_number(value):
    """NumPy scalars become Python numbers: a np.float64 hyper-parameter would otherwise
    promote float32 parameters' arithmetic to float64 (NumPy 2's scalar promotion)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return tuple(_python_number(v) for v in value)
    return value


def scalar_dtype() -> np.dtype:
    """The dtype of 0-d state such as `step`: float64 when that is the default, else float32 (as PyTorch)."""
    return ag.float64 if ag.get_default_dtype() == ag.float64 else ag.float32


class Optimizer:
    """Base class of all optimisers.

    A subclass passes its hyper-parameter defaults to `__init__`, lists their `_rules`, and
    implements `_init_state(param, group)` (the fresh state of one parameter) and
    `_update(param, grad, state, group)` (one step for one parameter). Before `_update` the
    base has already, in this order, advanced `state["step"]` (if the state has one), negated
    the gradient when `maximize`, and applied weight decay: `g <- g + lambda * theta` (L2,
    the default) or `theta <- theta * (1 - lr * lambda)` when the group has
    `decoupled_weight_decay` (AdamW).

    Args:
        params: an iterable of Tensors, of (name, Tensor) pairs, or of dicts with a "params"
            entry and per-group hyper-parameters that override `defaults`.
        defaults: the hyper-parameters of a group that does not set them.

    Attributes:
        param_groups: list of dicts, each with "params" (a list of Tensors) and every hyper-parameter.
        state: per-parameter state (momentum buffers, moment estimates, ...), keyed by parameter.
        defaults: the defaults given at construction.

    Example:
        >>> import autograd as ag, optim
        >>> w = ag.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = optim.SGD([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.8, -1.6], requires_grad=True)
    """

    _rules: dict[str, Rule] = {}

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._opt_called = False  # read by lr_scheduler to warn when it is stepped first
        if isinstance(params, ag.Tensor):
            raise TypeError(f"{self._name}: params should be an iterable of Tensors or dicts, got a single Tensor; "
                            f"wrap it in a list: {self._name}([t], ...)")
        self._check_ordered(params)
        groups: list[Any] = list(params)
        if not groups:
            raise ValueError(f"{self._name}: got an empty parameter list; pass model.parameters() "
                             f"or a list of tensors that require grad")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    @property
    def _name(self) -> str:
        return type(self).__name__

    # ---- param groups ----------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Adds a group of parameters with its own hyper-parameters (unset ones take the defaults).

        Useful when fine-tuning: layers unfrozen mid-training join the optimiser as a new group.

        Example:
            >>> opt.add_param_group({"params": [head_weight], "lr": 1e-2})
        """
        if not isinstance(param_group, dict) or "params" not in param_group:
            raise TypeError(f"{self._name}.add_param_group: expected a dict with a 'params' entry, "
                            f"got {type(param_group).__name__}")
        group = {key: _python_number(value) for key, value in param_group.items()}
        group["params"], names = self._collect_params(group["params"])
        if names is not None:
            group["param_names"] = names
        for key, default in self.defaults.items():
            group.setdefault(key, default)
        self._check_hyperparameters(group)
        self.param_groups.append(group)

    def _check_ordered(self, params):
        if isinstance(params, (set, frozenset)):
            raise TypeError(f"{self._name}: parameters must be an ordered collection (a list), not a set: "
                            f"a set's order changes between runs, and state dicts refer to parameters by position")

    def _collect_params(self, params):
        self._check_ordered(params)
        params = [params] if isinstance(params, ag.Tensor) else list(params)
        named = [isinstance(p, tuple) for p in params]
        if any(named) and not all(named):
            raise ValueError(f"{self._name}: give every parameter a name, as (name, tensor) pairs, or none")
        names = [p[0] for p in params] if params and all(named) else None
        tensors = [p[1] for p in params] if names is not None else params
        index_in_group = len(self.param_groups)
        for i, p in enumerate(tensors):
            where = f"parameter {i} of group {index_in_group}"
            if not isinstance(p, ag.Tensor):
                raise TypeError(f"{self._name}: can only optimise Tensors, but {where} is a {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{self._name}: can't optimise a non-leaf tensor ({where}, shape {tuple(p.shape)}, "
                                 f"computed by {p.grad_fn.name}); optimise the leaf tensors it was computed from, "
                                 f"or make it a leaf with t.detach().requires_grad_()")
        seen = {id(p) for p in tensors}
        if len(seen) != len(tensors):
            raise ValueError(f"{self._name}: a parameter appears more than once in group {index_in_group}; "
                             f"it would be updated twice per step")
        if any(id(p) in seen for group in self.param_groups for p in group["params"]):
            raise ValueError(f"{self._name}: some parameters appear in more than one parameter group; "
                             f"each parameter may belong to one group only")
        return tensors, names

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        for key, rule in self._rules.items():
            value = group[key]
            try:
                valid = bool(rule.test(value))
            except (TypeError, ValueError):
                valid = False
            if not valid:
                raise ValueError(f"{self._name}: invalid {key}={value!r}; {key} must be {rule.requirement}")

    # ---- the step --------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Resets the gradients of all parameters: to None (the default), or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad.detach_()
                    else:
                        p.grad.requires_grad_(False)
                    p.grad.zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Updates every parameter that has a gradient; parameters whose `.grad` is None are skipped.

        Args:
            closure: optional; re-evaluates the model and returns the loss (it runs with grad
                mode on, so it may call backward). Its value is returned.
        """
        loss = None
        if closure is not None:
            with ag.enable_grad():
                loss = closure()
        with ag.no_grad():
            for group in self.param_groups:
                for param in group["params"]:
                    if param.grad is None:
                        continue
                    if ag.compiler.recorder is None:
                        self._step_parameter(param, group)
                    else:  # ag.compile replays this update with the hyper-parameters of each call
                        ag.compiler.recorder.call(self._step_parameter, param, group)
        self._opt_called = True
        return loss

    def _step_parameter(self, param, group):
        state = self.state.get(param) or self._init_state(param, group)
        if "step" in state:
            state["step"] += 1
        grad = np.asarray(param.grad)
        if group.get("maximize"):
            grad = -grad
        weight_decay = group.get("weight_decay", 0)
        if weight_decay != 0:
            if group.get("decoupled_weight_decay"):
                param.mul_(1 - group["lr"] * weight_decay)
            else:
                grad = grad + weight_decay * np.asarray(param)
        self._update(param, grad, state, group)
        if state:  # (plain SGD keeps no state, and PyTorch records none for it)
            self.state[param] = state

    def _init_state(self, param, group: dict[str, Any]) -> dict[str, Any]:
        """The state of a parameter before its first step; `_update` may add entries."""
        return {}

    def _update(self, param, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        """One step for one parameter, under no_grad: `grad` is read-only; write `param` with its
        in-place ops (so its version counter moves) and state arrays in place."""
        raise NotImplementedError(f"{self._name} must implement _update(param, grad, state, group)")

    # ---- helpers for subclasses' state -------------------------------------------------------
    @staticmethod
    def _full_like(param, value=0.0):
        return ag.full(param.shape, value, dtype=param.dtype)

    @staticmethod
    def _scalar(value):
        return ag.tensor(value, dtype=scalar_dtype())

    # ---- state dicts -----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimiser's state in PyTorch's layout.

        `{"state": {index: {name: Tensor, ...}}, "param_groups": [{hyper-parameters...,
        "params": [index, ...]}]}`, parameters numbered in group order. As in PyTorch the state
        Tensors are the live ones (deep-copy the dict, or save it, to keep a snapshot).
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if s and id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restores a `state_dict()`: hyper-parameters and per-parameter state, so that training
        continues exactly as if it had never stopped. The state is copied (never aliased), floating
        state takes each parameter's dtype, and 0-d counters such as `step` keep theirs."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{self._name}.load_state_dict: the state dict has {len(saved_groups)} parameter "
                             f"groups but this optimiser has {len(self.param_groups)}")
        by_index: dict[int, ag.Tensor] = {}
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(f"{self._name}.load_state_dict: parameter group {i} has {len(group['params'])} "
                                 f"parameters here but {len(saved['params'])} in the state dict")
            by_index.update(zip(saved["params"], group["params"]))
        state: defaultdict[ag.Tensor, dict[str, Any]] = defaultdict(dict)
        for key, entries in state_dict["state"].items():
            param = by_index.get(int(key))
            if param is None:
                raise ValueError(f"{self._name}.load_state_dict: the state dict has state for parameter {key}, "
                                 f"which is in none of its parameter groups")
            state[param] = {name: self._restored(param, name, value) for name, value in entries.items()}
        groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            restored = copy.deepcopy({key: value for key, value in saved.items() if key != "params"})
            restored["params"] = group["params"]
            groups.append(restored)
        self.state, self.param_groups = state, groups

    @staticmethod
    def _restored(param, name, value):
        if isinstance(value, np.ndarray) and not isinstance(value, ag.Tensor):
            value = ag.from_numpy(value)
        if not isinstance(value, ag.Tensor):
            return copy.deepcopy(value)
        keep_dtype = name in SCALAR_STATE or not ag.is_floating_point(param.dtype)
        dtype = value.dtype if keep_dtype else param.dtype
        return ag.from_numpy(np.array(np.asarray(value), dtype=dtype))

    def __repr__(self) -> str:
        lines = [f"{self._name} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key not in ("params", "param_names")]
        return "\n".join(lines) + "\n)"
