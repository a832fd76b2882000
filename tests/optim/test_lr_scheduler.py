"""Learning-rate schedulers: 100-epoch sequences against PyTorch, state dicts, warnings, errors."""
import copy
import itertools
import math
import warnings

import numpy as np
import pytest

import autograd as ag
import optim
from optim import lr_scheduler

torch = pytest.importorskip("torch")

LRS = (0.1, 0.05)  # two param groups, so per-group handling is exercised


def _optimizer(lib, lrs=LRS):
    if lib is ag:
        return optim.SGD([{"params": [ag.zeros(1, requires_grad=True)], "lr": lr} for lr in lrs], momentum=0.9)
    return torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in lrs], momentum=0.9)


def _scheduler(lib, name, args, optimizer):
    return getattr(lr_scheduler if lib is ag else torch.optim.lr_scheduler, name)(optimizer, *args[0], **args[1])


def record(lib, name, args, epochs=100, metrics=None):
    """What a training loop sees each epoch: the groups' lrs, get_last_lr() and last_epoch."""
    opt = _optimizer(lib)
    scheduler = _scheduler(lib, name, args, opt)
    seen = [([g["lr"] for g in opt.param_groups], list(scheduler.get_last_lr()), scheduler.last_epoch)]
    for epoch in range(epochs):
        opt.step()  # no gradients: a no-op, but it comes before the scheduler's step as it should
        scheduler.step() if metrics is None else scheduler.step(metrics[epoch])
        seen.append(([g["lr"] for g in opt.param_groups], list(scheduler.get_last_lr()), scheduler.last_epoch))
    return seen, scheduler


def assert_same_schedule(ours, theirs):
    for epoch, ((lrs, last, last_epoch), (ref_lrs, ref_last, ref_epoch)) in enumerate(zip(ours, theirs, strict=True)):
        assert last_epoch == ref_epoch, f"epoch {epoch}"
        np.testing.assert_allclose(lrs, ref_lrs, rtol=1e-10, atol=1e-15, err_msg=f"epoch {epoch}")
        np.testing.assert_allclose(last, ref_last, rtol=1e-10, atol=1e-15, err_msg=f"epoch {epoch}")
        assert lrs == last


def _decay(epoch):
    return 0.95 ** epoch


SCHEDULES = [
    ("StepLR", ((7,), dict(gamma=0.5))),
    ("StepLR", ((1,), dict(gamma=0.9))),
    ("StepLR", ((30,), {})),
    ("MultiStepLR", (([10, 25, 25, 60],), dict(gamma=0.3))),
    ("MultiStepLR", (([80, 5],), {})),
    ("ExponentialLR", ((0.95,), {})),
    ("ExponentialLR", ((0.7,), {})),
    ("CosineAnnealingLR", ((100,), {})),
    ("CosineAnnealingLR", ((30,), dict(eta_min=0.001))),  # past T_max the cosine rises again
    ("CosineAnnealingLR", ((7,), dict(eta_min=0.01))),
    ("CosineAnnealingLR", ((1,), {})),
    ("LambdaLR", ((_decay,), {})),
    ("LambdaLR", (([lambda e: 1 / (e + 1), lambda e: 0.5 if e > 10 else 1.0],), {})),
    ("LinearLR", ((), {})),
    ("LinearLR", ((), dict(start_factor=0.1, total_iters=20))),
    ("LinearLR", ((), dict(start_factor=1.0, end_factor=0.0, total_iters=50))),
    ("LinearLR", ((), dict(start_factor=0.5, end_factor=0.25, total_iters=150))),
    ("LinearLR", ((), dict(start_factor=0.5, total_iters=0))),
]


@pytest.mark.parametrize("name, args", SCHEDULES, ids=lambda v: v if isinstance(v, str) else None)
def test_100_epochs_match_pytorch(name, args):
    ours, _ = record(ag, name, args)
    theirs, _ = record(torch, name, args)
    assert_same_schedule(ours, theirs)
    assert len({tuple(lrs) for lrs, _, _ in ours}) > 1 or args[1].get("total_iters") == 0


def test_cosine_annealing_equals_pytorchs_recursive_values_over_several_periods():
    ours, _ = record(ag, "CosineAnnealingLR", ((10,), dict(eta_min=1e-4)), epochs=100)
    theirs, _ = record(torch, "CosineAnnealingLR", ((10,), dict(eta_min=1e-4)), epochs=100)
    assert_same_schedule(ours, theirs)
    lows = [lrs[0] for lrs, _, epoch in ours if epoch % 20 == 10]
    np.testing.assert_allclose(lows, 1e-4, rtol=1e-12)  # eta_min at T_max, 3 T_max, ...


# ---- ReduceLROnPlateau ------------------------------------------------------------------------
def _metric_script(mode):
    """100 epochs of a noisy loss that improves, stalls, improves a little, and stalls again."""
    rng = np.random.default_rng(1)
    trend = np.concatenate([np.linspace(1.0, 0.4, 25), np.full(30, 0.4), np.linspace(0.4, 0.39, 15), np.full(30, 0.39)])
    loss = trend + rng.normal(0, 0.003, 100)
    return list(loss if mode == "min" else 1 - loss)


PLATEAU_CASES = [
    dict(mode=mode, threshold_mode=threshold_mode, threshold=threshold, cooldown=cooldown, patience=patience,
         min_lr=min_lr, factor=factor)
    for mode, threshold_mode, (threshold, cooldown, patience, min_lr, factor) in itertools.product(
        ("min", "max"), ("rel", "abs"),
        [(1e-4, 0, 3, 0, 0.5), (1e-2, 3, 2, 1e-3, 0.1), (0.0, 2, 0, [2e-2, 1e-3], 0.7), (5e-3, 0, 5, 0.01, 0.5)])
]


@pytest.mark.parametrize("kwargs", PLATEAU_CASES, ids=lambda k: "-".join(f"{key}={v}" for key, v in k.items()))
def test_reduce_lr_on_plateau_matches_pytorch(kwargs):
    metrics = _metric_script(kwargs["mode"])
    args = ((), copy.deepcopy(kwargs))
    ours, scheduler = record(ag, "ReduceLROnPlateau", args, metrics=metrics)
    theirs, reference = record(torch, "ReduceLROnPlateau", args, metrics=metrics)
    assert_same_schedule(ours, theirs)
    assert len({tuple(lrs) for lrs, _, _ in ours}) > 1, "the script should trigger at least one reduction"
    for key in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch", "min_lrs"):
        assert getattr(scheduler, key) == getattr(reference, key), key


def test_reduce_lr_on_plateau_accepts_a_one_element_tensor_metric():
    opt = _optimizer(ag)
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    scheduler.step(ag.tensor(1.0))
    scheduler.step(ag.tensor([2.0]))
    assert scheduler.get_last_lr() == [0.010000000000000002, 0.005000000000000001]


# ---- state dicts and resuming ------------------------------------------------------------------
class Warmup:
    """A callable object: its attributes are saved in LambdaLR's state dict, as in PyTorch."""

    def __init__(self, epochs):
        self.epochs = epochs

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.epochs)


@pytest.mark.parametrize("name, args", [*SCHEDULES[:-1], ("ReduceLROnPlateau", ((), dict(patience=2, cooldown=1)))],
                         ids=lambda v: v if isinstance(v, str) else None)
@pytest.mark.parametrize("scheduler_first", [True, False], ids=["scheduler-first", "optimizer-first"])
def test_resuming_from_state_dicts_continues_the_schedule(name, args, scheduler_first):
    metrics = _metric_script("min")
    uninterrupted, _ = record(ag, name, args, metrics=None if name != "ReduceLROnPlateau" else metrics)

    opt = _optimizer(ag)
    scheduler = _scheduler(ag, name, args, opt)
    for epoch in range(40):
        opt.step()
        scheduler.step() if name != "ReduceLROnPlateau" else scheduler.step(metrics[epoch])
    checkpoint = copy.deepcopy({"optimizer": opt.state_dict(), "scheduler": scheduler.state_dict()})

    opt = _optimizer(ag, lrs=(1.0, 1.0))  # the lrs it is built with must not matter
    if scheduler_first:  # the order PyTorch's documentation asks for
        scheduler = _scheduler(ag, name, args, opt)
        opt.load_state_dict(checkpoint["optimizer"])
    else:  # the other order, which in PyTorch leaves the next epoch at the schedule's initial lrs
        opt.load_state_dict(checkpoint["optimizer"])
        scheduler = _scheduler(ag, name, args, opt)
    scheduler.load_state_dict(checkpoint["scheduler"])
    resumed = [([g["lr"] for g in opt.param_groups], list(scheduler.get_last_lr()), scheduler.last_epoch)]
    for epoch in range(40, 100):
        opt.step()
        scheduler.step() if name != "ReduceLROnPlateau" else scheduler.step(metrics[epoch])
        resumed.append(([g["lr"] for g in opt.param_groups], list(scheduler.get_last_lr()), scheduler.last_epoch))
    assert resumed == uninterrupted[40:]


@pytest.mark.parametrize("name, args", [s for s in SCHEDULES if s[0] != "LambdaLR"] +
                         [("ReduceLROnPlateau", ((), {}))], ids=lambda v: v if isinstance(v, str) else None)
def test_state_dict_holds_pytorchs_entries(name, args):
    _, ours = record(ag, name, args, epochs=12, metrics=[1.0] * 12 if name == "ReduceLROnPlateau" else None)
    _, theirs = record(torch, name, args, epochs=12, metrics=[1.0] * 12 if name == "ReduceLROnPlateau" else None)
    ours, theirs = ours.state_dict(), theirs.state_dict()
    assert "optimizer" not in ours and set(ours) <= set(theirs)
    assert set(theirs) - set(ours) <= {"_get_lr_called_within_step", "_is_initial"}  # PyTorch's chaining flags
    for key, value in ours.items():
        if isinstance(value, list):
            np.testing.assert_allclose(value, theirs[key], rtol=1e-12, err_msg=key)
        else:
            assert value == theirs[key], key


def test_lambda_lr_saves_callable_objects_attributes_not_functions():
    opt = _optimizer(ag)
    scheduler = lr_scheduler.LambdaLR(opt, [Warmup(5), _decay])
    scheduler.lr_lambdas[0].epochs = 8
    state = scheduler.state_dict()
    assert state["lr_lambdas"] == [{"epochs": 8}, None]
    other = lr_scheduler.LambdaLR(_optimizer(ag), [Warmup(5), _decay])
    other.load_state_dict(state)
    assert other.lr_lambdas[0].epochs == 8 and other.last_epoch == 0
    assert "lr_lambdas" in state, "loading must not consume the caller's dict"


@pytest.mark.parametrize("name, args", SCHEDULES[:-1], ids=lambda v: v if isinstance(v, str) else None)
def test_building_with_last_epoch_resumes_the_schedule_at_the_next_epoch(name, args):
    uninterrupted, _ = record(ag, name, args, epochs=30)
    opt = _optimizer(ag)
    for group, lr in zip(opt.param_groups, uninterrupted[10][0]):
        group["initial_lr"], group["lr"] = group["lr"], lr
    scheduler = _scheduler(ag, name, (args[0], {**args[1], "last_epoch": 10}), opt)
    resumed = [([g["lr"] for g in opt.param_groups], list(scheduler.get_last_lr()), scheduler.last_epoch)]
    for _ in range(19):
        opt.step()
        scheduler.step()
        resumed.append(([g["lr"] for g in opt.param_groups], list(scheduler.get_last_lr()), scheduler.last_epoch))
    assert resumed == uninterrupted[11:]


def test_building_step_lr_with_last_epoch_matches_pytorch():
    # (PyTorch keeps the groups' lrs for the first epoch after last_epoch and then recurses, which
    # is off by one epoch for most schedules; for StepLR both agree.)
    def run(lib):
        opt = _optimizer(lib)
        for group in opt.param_groups:
            group["initial_lr"], group["lr"] = group["lr"], group["lr"] * 0.5 ** 3  # epoch 9 of the schedule
        scheduler = _scheduler(lib, "StepLR", ((3,), dict(gamma=0.5, last_epoch=9)), opt)
        seen = [list(scheduler.get_last_lr())]
        for _ in range(20):
            opt.step()
            scheduler.step()
            seen.append(list(scheduler.get_last_lr()))
        return seen

    np.testing.assert_allclose(run(ag), run(torch), rtol=1e-10)


# ---- integration with training ----------------------------------------------------------------
def test_training_with_a_scheduler_matches_pytorch():
    rng = np.random.default_rng(3)
    start, x, y = rng.normal(size=(3, 1)), rng.normal(size=(32, 3)), rng.normal(size=(32, 1))

    def run(lib):
        tensor = ag.tensor if lib is ag else torch.tensor
        w, xs, ys = tensor(start, requires_grad=True), tensor(x), tensor(y)
        opt = (optim if lib is ag else torch.optim).Adam([w], lr=0.05)
        schedulers = lr_scheduler if lib is ag else torch.optim.lr_scheduler
        scheduler = schedulers.CosineAnnealingLR(opt, T_max=20, eta_min=1e-3)
        for _ in range(30):
            opt.zero_grad()
            ((xs @ w - ys) ** 2).mean().backward()
            opt.step()
            scheduler.step()
        return w.detach().numpy()

    np.testing.assert_allclose(run(ag), run(torch), rtol=1e-9)


def test_the_optimizer_is_not_monkeypatched():
    opt = _optimizer(ag)
    lr_scheduler.StepLR(opt, step_size=2)
    assert "step" not in vars(opt) and opt.step.__func__ is optim.SGD.step


def test_stepping_the_scheduler_before_the_optimizer_warns():
    opt = _optimizer(ag)
    scheduler = lr_scheduler.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match=r"lr_scheduler.step\(\)` before `optimizer.step\(\)"):
        scheduler.step()
    opt = _optimizer(ag)
    scheduler = lr_scheduler.StepLR(opt, step_size=2)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scheduler.step()
        scheduler.step()


def test_an_optimizer_subclass_with_its_own_step_gets_no_false_order_warning():
    class SignSGD(optim.Optimizer):  # written the PyTorch way: step() overridden
        def __init__(self, params, lr=0.1):
            super().__init__(params, {"lr": lr})

        @ag.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    p.sub_(p.grad.sign(), alpha=group["lr"])

    w = ag.tensor([1.0, -1.0], requires_grad=True)
    opt = SignSGD([w])
    scheduler = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    (w * w).sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        scheduler.step()
    np.testing.assert_allclose(w.detach().numpy(), [0.9, -0.9])
    assert opt.param_groups[0]["lr"] == 0.05


def test_step_with_an_epoch_jumps_there_like_pytorchs_closed_form():
    def run(lib):
        opt = _optimizer(lib)
        scheduler = _scheduler(lib, "MultiStepLR", (([3, 8],), dict(gamma=0.5)), opt)
        opt.step()
        with pytest.warns(UserWarning):
            scheduler.step(9)
        return scheduler.get_last_lr(), scheduler.last_epoch

    (ours, epoch), (theirs, reference_epoch) = run(ag), run(torch)
    assert epoch == reference_epoch == 9
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert math.isclose(ours[0], 0.1 * 0.25)


@pytest.mark.parametrize("make, error, message", [
    (lambda opt: lr_scheduler.StepLR(object(), 3), TypeError, "StepLR: expected an optim.Optimizer, got object"),
    (lambda opt: lr_scheduler.StepLR(opt, 3, last_epoch=4), KeyError, r"param_groups\[0\] has no 'initial_lr'"),
    (lambda opt: lr_scheduler.StepLR(opt, 0), ValueError, "step_size must be a positive integer"),
    (lambda opt: lr_scheduler.CosineAnnealingLR(opt, 0), ValueError, "T_max must be positive"),
    (lambda opt: lr_scheduler.LinearLR(opt, start_factor=0), ValueError, r"start_factor must be in \(0, 1\]"),
    (lambda opt: lr_scheduler.LinearLR(opt, end_factor=1.5), ValueError, r"end_factor must be in \[0, 1\]"),
    (lambda opt: lr_scheduler.LambdaLR(opt, [_decay]), ValueError, "expected 2 lr_lambdas"),
    (lambda opt: lr_scheduler.LambdaLR(opt, 0.5), TypeError, "lr_lambda should be a function"),
    (lambda opt: lr_scheduler.ReduceLROnPlateau(opt, factor=1.0), ValueError, "factor must be < 1"),
    (lambda opt: lr_scheduler.ReduceLROnPlateau(opt, mode="up"), ValueError, "mode must be 'min' or 'max'"),
    (lambda opt: lr_scheduler.ReduceLROnPlateau(opt, threshold_mode="pct"), ValueError, "threshold_mode must be"),
    (lambda opt: lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0.1]), ValueError, "expected 2 min_lrs"),
])
def test_bad_arguments_raise_clear_errors(make, error, message):
    with pytest.raises(error, match=message):
        make(_optimizer(ag))
