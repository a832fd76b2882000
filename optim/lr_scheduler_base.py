"""LRScheduler, the base of the epoch-based learning-rate schedulers (see lr_scheduler.py)."""
from __future__ import annotations

import warnings
from typing import Any

from .optimizer import Optimizer


def check_optimizer(optimizer, scheduler):
    """Raises a TypeError naming `scheduler` unless `optimizer` is an optim.Optimizer."""
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

    `multiplicative` says how PyTorch's recursive form of the schedule composes in a
    ChainedScheduler: True when it scales the lr it finds (StepLR, ExponentialLR, ...), False when
    it sets the lr from `base_lrs` whatever came before (LambdaLR, CyclicLR, OneCycleLR, ...).
    """

    multiplicative = True

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        check_optimizer(optimizer, type(self).__name__)
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
        self._count_step()
        if epoch is None:
            self.last_epoch += 1
        else:
            warnings.warn("scheduler.step(epoch) is deprecated (as in PyTorch); call scheduler.step()",
                          UserWarning, stacklevel=2)
            self.last_epoch = epoch
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = float(lr)
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _count_step(self) -> None:
        if self._step_count == 1 and self._optimizer_not_stepped_yet():
            warnings.warn("Detected call of `lr_scheduler.step()` before `optimizer.step()`: call them in the "
                          "order optimizer.step(), then lr_scheduler.step(), or the first value of the schedule "
                          "is skipped", UserWarning, stacklevel=3)
        self._step_count += 1

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
