"""Learning-rate schedulers with PyTorch's `step()` semantics.

Each epoch-based scheduler computes its learning rates in closed form from the groups' initial
lrs and `last_epoch` (PyTorch's chainable recursions give the same values up to rounding);
`ReduceLROnPlateau` reacts to a metric. The optimiser is never patched: it records that it has
stepped, and the scheduler reads that to warn when it is stepped first.

Deliberate differences from PyTorch, both consequences of the closed form:
- it does not chain, so two epoch-based schedulers driving the same optimiser at once do not
  compose (the last one to step wins);
- a scheduler built with `last_epoch=k` (resuming) sets the lrs of epoch k + 1 at once, where
  PyTorch keeps the groups' current lrs for that epoch and recurses from them (off by one
  epoch for most schedules).
"""
from __future__ import annotations

import math
import numbers
import types
import warnings
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any, SupportsFloat

from .optimizer import Optimizer

__all__ = ["LRScheduler", "LambdaLR", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
           "LinearLR", "ReduceLROnPlateau"]


def _check_optimizer(optimizer, scheduler):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{scheduler}: expected an optim.Optimizer, got {type(optimizer).__name__}")


class LRScheduler:
    """Base class of the epoch-based schedulers: subclasses implement `get_lr()`, the learning
    rate of every param group at epoch `last_epoch`, in closed form from `base_lrs`.

    Construction sets each group's "initial_lr" (unless resuming with `last_epoch >= 0`) and
    takes the first step, to epoch 0. Call `step()` once per epoch, after `optimizer.step()`.

    Args:
        optimizer: the optimiser whose param groups' "lr" this scheduler sets.
        last_epoch: the index of the last epoch done; -1 (default) starts afresh.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        _check_optimizer(optimizer, type(self).__name__)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"{type(self).__name__}: param_groups[{i}] has no 'initial_lr', which resuming "
                                   f"with last_epoch={last_epoch} needs; load the optimiser's state dict first, "
                                   f"or start with last_epoch=-1")
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self.step()

    def get_lr(self) -> list[float]:
        """The learning rate of every param group at epoch `last_epoch`."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_lr()")

    def get_last_lr(self) -> list[float]:
        """The learning rates this scheduler set at its last step."""
        return self._last_lr

    def step(self, epoch: int | None = None) -> None:
        """Advances one epoch (or jumps to `epoch`, deprecated as in PyTorch) and sets the groups' lrs."""
        if self._step_count == 1 and self._optimizer_not_stepped_yet():
            warnings.warn("Detected call of `lr_scheduler.step()` before `optimizer.step()`: call them in the "
                          "order optimizer.step(), then lr_scheduler.step(), or the first value of the schedule "
                          "is skipped", UserWarning, stacklevel=2)
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
        else:
            warnings.warn("scheduler.step(epoch) is deprecated (as in PyTorch); call scheduler.step()",
                          UserWarning, stacklevel=2)
            self.last_epoch = epoch
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = float(lr)
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _optimizer_not_stepped_yet(self) -> bool:
        # Only Optimizer.step records that it ran; a subclass with its own step() is not second-guessed.
        return type(self.optimizer).step is Optimizer.step and not self.optimizer._opt_called

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimiser (PyTorch's layout)."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restores a `state_dict()`, and sets the groups' lrs to the restored schedule's, so the
        order of loading the optimiser and building the scheduler does not matter (in PyTorch,
        building the scheduler after loading the optimiser resets the lrs until the next step)."""
        self.__dict__.update(state_dict)
        for group, lr in zip(self.optimizer.param_groups, self._last_lr):
            group["lr"] = lr


class LambdaLR(LRScheduler):
    """lr = initial_lr * lr_lambda(epoch), with one function per group or one for all.

    Args:
        optimizer: the optimiser.
        lr_lambda: a function of the epoch, or a list of them, one per param group.
        last_epoch: the last epoch done; -1 starts afresh.

    Example:
        >>> scheduler = optim.lr_scheduler.LambdaLR(opt, lambda epoch: 0.95 ** epoch)
    """

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | list, last_epoch: int = -1) -> None:
        _check_optimizer(optimizer, "LambdaLR")
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


class ReduceLROnPlateau(LRScheduler):
    """Multiplies the lr by `factor` when a metric has stopped improving for `patience` epochs.

    Call `step(metric)` once per epoch with the monitored value (a number or a one-element tensor).

    Args:
        optimizer: the optimiser.
        mode: "min" (the metric should fall, e.g. a loss) or "max" (rise, e.g. accuracy). Default "min".
        factor: the multiplicative factor, < 1. Default 0.1.
        patience: how many epochs without improvement to tolerate before reducing. Default 10.
        threshold: the least change that counts as an improvement. Default 1e-4.
        threshold_mode: "rel" (best * (1 -/+ threshold)) or "abs" (best -/+ threshold). Default "rel".
        cooldown: epochs to wait after a reduction before counting bad epochs again. Default 0.
        min_lr: a lower bound on the lr, or a list of them, one per group. Default 0.
        eps: a reduction smaller than eps is not made. Default 1e-8.

    Example:
        >>> scheduler = optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", patience=5)
        >>> for epoch in range(100):
        ...     train(); scheduler.step(validation_loss())
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0,
                 min_lr: float | list[float] = 0, eps: float = 1e-8) -> None:
        _check_optimizer(optimizer, "ReduceLROnPlateau")
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be < 1 (it multiplies the lr), got {factor!r}")
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        self.optimizer = optimizer
        groups = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != groups:
                raise ValueError(f"ReduceLROnPlateau: expected {groups} min_lrs (one per param group), got {len(min_lr)}")
            self.default_min_lr, self.min_lrs = None, list(min_lr)
        else:
            self.default_min_lr, self.min_lrs = min_lr, [min_lr] * groups
        self.factor, self.patience, self.cooldown, self.eps = factor, patience, cooldown, eps
        self.mode, self.threshold, self.threshold_mode = mode, threshold, threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]
        self._reset()

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def _is_better(self, a: float, best: float) -> bool:
        """Whether metric value `a` improves on `best` by more than the threshold."""
        if self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold) if self.mode == "min" else a > best * (self.threshold + 1.0)
        return a < best - self.threshold if self.mode == "min" else a > best + self.threshold

    def step(self, metrics: SupportsFloat, epoch: int | None = None) -> None:  # type: ignore[override]
        current = float(metrics)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        if self._is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(f"ReduceLROnPlateau: the optimiser has {len(groups)} param groups but min_lr "
                                   f"lists {len(self.min_lrs)} (a group was added); set scheduler.min_lrs to match")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr


_LRScheduler = LRScheduler  # PyTorch's old name, still subclassed by ported code
