"""ag.compile (issue 18) on whole models: a CNN (BatchNorm2d, MaxPool2d, Dropout), an LSTM
classifier (inter-layer dropout) and a transformer classifier (attention and feed-forward dropout)
train 20 steps compiled bit for bit as eagerly, with momentum SGD, Nesterov SGD, Adam and AdamW
under a StepLR schedule, through a train/eval switch and a last batch of another size. And the
pieces that make it possible: random draws replayed on the generator in force at replay, and
in-place writes outside the graph (running statistics, counters) and on it."""
import numpy as np
import pytest

import autograd as ag
import nn
import optim
from autograd.compile import CompileError
from autograd.random import default_generator

# (training, batch size) for each of 20 steps: call 1 of a key (the batch size) runs eagerly, call 2
# records, later calls replay; a train/eval switch misses the entry's checks and records at once
SCHEDULE = [(True, 8)] * 10 + [(False, 8)] * 4 + [(True, 8)] * 3 + [(True, 5)] * 3
ENTRIES, REPLAYS = 3, 8 + 3 + 3 + 1  # (train, 8), (eval, 8), (train, 5)


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Dropout(0.25))
        self.head = nn.Linear(4 * 3 * 3, 3)

    def forward(self, x):  # (N, 1, 8, 8)
        return self.head(self.features(x).flatten(1))


class LSTMClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(5, 6, num_layers=2, dropout=0.3, batch_first=True)
        self.head = nn.Linear(6, 3)

    def forward(self, x):  # (N, T, 5)
        output, _ = self.lstm(x)
        return self.head(output[:, -1])


class TransformerClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.TransformerEncoderLayer(8, nhead=2, dim_feedforward=16, dropout=0.2, batch_first=True)
        self.head = nn.Linear(8, 3)

    def forward(self, x):  # (N, T, 8)
        return self.head(self.encoder(x).mean(dim=1))


MODELS = {"cnn": (CNN, (1, 8, 8)), "lstm": (LSTMClassifier, (4, 5)), "transformer": (TransformerClassifier, (3, 8))}
# dropout's draws in a training step: the CNN's Dropout; the LSTM's between its layers, once per
# time step; the transformer's on the attention weights (F.scaled_dot_product_attention's
# dropout_p), after attention, and inside and after the feed-forward block
DRAWS = {"cnn": 1, "lstm": 4, "transformer": 4}

OPTIMIZERS = {
    "sgd-momentum": lambda p: optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-3),
    "sgd-nesterov": lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, dampening=0),
    "adam": lambda p: optim.Adam(p, lr=1e-2),
    "adamw": lambda p: optim.AdamW(p, lr=1e-2, weight_decay=0.1),
}


def _batches(shape, seed=1):
    rng = np.random.default_rng(seed)
    return [(ag.from_numpy(rng.standard_normal((n,) + shape).astype(np.float32)),
             ag.from_numpy(rng.integers(0, 3, n))) for _, n in SCHEDULE]


def _train(model_name, optimizer_name, compiled):
    """Trains a fresh model on the schedule's batches (dropout drawing from the default generator);
    returns what must agree bit for bit, and the compiled function."""
    make_model, shape = MODELS[model_name]
    ag.manual_seed(0)
    model = make_model()
    optimizer = OPTIMIZERS[optimizer_name](model.parameters())
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=4, gamma=0.5)

    def step(x, y):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    run = ag.compile(step, enabled=compiled)
    losses = []
    for (training, _), (x, y) in zip(SCHEDULE, _batches(shape)):
        model.train(training)
        losses.append(np.asarray(run(x, y)).copy())
        scheduler.step()
    outcome = {
        "losses": losses,
        "parameters": [p.detach().numpy().copy() for p in model.parameters()],
        "grads": [p.grad.numpy().copy() for p in model.parameters()],
        "optimizer state": [{k: np.asarray(v).copy() for k, v in s.items()} for s in optimizer.state.values()],
        "buffers": [b.numpy().copy() for b in model.buffers()],
        "buffer versions": [np.asarray(b._version) for b in model.buffers()],
        "generator": [np.asarray(default_generator().get_state()["state"]["state"])],
    }
    return outcome, run


def _same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        if isinstance(x, dict):
            assert x.keys() == y.keys()
            _same(list(x.values()), list(y.values()))
        else:
            assert x.dtype == y.dtype and x.shape == y.shape
            assert np.array_equal(x, y), np.abs(x - y).max()  # bit for bit (no NaNs here)


@pytest.mark.parametrize("optimizer_name", OPTIMIZERS)
@pytest.mark.parametrize("model_name", MODELS)
def test_model_compiled_equals_eager_bit_for_bit(model_name, optimizer_name):
    eager, _ = _train(model_name, optimizer_name, compiled=False)
    compiled, run = _train(model_name, optimizer_name, compiled=True)
    for what in eager:
        try:
            _same(eager[what], compiled[what])
        except AssertionError as error:
            raise AssertionError(f"{what} differ: {error}") from None
    entries = [e for es in run.entries.values() for e in es]
    assert len(entries) == ENTRIES and sum(e.replays for e in entries) == REPLAYS
    assert run.source.count("uniform draw") == DRAWS[model_name]  # the latest entry's: training


def test_batch_norm_running_statistics_and_counter_are_written_in_place():
    ag.manual_seed(0)
    norm = nn.BatchNorm1d(3)
    def forward(x):
        with ag.no_grad():  # (statistics only: a compiled forward that requires grad would raise)
            return norm(x).sum()

    run = ag.compile(forward)
    version = norm.running_mean._version
    for i in range(5):
        run(ag.from_numpy(np.full((4, 3), float(i), np.float32) + np.arange(4, dtype=np.float32)[:, None]))
    assert int(norm.num_batches_tracked) == 5 and norm.running_mean._version == version + 5 * 2  # mul_, add_
    mean = 0.0
    for i in range(5):
        mean = 0.9 * mean + 0.1 * (i + 1.5)
    assert np.allclose(norm.running_mean.numpy(), mean)
    assert "add_into" in run.source and "_bump_version()" in run.source


# ---- random draws ---------------------------------------------------------------------------

def _draws(generator):
    """Every kind of draw, from `generator` (None: the default)."""
    def step(w):
        return (ag.rand(2, 3, generator=generator), ag.randn(4, generator=generator) * w,
                ag.randint(0, 10, (5,), generator=generator), ag.randperm(6, generator=generator),
                ag.normal(w, 2.0, generator=generator),
                ag.bernoulli(ag.rand(7, generator=generator), generator=generator),
                ag.multinomial(ag.rand(2, 4, generator=generator) + 0.1, 3, generator=generator),
                ag.multinomial(ag.rand(4, generator=generator) + 0.1, 5, replacement=True, generator=generator),
                ag.empty(3).uniform_(-1.0, 1.0, generator=generator),
                ag.empty(2).normal_(1.0, 3.0, generator=generator))
    return step


DRAWN = 13  # the draws of one call of _draws' step (bernoulli and multinomial draw their input too)


@pytest.mark.parametrize("explicit", [False, True], ids=["default-generator", "explicit-generator"])
def test_draws_replay_on_the_generator_in_force(explicit):
    """Compiled and eager calls give the same numbers and leave the generator in the same state;
    manual_seed between calls (a new NumPy generator behind the default) is seen by a replay."""
    results = []
    for compiled in (False, True):
        generator = ag.Generator().manual_seed(7) if explicit else None
        source = generator if explicit else default_generator()
        source.manual_seed(7)
        run = ag.compile(_draws(generator), enabled=compiled)
        w = ag.tensor([1.0, 2.0, 3.0, 4.0])
        outputs = [run(w) for _ in range(3)]
        source.manual_seed(11)  # re-seeding replaces the NumPy generator: replays must draw from the new one
        outputs += [run(w) for _ in range(2)]
        results.append(([o.numpy().copy() for out in outputs for o in out], source.get_state()))
        if compiled:
            assert sum(e.replays for es in run.entries.values() for e in es) == 3
            assert run.source.count(" draw  (") == DRAWN
    (eager, eager_state), (compiled_values, compiled_state) = results
    _same(eager, compiled_values)
    assert eager_state == compiled_state
    per_call = len(eager) // 5
    assert not np.array_equal(eager[0], eager[per_call])  # successive calls drew different numbers


def test_a_random_tensor_that_requires_grad_cannot_be_recorded():
    run = ag.compile(lambda: ag.randn(3, requires_grad=True).sum())
    run()
    with pytest.raises(CompileError, match="requires grad"):
        run()


# ---- in-place operations --------------------------------------------------------------------

def _writes_outside_the_graph(compiled):
    counter, total = ag.tensor(0, dtype=ag.int64), ag.zeros(3)

    def step(x):
        acc = ag.zeros(3)
        acc[0:2] = x[:2] * 2  # (through a view of it)
        with ag.no_grad():
            counter.add_(1)
            total.add_(x, alpha=0.5).clamp_(max=4.0)
            total[1:].mul_(0.5)  # (a view: the version counter it bumps is total's)
            acc.mul_(x).sub_(1.0)
            x.div_(2.0)
            x[:1].add_(1.0)
        return acc

    run = ag.compile(step, enabled=compiled)
    xs = [ag.tensor([1.0, 2.0, float(i)]) for i in range(5)]
    accs = [run(x).numpy().copy() for x in xs]
    return accs + [x.numpy() for x in xs] + [counter.numpy(), total.numpy(),
                                             np.asarray([x._version for x in xs] + [counter._version, total._version])]


def test_in_place_writes_outside_the_graph():
    """Into a buffer (read by reference, its version bumped), an argument, and a tensor made in the
    call (a fresh copy on every replay, as every eager call makes it afresh)."""
    eager, compiled = _writes_outside_the_graph(False), _writes_outside_the_graph(True)
    _same(eager, compiled)
    assert int(compiled[-3]) == 5 and compiled[-1].tolist() == [2] * 5 + [5, 15]


def test_a_tensor_made_in_the_call_and_returned_is_fresh_on_every_call():
    run = ag.compile(lambda x: (ag.zeros(2), x * 2))
    for _ in range(4):
        made, _ = run(ag.ones(2))
        assert made.numpy().tolist() == [0.0, 0.0]
        with ag.no_grad():
            made.add_(1.0)  # the caller's to change: no later call sees it


def _ops_on_the_graph(compiled):
    w = ag.tensor([0.5, -1.0, 2.0, 3.0], requires_grad=True)

    def step(x):
        w.grad = None
        h = w * x
        h.mul_(x)  # the product saves the old h: the graph keeps a copy of it
        h[1:3] += w[:2]
        h.clamp_(min=-1.0)
        loss = h.sum()
        loss.backward()
        return loss

    run = ag.compile(step, enabled=compiled)
    out = [np.asarray(run(ag.tensor([1.0, float(i), 2.0, -1.0]))) for i in range(4)]
    return out + [w.grad.numpy().copy()], run


def test_in_place_ops_on_the_graph():
    """mul_ on an intermediate, and a write through a view of one: the copy of the old value and the
    write into the target's storage are recorded; values and gradients as eager."""
    (eager, _), (compiled, run) = _ops_on_the_graph(False), _ops_on_the_graph(True)
    _same(eager, compiled)
    assert sum(e.replays for es in run.entries.values() for e in es) == 2
    assert "the value before an in-place op" in run.source


def test_assignment_through_tensor_indices_raises():
    w = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)

    def step(i):
        h = w * 2
        h[i] = 0.0  # the indices would be frozen at this call's
        return h.sum()

    run = ag.compile(step)
    run(ag.tensor([0]))
    with pytest.raises(CompileError, match="indices"):
        run(ag.tensor([0]))
