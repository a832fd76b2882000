"""Schedulers made of schedulers: SequentialLR (one after another) and ChainedScheduler (all at once)."""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from .lr_scheduler_base import LRScheduler, check_optimizer
from .optimizer import Optimizer
from .plateau_lr import ReduceLROnPlateau


def _check_schedulers(owner: str, schedulers: Sequence[LRScheduler], optimizer: Optimizer) -> None:
    if len(schedulers) < 1:
        raise ValueError(f"{owner} expects at least one scheduler, but got none")
    for i, scheduler in enumerate(schedulers):
        if not hasattr(scheduler, "optimizer"):
            raise TypeError(f"{owner}: the scheduler at index {i} should have `optimizer` as its attribute")
        if isinstance(scheduler, ReduceLROnPlateau):
            raise ValueError(f"{owner} does not support `ReduceLROnPlateau` scheduler as it requires additional "
                             f"kwargs to be specified when calling `step`, but got one at index {i}")
        if scheduler.optimizer is not optimizer:
            raise ValueError(f"{owner} expects all schedulers to belong to the same optimizer, but the "
                             f"{type(scheduler).__name__} at index {i} drives another one")


def _restart(scheduler: LRScheduler) -> None:
    """Runs `scheduler` from its epoch 0 again (sets its lrs), as PyTorch's SequentialLR does at a milestone."""
    scheduler.last_epoch = -1
    scheduler._step_count = 0  # a restart is no step out of order
    scheduler.step()


class SequentialLR(LRScheduler):
    """Runs schedulers one after another: schedulers[i + 1] takes over, from its own epoch 0, at
    epoch milestones[i].

    Args:
        optimizer: the optimiser every scheduler drives.
        schedulers: the schedulers, built on `optimizer` beforehand.
        milestones: the epochs at which the next scheduler starts (one fewer than the schedulers).
        last_epoch: the last epoch done; -1 starts afresh.

    Example:
        >>> warmup = optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=5)
        >>> decay = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=95)
        >>> scheduler = optim.lr_scheduler.SequentialLR(opt, [warmup, decay], milestones=[5])
    """

    def __init__(self, optimizer: Optimizer, schedulers: list[LRScheduler], milestones: list[int],
                 last_epoch: int = -1) -> None:
        check_optimizer(optimizer, "SequentialLR")
        _check_schedulers("SequentialLR", schedulers, optimizer)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR expects one more scheduler than milestones, but got "
                             f"{len(schedulers)} schedulers and {len(milestones)} milestones")
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:  # undo the first steps the schedulers took when built
            group["lr"] = group["initial_lr"]
        for scheduler in schedulers:
            scheduler.last_epoch -= 1
        first = schedulers[bisect_right(milestones, 0)]
        _restart(first)
        self._last_lr = first.get_last_lr()

    def step(self) -> None:  # type: ignore[override]
        """Steps the scheduler of the next epoch; at a milestone, starts the next one from its epoch 0."""
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            _restart(scheduler)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        """Its own entries and, under "_schedulers", each scheduler's state dict (PyTorch's layout)."""
        state = {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        for scheduler, saved in zip(self._schedulers, state.pop("_schedulers")):
            scheduler.load_state_dict(saved)
        super().load_state_dict(state)


class ChainedScheduler(LRScheduler):
    """Steps several schedulers at once and composes their effects, as PyTorch's chaining does.

    A multiplicative schedule (StepLR, MultiStepLR, ExponentialLR, LinearLR, ConstantLR,
    PolynomialLR, CosineAnnealingLR) scales the lr by its own change this epoch; one that sets
    the lr outright (LambdaLR, CyclicLR, OneCycleLR, CosineAnnealingWarmRestarts) replaces it,
    and the multiplicative ones after it scale that. Each scheduler's `get_last_lr()` stays its
    own schedule; this one's is the composed lr. (CosineAnnealingLR with eta_min > 0 composes as
    a ratio here, where PyTorch's recursion is affine: the chained lrs then differ slightly.)

    Args:
        schedulers: the schedulers, built on one optimiser beforehand.
        optimizer: that optimiser; default the first scheduler's.

    Example:
        >>> decay = optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
        >>> warmup = optim.lr_scheduler.ConstantLR(opt, factor=0.1, total_iters=2)
        >>> scheduler = optim.lr_scheduler.ChainedScheduler([warmup, decay])
    """

    def __init__(self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None) -> None:
        if len(schedulers) < 1:
            raise ValueError("ChainedScheduler expects at least one scheduler to be chained, but got none")
        optimizer = optimizer or schedulers[0].optimizer
        _check_schedulers("ChainedScheduler", schedulers, optimizer)
        self._schedulers = list(schedulers)
        self.optimizer = optimizer
        lrs = [group["initial_lr"] for group in optimizer.param_groups]
        for scheduler in self._schedulers:
            lrs = self._composed(scheduler, lrs, scheduler.base_lrs, scheduler.get_last_lr())
        self._set(lrs)

    @staticmethod
    def _composed(scheduler: LRScheduler, lrs: list[float], before: list[float], after: list[float]) -> list[float]:
        if not scheduler.multiplicative:
            return list(after)
        return [lr if new == old else lr * new / old if old != 0 else new
                for lr, old, new in zip(lrs, before, after)]

    def _set(self, lrs: list[float]) -> None:
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = float(lr)
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def step(self) -> None:  # type: ignore[override]
        """Steps every scheduler, in order, and sets the composed lrs."""
        lrs = list(self._last_lr)
        for scheduler in self._schedulers:
            before = list(scheduler.get_last_lr())
            scheduler.step()
            lrs = self._composed(scheduler, lrs, before, scheduler.get_last_lr())
        self._set(lrs)

    def state_dict(self) -> dict[str, Any]:
        """Its own entries and, under "_schedulers", each scheduler's state dict (PyTorch's layout)."""
        state = {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        for scheduler, saved in zip(self._schedulers, state.pop("_schedulers")):
            scheduler.load_state_dict(saved)
        super().load_state_dict(state)
