"""ConstantLR, PolynomialLR, CyclicLR, OneCycleLR, CosineAnnealingWarmRestarts, SequentialLR and
ChainedScheduler: every step's lrs (and momenta) against PyTorch's, state dicts, errors."""
import copy
import math

import numpy as np
import pytest

import autograd as ag
import optim
from optim import lr_scheduler

torch = pytest.importorskip("torch")


def _optimizer(lib, kind="sgd", lrs=(0.1, 0.05)):
    tensor = ag.zeros if lib is ag else torch.zeros
    groups = [{"params": [tensor(1, requires_grad=True)], "lr": lr} for lr in lrs]
    optims = optim if lib is ag else torch.optim
    if kind == "sgd":
        return optims.SGD(groups, momentum=0.9)
    if kind == "adam":
        return optims.Adam(groups, betas=(0.9, 0.99))
    return optims.Adagrad(groups)


def record(lib, make, steps, kind="sgd", epochs=None):
    """Each step's groups' lrs, get_last_lr(), last_epoch and momenta (momentum or beta1)."""
    opt = _optimizer(lib, kind)
    scheduler = make(lr_scheduler if lib is ag else torch.optim.lr_scheduler, opt)

    def seen():
        momenta = [g.get("momentum", g.get("betas", (None,))[0]) for g in opt.param_groups]
        return ([g["lr"] for g in opt.param_groups], list(scheduler.get_last_lr()), getattr(scheduler, "last_epoch", None),
                momenta)

    history = [seen()]
    for i in range(steps):
        opt.step()
        scheduler.step() if epochs is None else scheduler.step(epochs[i])
        history.append(seen())
    return history, scheduler


def assert_same(ours, theirs):
    assert len(ours) == len(theirs)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        assert a[2] == b[2], f"last_epoch at step {step}"
        np.testing.assert_allclose(a[0], b[0], rtol=1e-10, atol=1e-15, err_msg=f"lrs at step {step}")
        np.testing.assert_allclose(a[1], b[1], rtol=1e-10, atol=1e-15, err_msg=f"get_last_lr at step {step}")
        if a[3][0] is not None or b[3][0] is not None:
            np.testing.assert_allclose(a[3], b[3], rtol=1e-10, atol=1e-15, err_msg=f"momenta at step {step}")


def _half(x):
    return 0.5 ** x


CASES = {
    "constant-default": (lambda s, o: s.ConstantLR(o), 20, "sgd"),
    "constant-half-40": (lambda s, o: s.ConstantLR(o, factor=0.5, total_iters=40), 60, "sgd"),
    "polynomial-default": (lambda s, o: s.PolynomialLR(o), 20, "sgd"),
    "polynomial-0.9": (lambda s, o: s.PolynomialLR(o, total_iters=50, power=0.9), 70, "sgd"),
    "polynomial-2": (lambda s, o: s.PolynomialLR(o, total_iters=30, power=2.0), 40, "sgd"),
    "cyclic-triangular": (lambda s, o: s.CyclicLR(o, 0.01, 0.1, step_size_up=7), 60, "sgd"),
    "cyclic-triangular2": (lambda s, o: s.CyclicLR(o, [0.01, 0.02], [0.1, 0.3], step_size_up=5, step_size_down=9,
                                                   mode="triangular2"), 80, "sgd"),
    "cyclic-exp-range": (lambda s, o: s.CyclicLR(o, 0.001, 0.01, step_size_up=4, mode="exp_range", gamma=0.97,
                                                 base_momentum=[0.7, 0.75], max_momentum=0.95), 60, "sgd"),
    "cyclic-adam-beta1": (lambda s, o: s.CyclicLR(o, 0.001, 0.01, step_size_up=6), 40, "adam"),
    "cyclic-no-momentum": (lambda s, o: s.CyclicLR(o, 0.001, 0.01, step_size_up=3, cycle_momentum=False),
                           30, "adagrad"),
    "cyclic-scale-fn": (lambda s, o: s.CyclicLR(o, 0.01, 0.1, step_size_up=3, scale_fn=_half), 30, "sgd"),
    "cyclic-scale-fn-iterations": (lambda s, o: s.CyclicLR(o, 0.01, 0.1, step_size_up=3, scale_fn=lambda x: 0.99 ** x,
                                                           scale_mode="iterations"), 30, "sgd"),
    "onecycle-cos": (lambda s, o: s.OneCycleLR(o, max_lr=0.5, total_steps=50), 50, "sgd"),
    "onecycle-linear": (lambda s, o: s.OneCycleLR(o, max_lr=[0.5, 1.0], total_steps=40, anneal_strategy="linear",
                                                  pct_start=0.25), 40, "sgd"),
    "onecycle-three-phase": (lambda s, o: s.OneCycleLR(o, max_lr=0.3, epochs=5, steps_per_epoch=9, three_phase=True,
                                                       div_factor=10.0, final_div_factor=100.0), 45, "sgd"),
    "onecycle-adam": (lambda s, o: s.OneCycleLR(o, max_lr=0.01, total_steps=30, base_momentum=0.8,
                                                max_momentum=[0.9, 0.95]), 30, "adam"),
    "onecycle-no-momentum": (lambda s, o: s.OneCycleLR(o, max_lr=0.01, total_steps=25, cycle_momentum=False),
                             25, "adagrad"),
    "warm-restarts": (lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=10), 45, "sgd"),
    "warm-restarts-mult": (lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001), 60, "sgd"),
    "sequential-constant-exp": (lambda s, o: s.SequentialLR(o, [s.ConstantLR(o, factor=0.1, total_iters=20),
                                                                s.ExponentialLR(o, gamma=0.9)], milestones=[20]),
                                60, "sgd"),
    "sequential-warmup-cosine": (lambda s, o: s.SequentialLR(o, [s.LinearLR(o, start_factor=0.1, total_iters=5),
                                                                 s.CosineAnnealingLR(o, T_max=25, eta_min=0.001)],
                                                             milestones=[5]), 40, "sgd"),
    "sequential-three": (lambda s, o: s.SequentialLR(o, [s.LinearLR(o, start_factor=0.5, total_iters=4),
                                                         s.StepLR(o, step_size=3, gamma=0.5),
                                                         s.LambdaLR(o, lambda e: 1 / (e + 1))],
                                                     milestones=[6, 20]), 40, "sgd"),
    "chained-constant-exp": (lambda s, o: s.ChainedScheduler([s.ConstantLR(o, factor=0.1, total_iters=20),
                                                              s.ExponentialLR(o, gamma=0.9)]), 40, "sgd"),
    "chained-three": (lambda s, o: s.ChainedScheduler([s.LinearLR(o, start_factor=0.2, total_iters=8),
                                                       s.MultiStepLR(o, [5, 12], gamma=0.5),
                                                       s.PolynomialLR(o, total_iters=30, power=1.5)], optimizer=o),
                      40, "sgd"),
    "chained-cosine-step": (lambda s, o: s.ChainedScheduler([s.CosineAnnealingLR(o, T_max=10),
                                                             s.StepLR(o, step_size=4, gamma=0.7)]), 30, "sgd"),
    "chained-cyclic-exp": (lambda s, o: s.ChainedScheduler([s.CyclicLR(o, 0.01, 0.1, step_size_up=4),
                                                            s.ExponentialLR(o, gamma=0.95)]), 30, "sgd"),
}


@pytest.mark.parametrize("name", CASES)
def test_schedule_matches_pytorch_step_by_step(name):
    make, steps, kind = CASES[name]
    ours, _ = record(ag, make, steps, kind)
    theirs, _ = record(torch, make, steps, kind)
    assert_same(ours, theirs)
    assert len({tuple(lrs) for lrs, *_ in ours}) > 1


@pytest.mark.parametrize("T_mult", [1, 2, 3])
def test_warm_restarts_with_fractional_epochs_matches_pytorch(T_mult):
    epochs = [e + i / 4 for e in range(30) for i in range(4)]
    make = lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=T_mult, eta_min=1e-3)  # noqa: E731
    ours, scheduler = record(ag, make, len(epochs), epochs=epochs)
    theirs, reference = record(torch, make, len(epochs), epochs=epochs)
    assert_same(ours, theirs)
    assert (scheduler.T_i, scheduler.T_cur) == pytest.approx((reference.T_i, reference.T_cur))


def test_warm_restarts_step_without_and_with_epochs_interleaved():
    def run(lib):
        opt = _optimizer(lib)
        scheduler = (lr_scheduler if lib is ag else torch.optim.lr_scheduler).CosineAnnealingWarmRestarts(opt, 5)
        seen = []
        for epoch in [None, None, 7.5, None, 2, None, 12.25]:
            opt.step()
            scheduler.step(epoch)
            seen.append((scheduler.get_last_lr(), scheduler.last_epoch, scheduler.T_cur))
        return seen

    for a, b in zip(run(ag), run(torch)):
        np.testing.assert_allclose(a[0], b[0], rtol=1e-12)
        assert a[1:] == pytest.approx(b[1:])


def test_one_cycle_refuses_to_step_past_total_steps():
    opt = _optimizer(ag)
    scheduler = lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=3)
    for _ in range(3):
        opt.step()
        scheduler.step()
    with pytest.raises(ValueError, match="tried to step 4 times; the specified number of total steps is 3"):
        scheduler.step()


def test_one_cycle_sets_pytorchs_group_entries():
    ours = _optimizer(ag, "adam")
    theirs = _optimizer(torch, "adam")
    lr_scheduler.OneCycleLR(ours, max_lr=0.1, total_steps=10)
    torch.optim.lr_scheduler.OneCycleLR(theirs, max_lr=0.1, total_steps=10)
    for a, b in zip(ours.param_groups, theirs.param_groups):
        for key in ("initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum", "betas", "lr"):
            assert a[key] == pytest.approx(b[key]), key


RESUMABLE = ["cyclic-triangular2", "cyclic-adam-beta1", "onecycle-three-phase", "warm-restarts-mult",
             "sequential-three", "chained-three", "constant-half-40", "polynomial-0.9"]


@pytest.mark.parametrize("name", RESUMABLE)
def test_resuming_from_state_dicts_continues_the_schedule(name):
    make, steps, kind = CASES[name]
    uninterrupted, _ = record(ag, make, steps, kind)
    opt = _optimizer(ag, kind)
    scheduler = make(lr_scheduler, opt)
    for _ in range(steps // 2):
        opt.step()
        scheduler.step()
    checkpoint = copy.deepcopy({"optimizer": opt.state_dict(), "scheduler": scheduler.state_dict()})
    opt = _optimizer(ag, kind, lrs=(1.0, 1.0))
    scheduler = make(lr_scheduler, opt)
    opt.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    resumed = [[g["lr"] for g in opt.param_groups]]
    for _ in range(steps // 2, steps):
        opt.step()
        scheduler.step()
        resumed.append([g["lr"] for g in opt.param_groups])
    np.testing.assert_allclose(resumed, [lrs for lrs, *_ in uninterrupted[steps // 2:]], rtol=1e-12)


@pytest.mark.parametrize("name", ["cyclic-exp-range", "onecycle-cos", "warm-restarts", "polynomial-0.9",
                                  "constant-default", "sequential-constant-exp", "chained-constant-exp"])
def test_state_dict_holds_pytorchs_entries(name):
    make, _, kind = CASES[name]
    _, ours = record(ag, make, 12, kind)
    _, theirs = record(torch, make, 12, kind)
    ours, theirs = ours.state_dict(), theirs.state_dict()
    assert "optimizer" not in ours
    flags = {"_get_lr_called_within_step", "_is_initial", "_scale_fn_ref"}
    assert set(theirs) - set(ours) <= flags and set(ours) <= set(theirs)
    if "_schedulers" in ours:
        for a, b in zip(ours["_schedulers"], theirs["_schedulers"]):
            assert set(b) - set(a) <= flags and set(a) <= set(b)


def test_cyclic_lr_saves_a_callable_objects_attributes_not_a_function():
    class Halving:
        def __init__(self):
            self.base = 0.5

        def __call__(self, x):
            return self.base ** x

    scheduler = lr_scheduler.CyclicLR(_optimizer(ag), 0.01, 0.1, scale_fn=Halving())
    scheduler._scale_fn_custom.base = 0.25
    state = scheduler.state_dict()
    assert state["_scale_fn_custom"] == {"base": 0.25}
    other = lr_scheduler.CyclicLR(_optimizer(ag), 0.01, 0.1, scale_fn=Halving())
    other.load_state_dict(state)
    assert other._scale_fn_custom.base == 0.25
    assert lr_scheduler.CyclicLR(_optimizer(ag), 0.01, 0.1, scale_fn=_half).state_dict()["_scale_fn_custom"] is None


@pytest.mark.parametrize("make, error, message", [
    (lambda o: lr_scheduler.ConstantLR(o, factor=1.5), ValueError, r"factor must be in \[0, 1\]"),
    (lambda o: lr_scheduler.PolynomialLR(o, total_iters=0), ValueError, "total_iters must be positive"),
    (lambda o: lr_scheduler.CyclicLR(o, 0.1, [0.2]), ValueError, "max_lr must have the same length"),
    (lambda o: lr_scheduler.CyclicLR(o, 0.1, 0.2, mode="saw"), ValueError, "mode must be"),
    (lambda o: lr_scheduler.CyclicLR(optim.Adagrad([ag.zeros(1, requires_grad=True)]), 0.1, 0.2), ValueError,
     "optimizer must support momentum or beta1"),
    (lambda o: lr_scheduler.CyclicLR(object(), 0.1, 0.2), TypeError, "expected an optim.Optimizer"),
    (lambda o: lr_scheduler.OneCycleLR(o, 0.1), ValueError, "either total_steps OR"),
    (lambda o: lr_scheduler.OneCycleLR(o, 0.1, total_steps=0), ValueError, "positive integer total_steps"),
    (lambda o: lr_scheduler.OneCycleLR(o, 0.1, epochs=2, steps_per_epoch=0), ValueError, "steps_per_epoch"),
    (lambda o: lr_scheduler.OneCycleLR(o, 0.1, total_steps=5, pct_start=1.5), ValueError, "pct_start"),
    (lambda o: lr_scheduler.OneCycleLR(o, 0.1, total_steps=5, anneal_strategy="exp"), ValueError, "anneal_strategy"),
    (lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, 0), ValueError, "positive integer T_0"),
    (lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, 2, T_mult=0), ValueError, "T_mult >= 1"),
    (lambda o: lr_scheduler.SequentialLR(o, [], []), ValueError, "at least one scheduler"),
    (lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.StepLR(o, 2)], [3]), ValueError, "one more scheduler"),
    (lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.ReduceLROnPlateau(o)], []), ValueError,
     "does not support `ReduceLROnPlateau`"),
    (lambda o: lr_scheduler.ChainedScheduler([lr_scheduler.StepLR(o, 2), lr_scheduler.StepLR(_optimizer(ag), 2)]),
     ValueError, "same optimizer"),
    (lambda o: lr_scheduler.ChainedScheduler([]), ValueError, "at least one scheduler"),
])
def test_bad_arguments_raise_clear_errors(make, error, message):
    with pytest.raises(error, match=message):
        make(_optimizer(ag))


def test_one_cycle_trains_adam_as_pytorch_does():
    rng = np.random.default_rng(0)
    start, x, y = rng.normal(size=(3, 1)), rng.normal(size=(16, 3)), rng.normal(size=(16, 1))

    def run(lib):
        tensor = ag.tensor if lib is ag else torch.tensor
        w, xs, ys = tensor(start, requires_grad=True), tensor(x), tensor(y)
        opt = (optim if lib is ag else torch.optim).Adam([w], lr=0.01)
        scheduler = (lr_scheduler if lib is ag else torch.optim.lr_scheduler).OneCycleLR(opt, 0.1, total_steps=20)
        for _ in range(20):
            opt.zero_grad()
            ((xs @ w - ys) ** 2).mean().backward()
            opt.step()
            scheduler.step()
        return w.detach().numpy()

    np.testing.assert_allclose(run(ag), run(torch), rtol=1e-9)
    assert math.isfinite(run(ag).sum())
