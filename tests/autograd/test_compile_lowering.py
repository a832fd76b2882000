"""ag.compile's lowering (issue 18): primitives written inline as NumPy calls into buffers, checked
against eager bit for bit; check_every; guards on modules a step reaches through globals; tensors
made by code that is not recorded."""
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import optim
from autograd.compile import CompileError

model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))  # a global, as scripts hold them


def _step_of(net, optimizer):
    def step(x, y):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(net(x), y)
        loss.backward()
        optimizer.step()
        return loss
    return step


def _data(n=6, seed=0):
    rng = np.random.default_rng(seed)
    return ag.from_numpy(rng.standard_normal((n, 4)).astype(np.float32)), ag.from_numpy(rng.integers(0, 3, n))


def test_hot_primitives_are_written_inline_into_buffers():
    ag.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3))
    step = ag.compile(_step_of(net, optim.SGD(net.parameters(), lr=0.1)))
    x, y = _data()
    for _ in range(3):
        step(x, y)
    source = step.source
    for call in ("np.matmul(", "np.tanh(", "np.maximum("):
        assert call in source
    assert "out=b" in source  # preallocated buffers
    assert "_Linear_forward" not in source and "Tanh_forward" not in source and "Relu_forward" not in source
    assert "called, not inline" in step.explain()  # cross-entropy's forward decides on data: called whole
    assert "the training flag of 6 modules" in step.explain()  # the Sequential and its five layers


def test_inline_code_equals_eager_bit_for_bit_in_float64():
    w = ag.tensor(np.linspace(-1, 1, 12).reshape(3, 4), dtype=ag.float64, requires_grad=True)
    b = ag.tensor(np.linspace(0, 1, 4), dtype=ag.float64, requires_grad=True)

    def step(x):
        w.grad = b.grad = None
        h = (x @ w + b).tanh() * 0.5 - 1.5
        loss = (h * h).mean() + h.exp().sum() / 3 + (x @ w).relu().sum(dim=0).pow(2).sum()
        loss.backward()
        return loss, w.grad * 1, b.grad * 1

    compiled = ag.compile(step)
    rng = np.random.default_rng(1)
    for _ in range(5):
        x = ag.from_numpy(rng.standard_normal((5, 3)))
        eager, replayed = step(x), compiled(x)
        for e, r in zip(eager, replayed):
            assert e.dtype == r.dtype and np.array_equal(e.detach().numpy(), r.detach().numpy())
    assert "np.tanh(" in compiled.source


def test_returned_values_are_fresh_not_buffers():
    w = ag.tensor([1.0, 2.0], requires_grad=True)

    @ag.compile
    def step(x):
        w.grad = None
        y = (w * x).tanh()
        y.sum().backward()
        return y

    outs = [step(ag.tensor([float(i), 1.0])) for i in range(5)]
    assert [o[0].item() for o in outs] == [np.tanh(np.float32(i)).item() for i in range(5)]


def test_check_every_reports_the_first_value_that_differs():
    ag.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    step = ag.compile(_step_of(net, optim.Adam(net.parameters(), lr=0.01)), check_every=2)
    x, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a faithful replay passes its checks silently
        for _ in range(6):
            step(x, y)
    entry = next(iter(step.entries.values()))[0]
    names = entry.function.__globals__
    tanh_buffer = next(v for k, v in names.items() if k.startswith("k") and isinstance(v, np.ndarray) and v.ndim == 0
                       and v == 1.0)  # the 1 of tanh's gradient 1 - y * y
    tanh_buffer[...] = 0.5  # break the replay on purpose
    with pytest.warns(RuntimeWarning, match="first value that differs is g"):
        for _ in range(2):
            step(x, y)
    assert not any(step.entries.values())  # dropped: the next call records afresh


def test_train_eval_switch_of_a_global_model_is_guarded():
    class Halve(nn.Module):
        def forward(self, x):
            return x * 0.5 if self.training else x

    halve = Halve()
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    global model
    saved, model = model, halve
    try:
        @ag.compile
        def step(x):
            w.grad = None
            y = model(w * x).sum()
            y.backward()
            return y

        x = ag.tensor([1.0, 1.0])
        assert [step(x).item() for _ in range(3)] == [1.5] * 3
        halve.eval()
        assert [step(x).item() for _ in range(3)] == [3.0] * 3
        assert "Halve.training changed" in step.explain()
    finally:
        model = saved


def test_a_tensor_made_by_code_that_is_not_recorded_raises():
    w = ag.tensor([1.0, 2.0], requires_grad=True)

    def step(x):
        w.grad = None
        y = w * x
        unrecorded = ag.Tensor._make(y._data * 2)  # as an op written without Function.apply would
        (y * unrecorded).sum().backward()
        return y.sum()

    compiled = ag.compile(step)
    compiled(ag.tensor([1.0, 1.0]))
    with pytest.raises(CompileError, match="test_compile_lowering.py"):
        compiled(ag.tensor([1.0, 1.0]))


def test_compile_error_is_public():
    assert ag.CompileError is CompileError


def test_check_every_passes_faithful_replays_with_dropout_and_batch_norm():
    ag.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Tanh(), nn.Dropout(0.3), nn.Linear(8, 3))
    step = ag.compile(_step_of(net, optim.SGD(net.parameters(), lr=0.1, momentum=0.9)), check_every=1)
    x, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(5):
            step(x, y)
    assert sum(e.replays for entries in step.entries.values() for e in entries) == 3
    source = step.entries[next(iter(step.entries))][0].source
    assert "numpy_generator" in source  # the dropout mask is drawn on every replay


def test_a_sum_gradient_broadcast_into_a_new_grad_keeps_its_shape():
    # the gradient of sum(dim) fills a new array by broadcasting into it: that array is its shape
    def step(x, y):
        total = (x.sum(dim=0, keepdim=True) * y).sum()
        total.backward()
        return total

    compiled = ag.compile(step)
    for i in range(4):
        x = ag.tensor([1.0, 2.0 + i], requires_grad=True)
        compiled(x, ag.tensor([3.0]))
        assert x.grad.shape == (2,) and x.grad.tolist() == [3.0, 3.0]


def test_buffers_are_shared_by_values_whose_lives_do_not_overlap():
    ag.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 8), *[layer for _ in range(6) for layer in (nn.Tanh(), nn.Linear(8, 8))],
                        nn.Tanh(), nn.Linear(8, 3))
    step = ag.compile(_step_of(net, optim.SGD(net.parameters(), lr=0.1)))
    x, y = _data()
    for _ in range(3):
        step(x, y)
    entry = step.entries[next(iter(step.entries))][0]
    filled = entry.source.count("out=b")
    buffers = [k for k in entry.function.__globals__ if k[0] == "b" and k[1:].isdigit()]
    assert len(buffers) < filled / 2  # (each tanh's output lives until its backward: about half)


def test_compiling_a_forward_that_is_then_differentiated_raises():
    ag.manual_seed(0)
    net = nn.Linear(4, 2)
    forward = ag.compile(net)
    x, _ = _data()
    forward(x)
    with pytest.raises(CompileError, match="returns a tensor that requires grad"):
        forward(x)
    with ag.no_grad():  # inference compiles: nothing to differentiate
        infer = ag.compile(net)
        outs = [infer(x) for _ in range(3)]
    assert np.array_equal(outs[0].numpy(), outs[2].numpy()) and np.array_equal(outs[2].numpy(), net(x).detach().numpy())
