"""The activations, losses, distances and functions added for sequence models, against PyTorch in
float64 (values and every input gradient, for each option), their reprs, check_module, and
their errors."""
import doctest
import importlib
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
from nn import functional as F

RNG = np.random.default_rng(1)


def _normal(*shape, scale=1.0):
    return RNG.standard_normal(shape) * scale


def _softmax(*shape):
    x = np.exp(RNG.standard_normal(shape))
    return x / x.sum(-1, keepdims=True)


def _signs(*shape):
    return RNG.choice(np.array([-1, 1]), size=shape)


def _modules(torch, name, kwargs):
    ours, theirs = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(ours) == repr(theirs)
    return ours, theirs


# ---- activations ---------------------------------------------------------------------------
ACTIVATIONS = [
    ("Hardtanh", {}, (3, 5)),
    ("Hardtanh", {"min_val": -2.0, "max_val": 0.5, "inplace": True}, (4, 3)),
    ("ReLU6", {}, (3, 5)),
    ("ReLU6", {"inplace": True}, (7,)),
    ("Hardsigmoid", {}, (3, 5)),
    ("Hardswish", {}, (2, 3, 4)),
    ("Mish", {}, (3, 5)),
    ("Mish", {"inplace": True}, (5,)),
    ("LogSigmoid", {}, (3, 5)),
    ("Softsign", {}, (3, 5)),
    ("GLU", {}, (3, 6)),
    ("GLU", {"dim": 1}, (2, 4, 3)),
]


@pytest.mark.parametrize("name, kwargs, shape", ACTIVATIONS, ids=[f"{a[0]}{i}" for i, a in enumerate(ACTIVATIONS)])
def test_activation_matches_torch(reference, torch, name, kwargs, shape):
    ours, _ = _modules(torch, name, kwargs)
    options = {k: v for k, v in kwargs.items() if k != "inplace"}  # torch's in-place variant refuses a leaf
    x = _normal(*shape, scale=4.0)  # reaches every piece of the piecewise ones (|x| > 3 and < 3)
    reference.compare(ours, getattr(torch.nn, name)(**options), x)
    functional = name.lower()
    reference.compare(lambda t: getattr(F, functional)(t, **options),
                      lambda t: getattr(torch.nn.functional, functional)(t, **options), x)


def test_hardtanh_gradient_is_zero_at_the_bounds(reference, torch):
    reference.compare(F.hardtanh, torch.nn.functional.hardtanh, np.array([-1.0, -0.5, 1.0, 2.0]))
    reference.compare(F.relu6, torch.nn.functional.relu6, np.array([0.0, 6.0, 3.0]))


def test_logsigmoid_is_finite_far_out(reference, torch):
    reference.compare(F.logsigmoid, torch.nn.functional.logsigmoid, np.array([-800.0, -30.0, 0.0, 30.0, 800.0]))


def test_check_module_activations():
    for layer in (nn.Mish(), nn.Hardswish(), nn.GLU(0), nn.LogSigmoid(), nn.Softsign()):
        assert ag.check_module(layer, ag.randn(4, 3)).passed, layer


def test_activation_errors():
    with pytest.raises(RuntimeError, match="Halving dimension must be even"):
        F.glu(ag.randn(2, 3))
    with pytest.raises(ValueError, match="greater than min_val"):
        nn.Hardtanh(1.0, 0.0)


# ---- distances and functions ---------------------------------------------------------------
FUNCTIONS = [
    ("cosine_similarity", {}, [(4, 3), (4, 3)]),
    ("cosine_similarity", {"dim": -1, "eps": 1e-6}, [(2, 4, 3), (1, 3)]),
    ("cosine_similarity", {"dim": 0}, [(5,), (5,)]),
    ("pairwise_distance", {}, [(4, 3), (4, 3)]),
    ("pairwise_distance", {"p": 1.0, "keepdim": True}, [(4, 3), (4, 3)]),
    ("pairwise_distance", {"p": 3.0, "eps": 0.0}, [(3,), (3,)]),
    ("normalize", {}, [(4, 3)]),
    ("normalize", {"p": 1.0, "dim": -1}, [(2, 3, 4)]),
    ("normalize", {"dim": 0, "eps": 1e-3}, [(3, 2)]),
]


@pytest.mark.parametrize("name, kwargs, shapes", FUNCTIONS, ids=[f"{f[0]}{i}" for i, f in enumerate(FUNCTIONS)])
def test_function_matches_torch(reference, torch, name, kwargs, shapes):
    reference.compare(lambda *t: getattr(F, name)(*t, **kwargs),
                      lambda *t: getattr(torch.nn.functional, name)(*t, **kwargs), *[_normal(*s) for s in shapes])


@pytest.mark.parametrize("name, kwargs", [("CosineSimilarity", {"dim": 1}), ("PairwiseDistance", {"p": 1.0}),
                                          ("PairwiseDistance", {"keepdim": True})])
def test_distance_layers_match_torch(reference, torch, name, kwargs):
    ours, theirs = _modules(torch, name, kwargs)
    reference.compare(ours, theirs, _normal(4, 3), _normal(4, 3))


def test_one_hot_and_embedding_match_torch(reference, torch):
    indices = np.array([[0, 2], [3, 1]])
    np.testing.assert_array_equal(np.asarray(F.one_hot(ag.tensor(indices), 5)),
                                  torch.nn.functional.one_hot(torch.tensor(indices), 5).numpy())
    assert F.one_hot(ag.tensor(indices)).dtype == ag.int64
    reference.compare(lambda w: F.embedding(ag.tensor(indices), w, padding_idx=1),
                      lambda w: torch.nn.functional.embedding(torch.tensor(indices), w, padding_idx=1), _normal(4, 3))


# ---- losses --------------------------------------------------------------------------------
def _loss_inputs(name, kwargs, batch=5):
    if name == "KLDivLoss":
        target = np.log(_softmax(batch, 4)) if kwargs.get("log_target") else _softmax(batch, 4)
        return [np.log(_softmax(batch, 4)), target]
    if name == "MarginRankingLoss":
        return [_normal(batch), _normal(batch), _signs(batch).astype(float)]
    if name == "CosineEmbeddingLoss":
        return [_normal(batch, 3), _normal(batch, 3), _signs(batch)]
    return [_normal(batch, 3), _normal(batch, 3), _normal(batch, 3)]  # triplets


LOSSES = [
    ("KLDivLoss", {"reduction": "batchmean"}),
    ("KLDivLoss", {"reduction": "sum", "log_target": True}),
    ("KLDivLoss", {"reduction": "none"}),
    ("KLDivLoss", {"reduction": "batchmean", "log_target": True}),
    ("MarginRankingLoss", {}),
    ("MarginRankingLoss", {"margin": 0.5, "reduction": "none"}),
    ("CosineEmbeddingLoss", {}),
    ("CosineEmbeddingLoss", {"margin": 0.2, "reduction": "sum"}),
    ("TripletMarginLoss", {}),
    ("TripletMarginLoss", {"margin": 2.0, "p": 1.0, "swap": True, "reduction": "none"}),
    ("TripletMarginLoss", {"p": 3.0, "eps": 1e-3, "swap": True, "reduction": "sum"}),
]


@pytest.mark.parametrize("name, kwargs", LOSSES, ids=[f"{c[0]}{i}" for i, c in enumerate(LOSSES)])
def test_loss_matches_torch(reference, torch, name, kwargs):
    ours, theirs = _modules(torch, name, kwargs)
    reference.compare(ours, theirs, *_loss_inputs(name, kwargs))


def test_kl_div_mean_warns_as_torch(reference, torch):
    with pytest.warns(UserWarning, match="batchmean"):
        reference.compare(lambda a, b: F.kl_div(a, b), lambda a, b: torch.nn.functional.kl_div(a, b),
                          *_loss_inputs("KLDivLoss", {}))
    zero_target = np.array([[0.0, 0.5, 0.5]])  # 0 log 0 counts as 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.kl_div(ag.tensor(np.log([[0.2, 0.3, 0.5]])), ag.tensor(zero_target), reduction="batchmean")
    assert np.isfinite(loss.item())


def test_unbatched_pair_losses_match_torch(reference, torch):
    reference.compare(lambda a, b, y: F.cosine_embedding_loss(a, b, y),
                      lambda a, b, y: torch.nn.functional.cosine_embedding_loss(a, b, y),
                      _normal(4), _normal(4), np.array(-1))
    reference.compare(lambda a, p, n: F.triplet_margin_loss(a, p, n),
                      lambda a, p, n: torch.nn.functional.triplet_margin_loss(a, p, n), _normal(4), _normal(4), _normal(4))


CROSS_ENTROPY = [  # the options in one call each; the existing test_nn_losses covers them one by one
    ({"label_smoothing": 0.1, "weight": _softmax(1, 4)[0] * 4, "ignore_index": 2}, (6, 4, 3), "indices"),
    ({"label_smoothing": 0.2, "weight": _softmax(1, 4)[0] * 4}, (5, 4, 2), "probabilities"),
    ({"reduction": "none", "label_smoothing": 0.3}, (5, 4), "probabilities"),
    ({"reduction": "sum", "ignore_index": 0}, (5, 4), "indices"),
]


@pytest.mark.parametrize("kwargs, shape, kind", CROSS_ENTROPY, ids=[f"ce{i}" for i in range(len(CROSS_ENTROPY))])
def test_cross_entropy_options_match_torch(reference, torch, kwargs, shape, kind):
    options = {k: (torch.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kwargs.items()}
    ours = nn.CrossEntropyLoss(**{k: (ag.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kwargs.items()})
    theirs = torch.nn.CrossEntropyLoss(**options)
    if kind == "indices":
        target = RNG.integers(0, shape[1], size=(shape[0],) + shape[2:])
    else:
        target = np.moveaxis(_softmax(*((shape[0],) + shape[2:] + (shape[1],))), -1, 1)
    reference.compare(ours, theirs, _normal(*shape), target, requires_grad=[True, False])


def test_cross_entropy_common_case_stays_one_fused_node():
    loss = F.cross_entropy(ag.randn(4, 3, requires_grad=True), ag.tensor([0, 2, 1, 1]))
    assert type(loss.grad_fn).__name__ == "_MeanSoftmaxCrossEntropy"


def test_check_module_losses():
    target = ag.tensor(_signs(4))
    assert ag.check_module(nn.TripletMarginLoss(swap=True), ag.randn(4, 3), ag.randn(4, 3), ag.randn(4, 3)).passed
    assert ag.check_module(nn.CosineEmbeddingLoss(0.1), ag.randn(4, 3), ag.randn(4, 3), target).passed
    assert ag.check_module(nn.KLDivLoss(reduction="batchmean"), ag.log_softmax(ag.randn(4, 3), 1),
                           ag.softmax(ag.randn(4, 3), 1)).passed


def test_loss_errors():
    with pytest.raises(ValueError, match="margin must be greater than 0"):
        F.triplet_margin_loss(ag.randn(2, 3), ag.randn(2, 3), ag.randn(2, 3), margin=0.0)
    with pytest.raises(RuntimeError, match="same dimension"):
        F.margin_ranking_loss(ag.randn(3), ag.randn(3, 1), ag.randn(3))
    with pytest.raises(ValueError, match="reduction"):
        F.kl_div(ag.randn(3), ag.rand(3), reduction="average")


def test_docstrings_run():
    for name in ("nn.distance", "nn.functional.distance", "nn.activation", "nn.loss"):
        results = doctest.testmod(importlib.import_module(name))
        assert results.failed == 0 and results.attempted > 0, name
