"""Every layer and activation against PyTorch (same weights, same input: outputs, input and
parameter gradients, buffers, repr), check_module on each, and the layers' own semantics."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F


def _indices(shape, high):
    return lambda rng: rng.integers(0, high, size=shape)


def _away_from(shape, threshold):
    """Normal values kept 0.1 away from a kink at `threshold` (where one-sided gradients differ)."""
    def draw(rng):
        x = rng.standard_normal(shape) * 3
        return np.where(np.abs(x - threshold) < 0.1, threshold + 0.5, x)
    return draw


# (class name, constructor args, constructor kwargs, input: a shape for N(0, 1) data or a draw(rng))
LAYERS = [
    ("Linear", (5, 3), {}, (4, 5)),
    ("Linear", (5, 3), {"bias": False}, (2, 4, 5)),
    ("Linear", (5, 3), {}, (5,)),
    ("Identity", (), {}, (2, 3)),
    ("Flatten", (), {}, (2, 3, 2, 2)),
    ("Flatten", (0, 2), {}, (2, 3, 2, 2)),
    ("Unflatten", (1, (2, 3)), {}, (2, 6)),
    ("Conv2d", (2, 3, 3), {}, (2, 2, 6, 5)),
    ("Conv2d", (2, 4, (3, 2)), {"stride": 2, "padding": 1}, (2, 2, 7, 6)),
    ("Conv2d", (2, 3, (3, 2)), {"stride": (2, 1), "padding": (2, 0), "bias": False}, (1, 2, 7, 6)),
    ("Conv2d", (2, 3, (4, 3)), {"padding": "same"}, (1, 2, 6, 5)),
    ("Conv2d", (2, 3, 3), {"padding": "same", "dilation": 2}, (1, 2, 7, 6)),
    ("Conv2d", (2, 3, 3), {"padding": "valid"}, (1, 2, 5, 5)),
    ("Conv2d", (2, 3, 2), {"dilation": (2, 3), "padding": 1}, (2, 2, 6, 7)),
    ("Conv2d", (4, 6, 3), {"groups": 2, "padding": 1}, (2, 4, 5, 5)),
    ("Conv2d", (3, 3, 3), {"groups": 3}, (1, 3, 5, 5)),
    ("Conv2d", (2, 3, 3), {"padding": 2, "padding_mode": "reflect"}, (1, 2, 5, 6)),
    ("Conv2d", (2, 3, 3), {"padding": 1, "padding_mode": "replicate"}, (1, 2, 5, 6)),
    ("Conv2d", (2, 3, 3), {"padding": (1, 2), "padding_mode": "circular"}, (1, 2, 5, 6)),
    ("Conv2d", (2, 3, 3), {"padding": 1}, (2, 5, 5)),  # unbatched
    ("MaxPool2d", (2,), {}, (2, 3, 6, 6)),
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1}, (2, 2, 7, 6)),
    ("MaxPool2d", ((2, 3),), {"stride": (1, 2), "dilation": (2, 1)}, (1, 2, 7, 8)),
    ("MaxPool2d", (3,), {"stride": 2, "ceil_mode": True}, (1, 2, 8, 7)),
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True, "return_indices": True}, (2, 2, 6, 7)),
    ("MaxPool2d", (2,), {"return_indices": True}, (2, 5, 4)),  # unbatched
    ("AvgPool2d", (2,), {}, (2, 3, 6, 6)),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1}, (2, 2, 7, 6)),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False}, (2, 2, 7, 6)),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}, (1, 2, 8, 7)),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}, (1, 2, 8, 7)),
    ("AvgPool2d", ((2, 3),), {"stride": (2, 1), "divisor_override": 4}, (1, 2, 6, 7)),
    ("AdaptiveAvgPool2d", (1,), {}, (2, 3, 5, 4)),
    ("AdaptiveAvgPool2d", ((3, 2),), {}, (2, 2, 7, 5)),
    ("AdaptiveAvgPool2d", ((None, 3),), {}, (1, 2, 4, 8)),
    ("AdaptiveAvgPool2d", (4,), {}, (2, 4, 4)),  # unbatched; output size equal to the input
    ("BatchNorm1d", (3,), {}, (6, 3)),
    ("BatchNorm1d", (3,), {}, (4, 3, 5)),
    ("BatchNorm1d", (3,), {"affine": False, "momentum": None}, (5, 3)),
    ("BatchNorm2d", (3,), {}, (2, 3, 4, 5)),
    ("BatchNorm2d", (3,), {"momentum": 0.3, "eps": 1e-3}, (2, 3, 4, 5)),
    ("BatchNorm2d", (3,), {"bias": False}, (3, 3, 2, 2)),
    ("BatchNorm2d", (3,), {"track_running_stats": False}, (2, 3, 3, 3)),
    ("LayerNorm", (4,), {}, (3, 4)),
    ("LayerNorm", ((3, 4),), {"eps": 1e-3}, (2, 3, 4)),
    ("LayerNorm", (4,), {"elementwise_affine": False}, (2, 3, 4)),
    ("LayerNorm", (4,), {"bias": False}, (2, 4)),
    ("Embedding", (10, 3), {}, _indices((2, 5), 10)),
    ("Embedding", (10, 3), {"padding_idx": 0}, lambda rng: np.array([[0, 3, 0], [5, 9, 1]])),
    ("Embedding", (10, 3), {"padding_idx": -1}, lambda rng: np.array([9, 2, 9, 9])),
    ("Dropout", (0.5,), {}, (3, 4)),  # compared in eval mode (the identity); train mode below
    ("ReLU", (), {}, _away_from((3, 4), 0.0)),
    ("LeakyReLU", (), {}, _away_from((3, 4), 0.0)),
    ("LeakyReLU", (0.2,), {}, _away_from((3, 4), 0.0)),
    ("PReLU", (), {}, _away_from((2, 3, 4), 0.0)),
    ("PReLU", (3,), {"init": 0.1}, _away_from((2, 3, 4), 0.0)),
    ("PReLU", (3,), {}, _away_from((4, 3), 0.0)),
    ("ELU", (), {}, _away_from((3, 4), 0.0)),
    ("ELU", (0.5,), {}, _away_from((3, 4), 0.0)),
    ("GELU", (), {}, (3, 4)),
    ("GELU", (), {"approximate": "tanh"}, (3, 4)),
    ("SiLU", (), {}, (3, 4)),
    ("Sigmoid", (), {}, lambda rng: rng.standard_normal((3, 4)) * 10),
    ("Tanh", (), {}, (3, 4)),
    ("Softplus", (), {}, (3, 4)),
    ("Softplus", (), {"beta": 2.0, "threshold": 3.0}, _away_from((4, 5), 1.5)),
    ("Softmax", (), {"dim": 1}, (3, 4)),
    ("Softmax", (), {"dim": 0}, (3, 4, 2)),
    ("LogSoftmax", (), {"dim": -1}, (3, 4)),
    ("LogSoftmax", (), {"dim": 1}, lambda rng: rng.standard_normal((2, 3, 4)) * 50),
]
EVAL_ONLY = {"Dropout"}


def _case_id(case):
    name, args, kwargs, _ = case
    text = ",".join([repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()])
    return f"{name}({text})"


def _draw_input(spec, seed=0):
    rng = np.random.default_rng(seed)
    return spec(rng) if callable(spec) else rng.standard_normal(spec)


def _pair(torch, name, args, kwargs):
    torch.manual_seed(0)
    return getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note about its own even-kernel copy
@pytest.mark.parametrize("case", LAYERS, ids=_case_id)
def test_layer_matches_torch(reference, torch, case):
    name, args, kwargs, spec = case
    ours, theirs = _pair(torch, name, args, kwargs)
    assert repr(ours) == repr(theirs)
    if name in EVAL_ONLY:
        ours.eval(), theirs.eval()
    reference.compare_module(ours, theirs, _draw_input(spec))
    if name.startswith("BatchNorm"):  # a second training step, then eval with the running statistics
        reference.compare_module(ours, theirs, _draw_input(spec, seed=1), load=False)
        ours.eval(), theirs.eval()
        reference.compare_module(ours, theirs, _draw_input(spec, seed=2), load=False)


@pytest.mark.parametrize("case", [c for c in LAYERS if c[0] != "Embedding"], ids=_case_id)
def test_check_module_passes_on_every_layer(case):
    name, args, kwargs, spec = case
    ag.manual_seed(0)
    layer = getattr(nn, name)(*args, **kwargs)
    if name in EVAL_ONLY:
        layer.eval()
    report = ag.check_module(layer, ag.tensor(_draw_input(spec)))
    assert report.passed, str(report)


class _Lookup(nn.Module):
    """Embedding with its indices fixed, so check_module sees only float inputs."""

    def __init__(self, embedding, indices):
        super().__init__()
        self.embedding, self.indices = embedding, indices

    def forward(self):
        return self.embedding(self.indices)


def test_check_module_embedding_weight():
    ag.manual_seed(0)
    report = ag.check_module(_Lookup(nn.Embedding(5, 3), ag.tensor([[0, 1, 1], [4, 1, 0]])))
    assert report.passed, str(report)


def test_embedding_padding_row_gets_no_gradient():
    layer = nn.Embedding(5, 3, padding_idx=1)
    layer(ag.tensor([[0, 1, 1], [4, 1, 0]])).sum().backward()
    assert np.asarray(layer.weight.grad).tolist() == [[2.0] * 3, [0.0] * 3, [0.0] * 3, [0.0] * 3, [1.0] * 3]


def test_check_module_with_integer_input():
    ag.manual_seed(0)
    assert ag.check_module(nn.Embedding(5, 3), ag.tensor([[0, 2], [4, 1]])).passed


# ---- semantics beyond a single forward ----------------------------------------------------

def test_dropout_train_mode_statistics_and_eval_identity():
    ag.manual_seed(0)
    layer = nn.Dropout(0.3)
    x = ag.ones(200, 500, requires_grad=True)
    y = layer(x)
    values = np.asarray(y.detach())
    zeroed = values == 0
    assert abs(zeroed.mean() - 0.3) < 0.01  # fraction dropped ~ p (100k draws: sd 0.0015)
    np.testing.assert_allclose(values[~zeroed], 1 / 0.7, rtol=1e-6)  # survivors scaled by 1 / (1 - p)
    assert abs(values.mean() - 1.0) < 0.02  # mean preserved
    y.sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), values)  # gradient = the same mask and scale
    layer.eval()
    assert layer(x) is x
    assert np.asarray(nn.Dropout(1.0)(ag.ones(5))).tolist() == [0.0] * 5
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_dropout_is_reproducible_from_the_seed():
    ag.manual_seed(3)
    first = np.asarray(F.dropout(ag.ones(50), 0.5))
    ag.manual_seed(3)
    np.testing.assert_array_equal(np.asarray(F.dropout(ag.ones(50), 0.5)), first)
    assert F.dropout(ag.ones(3), 0.5, training=False).tolist() == [1.0, 1.0, 1.0]


def test_batchnorm_running_statistics_by_hand():
    ag.manual_seed(0)
    bn = nn.BatchNorm1d(2, momentum=0.5)
    x = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]], dtype=np.float32)
    bn(ag.tensor(x))
    np.testing.assert_allclose(np.asarray(bn.running_mean), 0.5 * x.mean(0), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(bn.running_var), 0.5 + 0.5 * x.var(0, ddof=1), rtol=1e-6)  # unbiased
    assert bn.num_batches_tracked.item() == 1 and bn.num_batches_tracked.dtype == ag.int64
    cumulative = nn.BatchNorm1d(2, momentum=None)
    batches = [np.random.default_rng(i).standard_normal((4, 2)) for i in range(3)]
    for batch in batches:
        cumulative(ag.tensor(batch))
    np.testing.assert_allclose(np.asarray(cumulative.running_mean), np.mean([b.mean(0) for b in batches], 0), rtol=1e-5)
    assert cumulative.num_batches_tracked.item() == 3
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(2)(ag.ones(1, 2))
    with pytest.raises(ValueError, match="expected 4D input"):
        nn.BatchNorm2d(2)(ag.ones(3, 2))


def test_batchnorm_eval_uses_running_statistics_without_updating_them():
    bn = nn.BatchNorm2d(2).eval()
    with ag.no_grad():
        bn.running_mean.copy_(ag.tensor([1.0, -1.0]))
        bn.running_var.copy_(ag.tensor([4.0, 0.25]))
    x = ag.ones(1, 2, 2, 2)
    expected = np.array([0.0, 2.0 / np.sqrt(0.25 + 1e-5)]).reshape(1, 2, 1, 1)
    np.testing.assert_allclose(np.asarray(bn(x)), np.broadcast_to(expected, (1, 2, 2, 2)), rtol=1e-5)
    assert bn.num_batches_tracked.item() == 0 and bn.running_mean.tolist() == [1.0, -1.0]


def test_max_pool_sends_the_gradient_to_the_first_maximum_only():
    x = ag.tensor([[[[1.0, 3.0], [3.0, 0.0]]]], requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    assert x.grad.tolist() == [[[[0.0, 1.0], [0.0, 0.0]]]]


def test_max_pool_and_conv_errors_name_the_problem():
    with pytest.raises(ValueError, match="pad should be at most half"):
        F.max_pool2d(ag.ones(1, 1, 5, 5), 3, padding=2)
    with pytest.raises(ValueError, match="output is too small"):
        F.max_pool2d(ag.ones(1, 1, 2, 2), 3)
    with pytest.raises(ValueError, match="kernel"):
        F.conv2d(ag.ones(1, 1, 2, 2), ag.ones(1, 1, 3, 3))
    with pytest.raises(ValueError, match="channels"):
        F.conv2d(ag.ones(1, 2, 5, 5), ag.ones(4, 3, 3, 3))
    with pytest.raises(ValueError, match="strided"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="in_features"):
        nn.Linear(3, 2)(ag.ones(2, 4))
    with pytest.raises(ValueError, match="normalized_shape"):
        nn.LayerNorm(5)(ag.ones(3, 4))
    with pytest.raises(IndexError, match="out of range"):
        nn.Embedding(3, 2)(ag.tensor([3]))


def test_conv_and_pool_have_no_per_pixel_graph():
    """im2col: the graph of a convolution has a handful of nodes whatever the image size."""
    def count_nodes(size):
        x = ag.randn(1, 2, size, size, requires_grad=True)
        out = F.max_pool2d(F.conv2d(x, ag.randn(3, 2, 3, 3, requires_grad=True), padding=1), 2)
        seen, stack = set(), [out.grad_fn]
        while stack:
            node = stack.pop()
            if node is not None and id(node) not in seen:
                seen.add(id(node))
                stack.extend(node.inputs)
        return len(seen)
    assert count_nodes(4) == count_nodes(32) < 30


def test_embedding_padding_row_starts_at_zero_and_max_norm_renormalises(torch, reference):
    ag.manual_seed(0)
    layer = nn.Embedding(6, 4, padding_idx=2)
    assert np.asarray(layer.weight.detach())[2].tolist() == [0.0] * 4
    ours, theirs = _pair(torch, "Embedding", (6, 4), {"max_norm": 1.0})
    reference.load(ours, theirs)
    reference.compare_module(ours, theirs, np.array([[0, 1], [1, 5]]), load=False)
    norms = np.linalg.norm(np.asarray(ours.weight.detach())[[0, 1, 5]], axis=1)
    assert (norms <= 1.0 + 1e-6).all()


def test_pretrained_embedding_is_frozen():
    table = ag.arange(6.0).reshape(3, 2)
    layer = nn.Embedding.from_pretrained(table)
    assert not layer.weight.requires_grad
    assert layer(ag.tensor([2])).tolist() == [[4.0, 5.0]]


def test_functional_pad_modes_match_torch(reference, torch):
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 5))
    for mode in ("constant", "reflect", "replicate", "circular"):
        reference.compare(lambda t, m=mode: F.pad(t, (1, 2, 3, 0), mode=m),
                          lambda t, m=mode: torch.nn.functional.pad(t, (1, 2, 3, 0), mode=m), x)
    reference.compare(lambda t: F.pad(t, (2, 1), value=-1.5), lambda t: torch.nn.functional.pad(t, (2, 1), value=-1.5), x)


def test_one_hot_matches_torch(torch):
    labels = np.array([[0, 3], [2, 1]])
    np.testing.assert_array_equal(np.asarray(F.one_hot(ag.tensor(labels))),
                                  torch.nn.functional.one_hot(torch.tensor(labels)).numpy())
    assert F.one_hot(ag.tensor([1]), num_classes=3).tolist() == [[0, 1, 0]]
    assert F.one_hot(ag.tensor([1])).dtype == ag.int64


@pytest.mark.parametrize("fn", ["relu", "leaky_relu", "elu", "gelu", "silu", "sigmoid", "tanh", "softplus"])
def test_functional_activations_match_torch(reference, torch, fn):
    x = _away_from((3, 5), 0.0)(np.random.default_rng(1))
    reference.compare(getattr(F, fn), getattr(torch.nn.functional, fn), x)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_family_is_stable_and_twice_differentiable(reference, torch, fn):
    x = np.array([[1e4, -1e4, 0.0], [3.0, 3.0, -1e4]])
    ours, _ = reference.compare(lambda t: getattr(F, fn)(t, dim=1), lambda t: getattr(torch, fn)(t, dim=1), x)
    assert np.isfinite(np.asarray(ours.detach())).all()
    y = ag.randn(3, 4, dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(lambda t: getattr(F, fn)(t, dim=0), (y,))
    assert ag.gradgradcheck(lambda t: getattr(F, fn)(t, dim=1), (y,))


def test_layers_follow_the_default_dtype_and_convert():
    layer = nn.Linear(3, 2)
    assert layer.weight.dtype == ag.float32
    assert nn.Linear(3, 2, dtype=ag.float64).weight.dtype == ag.float64
    out = layer.double()(ag.ones(1, 3, dtype=ag.float64))
    assert out.dtype == ag.float64


@pytest.mark.parametrize("fn", [
    lambda x, w: F.conv2d(x, w, padding=1, stride=2),
    lambda x, w: F.conv2d(x, w[:, :1], groups=2, dilation=2),
    lambda x, w: F.max_pool2d(x * w.sum(), 2, stride=1),
    lambda x, w: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False) * w.sum(),
    lambda x, w: F.batch_norm(x, None, None, w[0, 0, 0, :2] + 1, None, training=True),
], ids=["conv2d", "conv2d-groups-dilation", "max_pool2d", "avg_pool2d", "batch_norm"])
def test_second_derivatives_of_conv_pool_and_batch_norm(fn):
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((1, 2, 5, 5)), requires_grad=True)
    w = ag.tensor(rng.standard_normal((2, 2, 3, 3)), requires_grad=True)
    assert ag.gradgradcheck(fn, (x, w))
