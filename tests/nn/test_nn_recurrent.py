"""The recurrent layers, their cells and nn.utils.rnn against PyTorch (same weights through the
state_dict, float64: outputs, final states, input and initial-state gradients and every
parameter gradient), check_module on each, the fused steps against the composed ones, and the
layers' own semantics (dropout between layers, errors, reprs, packing)."""
import doctest
import importlib

import numpy as np
import pytest

import autograd as ag
import nn
from nn.functional import recurrent as R
from nn.utils.rnn import pack_padded_sequence, pack_sequence, pad_packed_sequence, pad_sequence


def _flat(lib, parts):
    """Every tensor in a nested (output, hidden) result, flattened into one vector."""
    if isinstance(parts, (tuple, list)):
        return lib.cat([_flat(lib, p) for p in parts])
    return parts.reshape(-1)


def _wrap(lib, base, layer, lengths=None, batch_first=False):
    """A module whose forward(x, *states) runs `layer` (through packing when `lengths` is given)
    and returns all its outputs as one flat vector, so one upstream gradient reaches every one."""
    pack = importlib.import_module("torch.nn.utils.rnn" if lib.__name__ == "torch" else "nn.utils.rnn")

    class Flat(base):
        def __init__(self):
            super().__init__()
            self.layer = layer

        def forward(self, x, *states):
            hx = None if not states else (tuple(states) if len(states) == 2 else states[0])
            if lengths is None:
                return _flat(lib, self.layer(x, hx))
            packed = pack.pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=False)
            output, hidden = self.layer(packed, hx)
            padded, _ = pack.pad_packed_sequence(output, batch_first=batch_first)
            return _flat(lib, (padded, hidden))
    return Flat()


def _pair(torch, name, args, kwargs, lengths=None):
    torch.manual_seed(0)
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    batch_first = kwargs.get("batch_first", False)
    return (_wrap(ag, nn.Module, ours, lengths, batch_first), _wrap(torch, torch.nn.Module, theirs, lengths, batch_first))


def _states(name, kwargs, batch, hidden, unbatched=False):
    """Shapes of (h_0,) or (h_0, c_0) for a layer built with `kwargs`."""
    layers = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
    lead = (layers,) if unbatched else (layers, batch)
    h = lead + (kwargs.get("proj_size") or hidden,)
    return [h, lead + (hidden,)] if name == "LSTM" else [h]


# (class, kwargs, input shape (L, N, I) or (N, L, I) with batch_first, or (L, I) unbatched, initial states given)
LAYERS = [
    ("LSTM", {}, (4, 3, 2), False),
    ("LSTM", {"num_layers": 2}, (4, 3, 2), True),
    ("LSTM", {"bidirectional": True}, (4, 3, 2), True),
    ("LSTM", {"num_layers": 2, "bidirectional": True, "batch_first": True}, (3, 4, 2), True),
    ("LSTM", {"proj_size": 2}, (4, 3, 2), True),
    ("LSTM", {"proj_size": 2, "num_layers": 2, "bidirectional": True, "bias": False}, (3, 2, 2), False),
    ("LSTM", {}, (4, 2), True),  # unbatched
    ("GRU", {}, (4, 3, 2), False),
    ("GRU", {"num_layers": 2, "bidirectional": True}, (4, 3, 2), True),
    ("GRU", {"batch_first": True, "bias": False}, (3, 4, 2), True),
    ("GRU", {}, (4, 2), False),  # unbatched
    ("RNN", {}, (4, 3, 2), True),
    ("RNN", {"nonlinearity": "relu", "num_layers": 2}, (4, 3, 2), True),
    ("RNN", {"nonlinearity": "relu", "bidirectional": True, "batch_first": True}, (3, 4, 2), False),
]
HIDDEN = 3


def _case_id(case):
    name, kwargs, shape, with_states = case
    options = ",".join(f"{k}={v}" for k, v in kwargs.items())
    return f"{name}({options})-{'x'.join(map(str, shape))}{'-h0' if with_states else ''}"


def _arrays(name, kwargs, shape, with_states, seed=0):
    rng = np.random.default_rng(seed)
    unbatched = len(shape) == 2
    batch = shape[0] if kwargs.get("batch_first") else shape[1]
    states = _states(name, kwargs, batch, HIDDEN, unbatched) if with_states else []
    return [rng.standard_normal(shape)] + [rng.standard_normal(s) for s in states]


@pytest.mark.parametrize("case", LAYERS, ids=_case_id)
def test_layer_matches_torch(reference, torch, case):
    name, kwargs, shape, with_states = case
    ours, theirs = _pair(torch, name, (shape[-1], HIDDEN), kwargs)
    reference.compare_module(ours, theirs, *_arrays(name, kwargs, shape, with_states))


PACKED = [
    ("LSTM", {"num_layers": 2, "bidirectional": True}, False),
    ("LSTM", {"num_layers": 2, "bidirectional": True, "batch_first": True, "proj_size": 2}, True),
    ("GRU", {"bidirectional": True}, True),
    ("RNN", {"num_layers": 2}, False),
]


@pytest.mark.parametrize("case", PACKED, ids=lambda c: f"{c[0]}({','.join(f'{k}={v}' for k, v in c[1].items())})")
def test_layer_on_packed_sequences_of_unequal_lengths_matches_torch(reference, torch, case):
    name, kwargs, with_states = case
    lengths = [3, 5, 1, 4]  # unsorted: enforce_sorted=False sorts and unsorts
    shape = (4, 5, 2) if kwargs.get("batch_first") else (5, 4, 2)
    ours, theirs = _pair(torch, name, (2, HIDDEN), kwargs, lengths=lengths)
    reference.compare_module(ours, theirs, *_arrays(name, kwargs, shape, with_states))


def test_packed_output_is_a_packed_sequence_like_torchs(torch):
    torch.manual_seed(0)
    theirs = torch.nn.LSTM(2, 3, bidirectional=True).double()
    ours = nn.LSTM(2, 3, bidirectional=True).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 3, 2))
    out, (h, c) = ours(pack_padded_sequence(ag.tensor(x), [2, 4, 3], enforce_sorted=False))
    expected, (h_t, c_t) = theirs(torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), [2, 4, 3],
                                                                            enforce_sorted=False))
    assert isinstance(out, nn.utils.rnn.PackedSequence)
    for field in ("batch_sizes", "sorted_indices", "unsorted_indices"):
        np.testing.assert_array_equal(np.asarray(getattr(out, field)), getattr(expected, field).numpy())
    np.testing.assert_allclose(np.asarray(out.data.detach()), expected.data.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(np.asarray(h.detach()), h_t.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(np.asarray(c.detach()), c_t.detach().numpy(), rtol=1e-10)


CELLS = [
    ("LSTMCell", {}, (3, 2), True),
    ("LSTMCell", {"bias": False}, (3, 2), False),
    ("LSTMCell", {}, (2,), True),  # unbatched
    ("GRUCell", {}, (3, 2), True),
    ("GRUCell", {}, (3, 2), False),
    ("GRUCell", {"bias": False}, (2,), True),
    ("RNNCell", {}, (3, 2), True),
    ("RNNCell", {"nonlinearity": "relu"}, (3, 2), True),
    ("RNNCell", {"nonlinearity": "relu", "bias": False}, (2,), False),
]


def _cell_arrays(name, shape, with_states, seed=0):
    rng = np.random.default_rng(seed)
    states = [shape[:-1] + (HIDDEN,)] * ((2 if name == "LSTMCell" else 1) if with_states else 0)
    return [rng.standard_normal(shape)] + [rng.standard_normal(s) for s in states]


@pytest.mark.parametrize("case", CELLS, ids=_case_id)
def test_cell_matches_torch(reference, torch, case):
    name, kwargs, shape, with_states = case
    ours, theirs = _pair(torch, name, (shape[-1], HIDDEN), kwargs)
    reference.compare_module(ours, theirs, *_cell_arrays(name, shape, with_states))


CHECKED = [c for c in LAYERS if c[2][0] <= 3 or c[1].get("bidirectional") is not True][:8] + LAYERS[-2:]


@pytest.mark.parametrize("case", CHECKED + CELLS, ids=_case_id)
def test_check_module_passes(case):
    name, kwargs, shape, with_states = case
    ag.manual_seed(0)
    layer = _wrap(ag, nn.Module, getattr(nn, name)(shape[-1], HIDDEN, **kwargs).double())
    arrays = _cell_arrays(name, shape, with_states) if name.endswith("Cell") else \
        _arrays(name, kwargs, shape, with_states)
    report = ag.check_module(layer, *[ag.tensor(a) for a in arrays])
    assert report.passed, str(report)


def test_check_module_on_packed_bidirectional_lstm():
    ag.manual_seed(0)
    layer = _wrap(ag, nn.Module, nn.LSTM(2, 2, num_layers=2, bidirectional=True).double(), lengths=[2, 3, 1])
    x = ag.tensor(np.random.default_rng(0).standard_normal((3, 3, 2)))
    report = ag.check_module(layer, x)
    assert report.passed, str(report)


# ---- the fused steps ----------------------------------------------------------------------------

def _step_inputs(mode, batch=3, features=2, hidden=3, proj=0, seed=0):
    rng = np.random.default_rng(seed)
    gates = {"LSTM": 4, "GRU": 3}.get(mode, 1) * hidden
    out = proj or hidden
    state = out + hidden if mode == "LSTM" else hidden
    shapes = [(batch, features), (batch, state), (gates, features), (gates, out), (gates,), (gates,)]
    if proj:
        shapes.append((proj, hidden))
    return [ag.tensor(rng.uniform(-1.5, 1.5, s), requires_grad=True) for s in shapes]


STEP_CASES = [("LSTM", 0), ("LSTM", 2), ("GRU", 0), ("RNN_TANH", 0), ("RNN_RELU", 0)]


@pytest.mark.parametrize("mode,proj", STEP_CASES)
def test_fused_step_equals_composed_step(mode, proj):
    inputs = _step_inputs(mode, proj=proj)
    x, state, *weights = inputs
    fused, composed = R.STEPS[mode](x, state, weights), R.COMPOSED_STEPS[mode](x, state, weights)
    np.testing.assert_allclose(fused.detach().numpy(), composed.detach().numpy(), rtol=1e-12, atol=1e-14)
    upstream = ag.tensor(np.random.default_rng(1).standard_normal(fused.shape))
    for got, want in zip(ag.grad(fused, inputs, upstream), ag.grad(composed, inputs, upstream)):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode,proj", STEP_CASES[1:])  # the LSTM step without projection: tests/op_catalogue.py
def test_fused_step_gradcheck_and_gradgradcheck(mode, proj):
    inputs = _step_inputs(mode, batch=2, hidden=2, proj=proj)

    def step(x, state, *weights):
        return R.STEPS[mode](x, state, weights)
    assert ag.gradcheck(step, inputs)
    assert ag.gradgradcheck(step, inputs)


def test_fused_step_without_biases_gives_no_bias_gradients():
    x, state, w_ih, w_hh, _, _ = _step_inputs("LSTM")
    out = R.lstm_step(x, state, (w_ih, w_hh, None, None))
    out.sum().backward()
    assert w_ih.grad is not None and w_hh.grad is not None and state.grad is not None


def test_the_time_loop_is_one_node_per_step():
    """A fused step per time step and layer: an LSTM's graph grows by a few nodes per step."""
    def count(steps):
        layer = nn.LSTM(2, 3, num_layers=2)
        out, _ = layer(ag.randn(steps, 2, 2))
        seen, stack = set(), [out.grad_fn]
        while stack:
            node = stack.pop()
            if node is not None and node not in seen:
                seen.add(node)
                stack.extend(node.inputs)
        return len(seen)
    assert count(20) - count(10) <= 10 * 2 * 3  # per step and layer: the step, h out of [h | c], x_t


# ---- semantics ----------------------------------------------------------------------------------

def test_dropout_between_layers_in_training_only(torch):
    torch.manual_seed(0)
    theirs = torch.nn.LSTM(2, 3, num_layers=2, dropout=0.5).double().eval()
    ours = nn.LSTM(2, 3, num_layers=2, dropout=0.5).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 4, 2))
    ag.manual_seed(0)
    first, second = ours(ag.tensor(x))[0], ours(ag.tensor(x))[0]
    assert not np.allclose(first.detach().numpy(), second.detach().numpy())  # a fresh mask each call
    ours.eval()
    evaluated = ours(ag.tensor(x))[0]
    np.testing.assert_allclose(evaluated.detach().numpy(), theirs(torch.tensor(x))[0].detach().numpy(), rtol=1e-10)
    # the last layer has no dropout: with the first layer's dropout off, training equals eval
    no_dropout = nn.LSTM(2, 3, num_layers=1, dropout=0.0).double()
    no_dropout.load_state_dict({k: v for k, v in ours.state_dict().items() if k.endswith("l0")})
    np.testing.assert_allclose(no_dropout(ag.tensor(x))[0].detach().numpy(),
                               no_dropout.eval()(ag.tensor(x))[0].detach().numpy())
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.GRU(2, 3, dropout=0.2)
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.RNN(2, 3, dropout=1.5)


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(2, 3, proj_size=3)
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sigmoid'"):
        nn.RNN(2, 3, nonlinearity="sigmoid")
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size"):
        nn.GRU(2, 3)(ag.zeros(4, 3, 5))
    with pytest.raises(RuntimeError, match="Expected hidden\\[1\\] size \\(1, 3, 3\\), got \\[1, 2, 3\\]"):
        nn.LSTM(2, 3)(ag.zeros(4, 3, 2), (ag.zeros(1, 3, 3), ag.zeros(1, 2, 3)))
    with pytest.raises(RuntimeError, match="hx should also be 2-D"):
        nn.GRU(2, 3)(ag.zeros(4, 2), ag.zeros(1, 1, 3))
    with pytest.raises(ValueError, match="Expected input to be 2D or 3D"):
        nn.LSTM(2, 3)(ag.zeros(2))
    with pytest.raises(ValueError, match="does not match weight dtype"):
        nn.LSTM(2, 3)(ag.zeros(4, 3, 2, dtype=ag.float64))


def test_float32_layers_stay_float32():
    layer = nn.LSTM(2, 3, num_layers=2, bidirectional=True, proj_size=2)
    out, (h, c) = layer(ag.randn(4, 3, 2))
    (out.sum() + h.sum() + c.sum()).backward()
    assert {out.dtype, h.dtype, c.dtype} == {ag.float32}
    assert {p.grad.dtype for p in layer.parameters()} == {ag.float32}


def test_initialisation_is_uniform_in_one_over_sqrt_hidden():
    ag.manual_seed(0)
    layer = nn.GRU(8, 16, num_layers=2)
    values = np.concatenate([np.asarray(p.detach()).ravel() for p in layer.parameters()])
    assert np.abs(values).max() <= 0.25 and np.abs(values).max() > 0.24  # 1 / sqrt(16)
    assert len(layer.all_weights) == 2 and len(layer.all_weights[0]) == 4


# ---- nn.utils.rnn -------------------------------------------------------------------------------

def _sequences(lengths, features=2, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((n, features)) for n in lengths]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_matches_torch(reference, torch, batch_first, padding_side):
    arrays = _sequences([2, 4, 1])
    reference.compare(lambda *s: pad_sequence(s, batch_first, -1.0, padding_side),
                      lambda *s: torch.nn.utils.rnn.pad_sequence(list(s), batch_first, -1.0, padding_side), *arrays)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths", [[4, 2, 2], [1, 4, 3]])
def test_pack_and_pad_round_trip_matches_torch(reference, torch, batch_first, lengths):
    x = np.random.default_rng(0).standard_normal((3, 4, 2) if batch_first else (4, 3, 2))
    sorted_ = lengths == sorted(lengths, reverse=True)

    def ours(t):
        packed = pack_padded_sequence(t, lengths, batch_first, enforce_sorted=sorted_)
        return packed.data

    def theirs(t):
        return torch.nn.utils.rnn.pack_padded_sequence(t, lengths, batch_first, enforce_sorted=sorted_).data
    reference.compare(ours, theirs, x)
    reference.compare(
        lambda t: pad_packed_sequence(pack_padded_sequence(t, lengths, batch_first, sorted_), batch_first, 7.0, 6)[0],
        lambda t: torch.nn.utils.rnn.pad_packed_sequence(
            torch.nn.utils.rnn.pack_padded_sequence(t, lengths, batch_first, sorted_), batch_first, 7.0, 6)[0], x)
    packed = pack_padded_sequence(ag.tensor(x), lengths, batch_first, enforce_sorted=False)
    expected = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), lengths, batch_first, enforce_sorted=False)
    for field in ("batch_sizes", "sorted_indices", "unsorted_indices"):
        np.testing.assert_array_equal(np.asarray(getattr(packed, field)), getattr(expected, field).numpy())
    assert pad_packed_sequence(packed)[1].tolist() == lengths
    assert pad_packed_sequence(packed)[1].dtype == ag.int64


def test_pack_sequence_and_its_errors(torch):
    arrays = _sequences([3, 1, 2])
    packed = pack_sequence([ag.tensor(a) for a in arrays], enforce_sorted=False)
    expected = torch.nn.utils.rnn.pack_sequence([torch.tensor(a) for a in arrays], enforce_sorted=False)
    np.testing.assert_array_equal(np.asarray(packed.data), expected.data.numpy())
    assert np.asarray(packed.batch_sizes).tolist() == expected.batch_sizes.tolist()
    assert [s.shape for s in nn.utils.rnn.unpack_sequence(packed)] == [(3, 2), (1, 2), (2, 2)]
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        pack_sequence([ag.tensor(a) for a in arrays])
    with pytest.raises(RuntimeError, match="has to be greater than 0"):
        pack_padded_sequence(ag.zeros(3, 2, 1), [2, 0], enforce_sorted=False)
    with pytest.raises(ValueError, match="Expected total_length to be at least"):
        pad_packed_sequence(packed, total_length=2)
    a, b, *_ = packed
    assert a is packed.data and b is packed.batch_sizes  # a tuple, as PyTorch's


def test_docstring_examples_run():
    for name in ("nn.rnn", "nn.utils.rnn", "nn.functional.recurrent"):
        result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, f"{name}: {result.failed} docstring example(s) failed"
