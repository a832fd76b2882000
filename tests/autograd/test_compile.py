"""ag.compile (issue 18): compiled steps equal eager steps bit for bit; what cannot be replayed
raises while recording; memory stays flat."""
import tracemalloc

import numpy as np
import pytest

import autograd as ag
import nn
import optim
from autograd.compile import CompileError

STEPS = 20


def _model(seed=0, dropout=False):
    ag.manual_seed(seed)
    layers = [nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 8), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(0.5))
    return nn.Sequential(*layers, nn.Linear(8, 3))


def _batches(sizes, seed=1):
    rng = np.random.default_rng(seed)
    return [(ag.from_numpy(rng.standard_normal((n, 6)).astype(np.float32)),
             ag.from_numpy(rng.integers(0, 3, n))) for n in sizes]


def _run(make_optimizer, compiled, sizes=(32,) * STEPS, scheduler=None, modes=None):
    """Trains a fresh model on the same batches; returns losses, parameters, grads, state."""
    model = _model()
    optimizer = make_optimizer(model.parameters())
    sched = scheduler(optimizer) if scheduler else None

    def step(x, y):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    run = ag.compile(step, enabled=compiled)
    losses = []
    for i, (x, y) in enumerate(_batches(sizes)):
        if modes is not None:
            model.train(modes[i])
        losses.append(np.asarray(run(x, y)).copy())
        if sched:
            sched.step()
    params = [p.detach().numpy().copy() for p in model.parameters()]
    grads = [p.grad.numpy().copy() for p in model.parameters()]
    state = [{k: np.asarray(v).copy() for k, v in s.items()} for s in optimizer.state.values()]
    return losses, params, grads, state, run


def _same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        if isinstance(x, dict):
            assert x.keys() == y.keys()
            _same(list(x.values()), list(y.values()))
        else:
            assert x.dtype == y.dtype and x.shape == y.shape
            assert np.array_equal(x, y), np.abs(x - y).max()  # bit for bit (no NaNs here)


OPTIMIZERS = {
    "sgd": lambda p: optim.SGD(p, lr=0.1),
    "sgd-momentum-wd": lambda p: optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-3),
    "sgd-nesterov": lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, dampening=0),
    "adam": lambda p: optim.Adam(p, lr=1e-2),
    "adamw": lambda p: optim.AdamW(p, lr=1e-2, weight_decay=0.1),
    "adam-amsgrad-maximize": lambda p: optim.Adam(p, lr=1e-2, amsgrad=True, weight_decay=0.01, maximize=True),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_mlp_compiled_equals_eager_bit_for_bit(name):
    eager = _run(OPTIMIZERS[name], compiled=False)
    compiled = _run(OPTIMIZERS[name], compiled=True)
    for a, b in zip(eager[:4], compiled[:4]):
        _same(a, b)
    run = compiled[4]
    assert len(run.entries) == 1 and sum(e.replays for es in run.entries.values() for e in es) == STEPS - 2


def test_scheduler_changes_lr_without_rerecording():
    sched = lambda opt: optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)  # noqa: E731
    eager = _run(OPTIMIZERS["sgd-momentum-wd"], False, scheduler=sched)
    compiled = _run(OPTIMIZERS["sgd-momentum-wd"], True, scheduler=sched)
    for a, b in zip(eager[:4], compiled[:4]):
        _same(a, b)
    assert sum(len(es) for es in compiled[4].entries.values()) == 1


def test_last_batch_of_another_size_records_a_new_entry():
    sizes = (32,) * (STEPS - 1) + (7,)
    eager = _run(OPTIMIZERS["adam"], False, sizes=sizes)
    compiled = _run(OPTIMIZERS["adam"], True, sizes=sizes)
    for a, b in zip(eager[:4], compiled[:4]):
        _same(a, b)
    assert len(compiled[4].entries) == 1  # the size-7 key ran once: eagerly (its first call)


def test_train_eval_switch_is_a_guard():
    modes = [True] * 8 + [False] * 6 + [True] * 6
    eager = _run(OPTIMIZERS["adamw"], False, modes=modes)
    compiled = _run(OPTIMIZERS["adamw"], True, modes=modes)
    for a, b in zip(eager[:4], compiled[:4]):
        _same(a, b)
    assert len(compiled[4].entries) == 2


def test_source_is_printable_python():
    *_, run = _run(OPTIMIZERS["adam"], True, sizes=(8,) * 3)
    assert run.source.startswith("def compiled_step(a0, a1):")
    assert "propagate" in run.source and "_step_parameter" in run.source


def _record_twice(fn, *args):
    compiled = ag.compile(fn)
    compiled(*args)  # eager
    return compiled(*args)  # records


def test_item_of_a_value_not_returned_raises_naming_the_line():
    w = ag.tensor([1.0, 2.0], requires_grad=True)

    def step():
        loss = (w * w).sum()
        if loss.item() > 100:  # a Python decision on a tensor's value
            loss = loss * 0
        return loss

    with pytest.raises(CompileError, match=r"test_compile.py:\d+.*enabled=False"):
        _record_twice(step)


def test_item_of_a_returned_value_is_replayed():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    run = ag.compile(lambda x: (w * x).sum().item())
    assert [run(ag.tensor([1.0, float(i)])) for i in range(4)] == [1.0 + 2.0 * i for i in range(4)]


@pytest.mark.parametrize("what", ["bool", "hook", "retain_grad", "tolist", "numpy", "random", "nested"])
def test_what_cannot_be_replayed_raises(what):
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    inner = ag.compile(lambda: w * 2)

    def step():
        y = w * 3
        if what == "bool":
            bool((y > 0).all())
        elif what == "hook":
            y.register_hook(lambda g: g)
        elif what == "retain_grad":
            y.retain_grad()
        elif what == "tolist":
            y.tolist()
        elif what == "numpy":
            y.detach().numpy()
        elif what == "random":
            y = y * ag.rand(2)
        elif what == "nested":
            inner(); inner(); inner()  # noqa: E702
        return y.sum()

    with pytest.raises(CompileError, match="test_compile.py"):
        _record_twice(step)


def test_disabled_by_environment(monkeypatch):
    monkeypatch.setenv("GRAPHGRAD_COMPILE", "0")
    run = ag.compile(lambda x: x * 2)
    for _ in range(3):
        run(ag.tensor([1.0]))
    assert not run.entries


def test_max_entries_warns_once_then_runs_eagerly():
    run = ag.compile(lambda x: (x * 2).sum(), max_entries=1)
    with pytest.warns(UserWarning, match="entries") as warned:
        for n in (1, 1, 1, 2, 2, 2, 3, 3, 3):
            assert float(np.asarray(run(ag.ones(n)))) == 2 * n
    assert len(warned) == 1
    assert sum(len(e) for e in run.entries.values()) == 1


def test_memory_is_flat_over_2000_steps():
    model = _model()
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    (x, y), = _batches((4,))

    @ag.compile
    def step(x, y):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    # CPython keeps up to 2,000 freed tuples of each size for reuse, and tracemalloc counts them:
    # those lists fill up over the first couple of thousand calls (~100 KB), then stay put
    for _ in range(2500):
        step(x, y)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(2000):
        step(x, y)
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert grown < 64 * 1024, grown  # a step's arrays alone are ~10 KB: nothing is kept per step
