"""Learning-rate schedulers with PyTorch's `step()` semantics.

Each epoch-based scheduler computes its learning rates in closed form from the groups' initial
lrs and `last_epoch` (PyTorch's chainable recursions give the same values up to rounding);
`ReduceLROnPlateau` reacts to a metric. The optimiser is never patched: it records that it has
stepped, and the scheduler reads that to warn when it is stepped first.

Deliberate differences from PyTorch, both consequences of the closed form:
- two epoch-based schedulers stepped side by side on one optimiser do not compose (the last one
  to step wins); wrap them in a `ChainedScheduler`, which composes them as PyTorch's do;
- a scheduler built with `last_epoch=k` (resuming) sets the lrs of epoch k + 1 at once, where
  PyTorch keeps the groups' current lrs for that epoch and recurses from them (off by one
  epoch for most schedules).
"""
from __future__ import annotations

import math
import numbers
import types
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from .composite_lr import ChainedScheduler, SequentialLR
from .cyclic_lr import CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR
from .lr_scheduler_base import LRScheduler, check_optimizer
from .optimizer import Optimizer
from .plateau_lr import ReduceLROnPlateau

__all__ = ["LRScheduler", "LambdaLR", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
           "LinearLR", "ConstantLR", "PolynomialLR", "ReduceLROnPlateau", "CyclicLR", "OneCycleLR",
           "CosineAnnealingWarmRestarts", "SequentialLR", "ChainedScheduler"]


class LambdaLR(LRScheduler):
    """lr = initial_lr * lr_lambda(epoch), with one function per group or one for all.

    Args:
        optimizer: the optimiser.
        lr_lambda: a function of the epoch, or a list of them, one per param group.
        last_epoch: the last epoch done; -1 starts afresh.

    Example:
        >>> scheduler = optim.lr_scheduler.LambdaLR(opt, lambda epoch: 0.95 ** epoch)
    """

    multiplicative = False

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | list, last_epoch: int = -1) -> None:
        check_optimizer(optimizer, "LambdaLR")
        groups = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != groups:
                raise ValueError(f"LambdaLR: expected {groups} lr_lambdas (one per param group), got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * groups
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"LambdaLR: lr_lambda should be a function of the epoch, got {type(fn).__name__}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self) -> dict[str, Any]:
        """Functions are not saved; callable objects' attributes are (as in PyTorch)."""
        state = {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else fn.__dict__.copy()
                               for fn in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        saved = state.pop("lr_lambdas")
        super().load_state_dict(state)
        for fn, attributes in zip(self.lr_lambdas, saved):
            if attributes is not None:
                fn.__dict__.update(attributes)


class StepLR(LRScheduler):
    """lr = initial_lr * gamma ** (epoch // step_size): decays by gamma every step_size epochs.

    Args:
        optimizer: the optimiser.
        step_size: the period of the decay, in epochs.
        gamma: the multiplicative factor. Default 0.1.
        last_epoch: the last epoch done; -1 starts afresh.

    Example:
        >>> scheduler = optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    """

    step_size: int
    gamma: float

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        if not isinstance(step_size, numbers.Integral) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive integer, got {step_size!r}")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """lr = initial_lr * gamma ** (number of milestones <= epoch); a repeated milestone counts twice.

    Args:
        optimizer: the optimiser.
        milestones: the epochs at which to decay.
        gamma: the multiplicative factor. Default 0.1.
        last_epoch: the last epoch done; -1 starts afresh.

    Example:
        >>> scheduler = optim.lr_scheduler.MultiStepLR(opt, milestones=[30, 80], gamma=0.1)
    """

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1, last_epoch: int = -1) -> None:
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        passed = bisect_right(sorted(self.milestones.elements()), self.last_epoch)
        return [base * self.gamma ** passed for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """lr = initial_lr * gamma ** epoch.

    Args:
        optimizer: the optimiser.
        gamma: the multiplicative factor per epoch.
        last_epoch: the last epoch done; -1 starts afresh.

    Example:
        >>> scheduler = optim.lr_scheduler.ExponentialLR(opt, gamma=0.95)
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (initial_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2 (SGDR without restarts).

    Past T_max the cosine continues (rising back over the next T_max epochs), as PyTorch's does.

    Args:
        optimizer: the optimiser.
        T_max: the number of epochs of the half period.
        eta_min: the minimum learning rate. Default 0.
        last_epoch: the last epoch done; -1 starts afresh.

    Example:
        >>> scheduler = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100)
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        if not T_max > 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be positive, got {T_max!r}")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        cosine = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base - self.eta_min) * cosine for base in self.base_lrs]


class LinearLR(LRScheduler):
    """lr = initial_lr * factor, the factor going linearly from start_factor to end_factor over
    total_iters epochs and staying there.

    Args:
        optimizer: the optimiser.
        start_factor: the factor at epoch 0, in (0, 1]. Default 1/3.
        end_factor: the factor from epoch total_iters on, in [0, 1]. Default 1.
        total_iters: the length of the ramp, in epochs. Default 5.
        last_epoch: the last epoch done; -1 starts afresh.

    Example:
        >>> warmup = optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=10)
    """

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5, last_epoch: int = -1) -> None:
        if not 0 < start_factor <= 1:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1], got {start_factor!r}")
        if not 0 <= end_factor <= 1:
            raise ValueError(f"LinearLR: end_factor must be in [0, 1], got {end_factor!r}")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        # PyTorch's recursion never leaves start_factor when total_iters is 0; so does this.
        progress = min(self.total_iters, self.last_epoch) / self.total_iters if self.total_iters > 0 else 0
        factor = self.start_factor + (self.end_factor - self.start_factor) * progress
        return [base * factor for base in self.base_lrs]


class ConstantLR(LRScheduler):
    """lr = initial_lr * factor for the first total_iters epochs, then initial_lr.

    Args:
        optimizer: the optimiser.
        factor: the factor until total_iters, in [0, 1]. Default 1/3.
        total_iters: the number of epochs the factor applies. Default 5.
        last_epoch: the last epoch done; -1 starts afresh.

    Example:
        >>> warmup = optim.lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=4)
    """

    def __init__(self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5,
                 last_epoch: int = -1) -> None:
        if not 0 <= factor <= 1:
            raise ValueError(f"ConstantLR: factor must be in [0, 1], got {factor!r}")
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        factor = 1.0 if self.last_epoch >= self.total_iters else self.factor
        return [base * factor for base in self.base_lrs]


class PolynomialLR(LRScheduler):
    """lr = initial_lr * (1 - min(epoch, total_iters) / total_iters) ** power: reaches 0 at total_iters.

    Args:
        optimizer: the optimiser.
        total_iters: the number of epochs of the decay. Default 5.
        power: the power of the polynomial. Default 1 (linear).
        last_epoch: the last epoch done; -1 starts afresh.

    Example:
        >>> scheduler = optim.lr_scheduler.PolynomialLR(opt, total_iters=50, power=0.9)
    """

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1) -> None:
        if not total_iters > 0:
            raise ValueError(f"PolynomialLR: total_iters must be positive, got {total_iters!r}")
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        factor = (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) ** self.power
        return [base * factor for base in self.base_lrs]


_LRScheduler = LRScheduler  # PyTorch's old name, still subclassed by ported code
