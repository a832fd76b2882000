"""Every loss against PyTorch (values and the gradients of input, target where it has one,
for each reduction and option), numerical stability, gradcheck and check_module."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

REDUCTIONS = ["mean", "sum", "none"]


def _normal(*shape, seed=0, scale=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


def _probabilities(*shape, seed=0):
    return np.random.default_rng(seed).uniform(0.02, 0.98, shape)


def _classes(*shape, high, seed=0):
    return np.random.default_rng(seed).integers(0, high, shape)


def _modules(torch, name, kwargs):
    """Our loss module and torch's, with any tensor options given to each as its own tensor."""
    ours = {k: ag.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    theirs = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    return getattr(nn, name)(**ours), getattr(torch.nn, name)(**theirs)


# (loss class, constructor kwargs, input array, target array)
POINTWISE = [
    ("MSELoss", {}, _normal(3, 4), _normal(3, 4, seed=1)),
    ("L1Loss", {}, _normal(3, 4), _normal(3, 4, seed=1)),
    ("SmoothL1Loss", {}, _normal(4, 5, scale=2), _normal(4, 5, seed=1)),
    ("SmoothL1Loss", {"beta": 0.5}, _normal(4, 5, scale=2), _normal(4, 5, seed=1)),
    ("SmoothL1Loss", {"beta": 0.0}, _normal(4, 5, scale=2), _normal(4, 5, seed=1)),
    ("HuberLoss", {}, _normal(4, 5, scale=2), _normal(4, 5, seed=1)),
    ("HuberLoss", {"delta": 2.5}, _normal(4, 5, scale=3), _normal(4, 5, seed=1)),
    ("BCELoss", {}, _probabilities(3, 4), _probabilities(3, 4, seed=1)),
    ("BCELoss", {"weight": _probabilities(4, seed=2)}, _probabilities(3, 4), (_normal(3, 4, seed=1) > 0) * 1.0),
    ("BCEWithLogitsLoss", {}, _normal(3, 4, scale=3), _probabilities(3, 4, seed=1)),
    ("BCEWithLogitsLoss", {"weight": _probabilities(3, 1, seed=2)}, _normal(3, 4, scale=3), _probabilities(3, 4, seed=1)),
    ("BCEWithLogitsLoss", {"pos_weight": _probabilities(4, seed=3) * 3}, _normal(2, 3, 4), _probabilities(2, 3, 4, seed=1)),
    ("BCEWithLogitsLoss", {"pos_weight": _probabilities(4, seed=3) * 3, "weight": _probabilities(4, seed=4)},
     _normal(3, 4, scale=3), _probabilities(3, 4, seed=1)),
]

CLASS_INDEX = [
    ("CrossEntropyLoss", {}, _normal(5, 4), _classes(5, high=4)),
    ("CrossEntropyLoss", {"weight": _probabilities(4, seed=2)}, _normal(5, 4), _classes(5, high=4)),
    ("CrossEntropyLoss", {"ignore_index": 2}, _normal(6, 4), np.array([0, 2, 1, 3, 2, 1])),
    ("CrossEntropyLoss", {}, _normal(4, 3), np.array([0, -100, 2, 1])),
    ("CrossEntropyLoss", {"weight": _probabilities(4, seed=2), "ignore_index": 1}, _normal(6, 4), np.array([0, 1, 1, 3, 2, 1])),
    ("CrossEntropyLoss", {"label_smoothing": 0.1}, _normal(5, 4), _classes(5, high=4)),
    ("CrossEntropyLoss", {"label_smoothing": 0.2, "weight": _probabilities(4, seed=2), "ignore_index": 3},
     _normal(6, 4), np.array([0, 3, 1, 3, 2, 1])),
    ("CrossEntropyLoss", {"label_smoothing": 0.3, "ignore_index": 0}, _normal(2, 3, 4, 2), _classes(2, 4, 2, high=3)),
    ("CrossEntropyLoss", {"weight": _probabilities(3, seed=2)}, _normal(2, 3, 4, 2), _classes(2, 4, 2, high=3)),
    ("CrossEntropyLoss", {}, _normal(5), np.array(3)),  # unbatched
    ("CrossEntropyLoss", {"label_smoothing": 0.1, "weight": _probabilities(5, seed=1)}, _normal(5), np.array(1)),
    ("NLLLoss", {}, _normal(5, 4), _classes(5, high=4)),
    ("NLLLoss", {"weight": _probabilities(4, seed=2), "ignore_index": 1}, _normal(6, 4), np.array([0, 1, 1, 3, 2, 1])),
    ("NLLLoss", {"weight": _probabilities(3, seed=2)}, _normal(2, 3, 4, 2), _classes(2, 4, 2, high=3)),
    ("NLLLoss", {}, _normal(5), np.array(4)),
]

CLASS_PROBABILITIES = [
    ("CrossEntropyLoss", {}, _normal(5, 4), _probabilities(5, 4, seed=1)),
    ("CrossEntropyLoss", {"weight": _probabilities(4, seed=2)}, _normal(5, 4), _probabilities(5, 4, seed=1)),
    ("CrossEntropyLoss", {"label_smoothing": 0.25, "weight": _probabilities(3, seed=2)}, _normal(2, 3, 4),
     _probabilities(2, 3, 4, seed=1)),
    ("CrossEntropyLoss", {"label_smoothing": 0.1}, _normal(4), _probabilities(4, seed=1)),
]


def _case_id(case):
    name, kwargs, input, _ = case
    options = ",".join(k if isinstance(v, np.ndarray) else f"{k}={v}" for k, v in kwargs.items())
    return f"{name}({options})-{input.shape}"


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", POINTWISE + CLASS_INDEX + CLASS_PROBABILITIES, ids=_case_id)
def test_loss_matches_torch(reference, torch, case, reduction):
    name, kwargs, input, target = case
    ours, theirs = _modules(torch, name, dict(kwargs, reduction=reduction))
    assert repr(ours) == repr(theirs)
    reference.compare(ours, theirs, input, target)  # float targets get gradients compared too


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_weighted_pointwise_functionals_match_torch(reference, torch, reduction):
    weight = _probabilities(3, 4, seed=5)
    for fn in ("mse_loss", "l1_loss", "huber_loss"):
        reference.compare(lambda x, y, w, f=fn: getattr(F, f)(x, y, reduction=reduction, weight=w),
                          lambda x, y, w, f=fn: getattr(torch.nn.functional, f)(x, y, reduction=reduction, weight=w),
                          _normal(3, 4, scale=2), _normal(3, 4, seed=1), weight, requires_grad=[True, True, False])


def test_every_ignored_target_gives_nan_mean_as_torch(torch):
    logits, target = _normal(3, 4), np.full(3, -100)
    ours = F.cross_entropy(ag.tensor(logits), ag.tensor(target))
    theirs = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(target))
    assert np.isnan(ours.item()) and np.isnan(theirs.item())
    assert F.cross_entropy(ag.tensor(logits), ag.tensor(target), reduction="sum").item() == 0.0


def test_legacy_size_average_and_reduce_flags(torch):
    x, y = _normal(3, 4), _normal(3, 4, seed=1)
    for size_average, reduce in [(False, None), (None, False), (True, True)]:
        ours = nn.MSELoss(size_average=size_average, reduce=reduce)
        with pytest.warns(UserWarning):
            theirs = torch.nn.MSELoss(size_average=size_average, reduce=reduce)
        assert ours.reduction == theirs.reduction
    np.testing.assert_allclose(F.l1_loss(ag.tensor(x), ag.tensor(y), size_average=False).item(), np.abs(x - y).sum())


def test_bad_reduction_and_shapes_raise_clear_errors():
    x = ag.randn(3, 4)
    with pytest.raises(ValueError, match="reduction must be"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="must be the same as input size"):
        F.binary_cross_entropy_with_logits(x, ag.rand(3, 5))
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.binary_cross_entropy(x * 5, ag.rand(3, 4))
    with pytest.raises(IndexError, match="Target 7 is out of bounds"):
        F.cross_entropy(x, ag.tensor([0, 7, 1]))
    with pytest.raises(ValueError, match="target of shape"):
        F.nll_loss(x, ag.tensor([0, 1]))
    with pytest.raises(ValueError, match="one entry per class"):
        F.cross_entropy(x, ag.tensor([0, 1, 2]), weight=ag.ones(3))
    with pytest.raises(TypeError, match="integers"):
        F.nll_loss(x, ag.tensor([0.0, 1.0, 2.0]))
    with pytest.warns(UserWarning, match="different to the input size"):
        F.mse_loss(x, ag.randn(4))


# ---- numerical stability ------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [{}, {"label_smoothing": 0.1}])
def test_cross_entropy_is_stable_for_huge_logits(reference, torch, kwargs):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [5e3, 5e3, -5e3]])
    ours, _ = reference.compare(lambda x, y: F.cross_entropy(x, y, **kwargs),
                                lambda x, y: torch.nn.functional.cross_entropy(x, y, **kwargs),
                                logits, np.array([1, 2, 0]))
    assert np.isfinite(ours.item())


def test_bce_with_logits_is_stable_for_huge_logits(reference, torch):
    logits, target = np.array([[-1e4, 1e4, 80.0, -80.0]]), np.array([[1.0, 0.0, 0.3, 1.0]])
    pos_weight = np.array([2.0, 0.5, 1.0, 3.0])
    reference.compare(lambda x, y, p: F.binary_cross_entropy_with_logits(x, y, pos_weight=p),
                      lambda x, y, p: torch.nn.functional.binary_cross_entropy_with_logits(x, y, pos_weight=p),
                      logits, target, pos_weight, requires_grad=[True, True, False])


def test_bce_at_exact_zero_and_one_clamps_like_torch(reference, torch):
    probabilities, target = np.array([0.0, 1.0, 0.0, 1.0, 0.5]), np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    ours, _ = reference.compare(F.binary_cross_entropy, torch.nn.functional.binary_cross_entropy,
                                probabilities, target, requires_grad=[True, False])
    assert ours.item() == pytest.approx((200 + np.log(2)) / 5, rel=1e-9)  # two logs clamped at -100, one log(0.5)


# ---- gradient checks ----------------------------------------------------------------------

def _float64(array, requires_grad=True):
    return ag.tensor(np.asarray(array, dtype=np.float64), requires_grad=requires_grad)


@pytest.mark.parametrize("kwargs", [{}, {"label_smoothing": 0.2, "weight": _float64([0.3, 1.0, 2.0], False)},
                                    {"ignore_index": 1}])
def test_cross_entropy_gradcheck_and_gradgradcheck(kwargs):
    logits, target = _float64(_normal(4, 3)), ag.tensor([0, 2, 1, 1])
    fn = lambda x: F.cross_entropy(x, target, **kwargs)  # noqa: E731
    assert ag.gradcheck(fn, (logits,))
    assert ag.gradgradcheck(fn, (logits,))


def test_probability_target_cross_entropy_gradgradcheck():
    logits, target = _float64(_normal(3, 4)), _float64(_probabilities(3, 4, seed=1))
    fn = lambda x, y: F.cross_entropy(x, y, label_smoothing=0.1)  # noqa: E731
    assert ag.gradcheck(fn, (logits, target))
    assert ag.gradgradcheck(fn, (logits, target))


@pytest.mark.parametrize("fn", [F.binary_cross_entropy, F.binary_cross_entropy_with_logits])
def test_binary_losses_gradgradcheck(fn):
    x = _float64(_probabilities(2, 3) if fn is F.binary_cross_entropy else _normal(2, 3))
    y = _float64(_probabilities(2, 3, seed=1))
    assert ag.gradcheck(fn, (x, y))
    assert ag.gradgradcheck(fn, (x, y))


class _WithTarget(nn.Module):
    """A loss with its integer target fixed, so check_module sees only float inputs."""

    def __init__(self, loss, target):
        super().__init__()
        self.loss, self.target = loss, target

    def forward(self, input):
        return self.loss(input, self.target)


@pytest.mark.parametrize("case", POINTWISE + CLASS_PROBABILITIES, ids=_case_id)
def test_check_module_on_losses_with_float_targets(case):
    name, kwargs, input, target = case
    loss = getattr(nn, name)(**{k: ag.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()})
    report = ag.check_module(loss, ag.tensor(input), ag.tensor(target))
    assert report.passed, str(report)


@pytest.mark.parametrize("case", CLASS_INDEX, ids=_case_id)
def test_check_module_on_losses_with_class_indices(case):
    name, kwargs, input, target = case
    loss = getattr(nn, name)(**{k: ag.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()})
    report = ag.check_module(_WithTarget(loss, ag.tensor(target)), ag.tensor(input))
    assert report.passed, str(report)
