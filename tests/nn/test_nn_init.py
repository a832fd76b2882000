"""nn.init: each scheme's empirical mean and variance against its formula, gains against
PyTorch's, seeding, and the layers' default initialisation (PyTorch's reset_parameters)."""
import math

import numpy as np
import pytest

import autograd as ag
import nn
from nn import init

SHAPE = (300, 200)  # 60k draws: the sample variance is within ~1% of the truth
CONV_SHAPE = (64, 32, 3, 3)  # fan_in 288, fan_out 576


def _moments(tensor):
    values = np.asarray(tensor.detach(), dtype=np.float64)
    return values.mean(), values.var()


def _check(tensor, mean, var, bound=None):
    sample_mean, sample_var = _moments(tensor)
    assert abs(sample_mean - mean) < 0.02 * math.sqrt(var) + 1e-12, (sample_mean, mean)
    assert sample_var == pytest.approx(var, rel=0.03)
    if bound is not None:
        assert np.abs(np.asarray(tensor.detach())).max() <= bound * (1 + 1e-6)


def test_uniform_and_normal():
    ag.manual_seed(0)
    _check(init.uniform_(ag.empty(*SHAPE), -2.0, 4.0), 1.0, 36 / 12)
    _check(init.normal_(ag.empty(*SHAPE), 0.5, 3.0), 0.5, 9.0)
    _check(init.uniform_(ag.empty(*SHAPE)), 0.5, 1 / 12)


@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_xavier_uniform_and_normal(gain):
    ag.manual_seed(1)
    for shape in (SHAPE, CONV_SHAPE):
        fan_in, fan_out = shape[1] * int(np.prod(shape[2:])), shape[0] * int(np.prod(shape[2:]))
        variance = gain**2 * 2 / (fan_in + fan_out)
        # Article 001 calls 6 / (fan_in + fan_out) Xavier's variance: it is the squared bound of the uniform range.
        _check(init.xavier_uniform_(ag.empty(*shape), gain=gain), 0.0, variance,
               bound=gain * math.sqrt(6 / (fan_in + fan_out)))
        _check(init.xavier_normal_(ag.empty(*shape), gain=gain), 0.0, variance)


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlinearity,a", [("relu", 0), ("leaky_relu", 0), ("leaky_relu", 0.2), ("tanh", 0),
                                            ("linear", 0), ("leaky_relu", math.sqrt(5))])
def test_kaiming_uniform_and_normal(mode, nonlinearity, a):
    ag.manual_seed(2)
    for shape in (SHAPE, CONV_SHAPE):
        receptive = int(np.prod(shape[2:]))
        fan = shape[1] * receptive if mode == "fan_in" else shape[0] * receptive
        variance = init.calculate_gain(nonlinearity, a) ** 2 / fan  # He: 2 / fan_in for ReLU
        tensor = init.kaiming_uniform_(ag.empty(*shape), a=a, mode=mode, nonlinearity=nonlinearity)
        _check(tensor, 0.0, variance, bound=math.sqrt(3 * variance))
        _check(init.kaiming_normal_(ag.empty(*shape), a=a, mode=mode, nonlinearity=nonlinearity), 0.0, variance)


def test_he_normal_variance_is_two_over_fan_in():
    ag.manual_seed(3)
    _check(init.kaiming_normal_(ag.empty(*SHAPE), nonlinearity="relu"), 0.0, 2 / SHAPE[1])


def test_constant_zeros_ones_eye():
    t = ag.empty(3, 4)
    assert init.constant_(t, 0.25) is t and np.all(np.asarray(t) == 0.25)
    assert np.all(np.asarray(init.zeros_(t)) == 0) and np.all(np.asarray(init.ones_(t)) == 1)
    np.testing.assert_array_equal(np.asarray(init.eye_(ag.empty(3, 4))), np.eye(3, 4))
    with pytest.raises(ValueError, match="2 dimensions"):
        init.eye_(ag.empty(2, 2, 2))


def test_calculate_gain_matches_torch(torch):
    for nonlinearity, param in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None),
                                ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)]:
        assert init.calculate_gain(nonlinearity, param) == pytest.approx(torch.nn.init.calculate_gain(nonlinearity, param))
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")


def test_errors_and_no_grad():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(ag.empty(5))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(ag.empty(2, 2), mode="fan_avg")
    weight = nn.Parameter(ag.empty(4, 4))
    assert init.kaiming_uniform_(weight) is weight  # a leaf that requires grad, filled under no_grad
    assert weight.grad_fn is None and weight.requires_grad


def test_seeding_and_private_generators():
    ag.manual_seed(7)
    first = np.asarray(init.normal_(ag.empty(10))).copy()
    ag.manual_seed(7)
    np.testing.assert_array_equal(np.asarray(init.normal_(ag.empty(10))), first)
    generator = ag.Generator().manual_seed(7)
    ag.manual_seed(7)
    np.testing.assert_array_equal(np.asarray(init.normal_(ag.empty(10), generator=generator)), first)
    np.testing.assert_array_equal(np.asarray(init.normal_(ag.empty(10))), first)  # the global stream untouched


# ---- layers' default initialisation ---------------------------------------------------------

def test_linear_and_conv_defaults_follow_pytorch_reset_parameters():
    ag.manual_seed(4)
    for layer, fan_in in [(nn.Linear(200, 300), 200), (nn.Conv2d(32, 64, 3), 32 * 9), (nn.Conv2d(32, 64, 3, groups=4), 8 * 9)]:
        bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)) gives exactly this bound
        _check(layer.weight, 0.0, bound**2 / 3, bound=bound)
        bias = np.asarray(layer.bias.detach())
        assert np.abs(bias).max() <= bound and bias.std() > bound / 3


def test_other_layers_defaults():
    ag.manual_seed(5)
    bn, norm, prelu = nn.BatchNorm2d(3), nn.LayerNorm((2, 3)), nn.PReLU(4, init=0.1)
    assert bn.weight.tolist() == [1.0] * 3 and bn.bias.tolist() == [0.0] * 3
    assert bn.running_mean.tolist() == [0.0] * 3 and bn.running_var.tolist() == [1.0] * 3
    assert norm.weight.shape == (2, 3) and np.all(np.asarray(norm.bias.detach()) == 0)
    np.testing.assert_allclose(prelu.weight.tolist(), [0.1] * 4)
    _check(nn.Embedding(300, 200).weight, 0.0, 1.0)
