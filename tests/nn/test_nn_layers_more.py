"""The 1-D, decoder and normalisation layers against PyTorch (same weights through state_dict,
same input: outputs, input and parameter gradients, buffers, repr, state_dict keys and
shapes), check_module on each, and their functional forms and errors."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

# (class name, constructor args, constructor kwargs, input shape (N(0, 1) data), forward kwargs)
LAYERS = [
    ("Conv1d", (2, 3, 3), {}, (2, 2, 7)),
    ("Conv1d", (2, 4, 3), {"stride": 2, "padding": 1, "bias": False}, (2, 2, 8)),
    ("Conv1d", (2, 3, 4), {"padding": "same", "dilation": 2}, (1, 2, 9)),
    ("Conv1d", (2, 3, 3), {"padding": "valid"}, (1, 2, 6)),
    ("Conv1d", (4, 6, 3), {"groups": 2, "padding": 2, "dilation": 2}, (2, 4, 7)),
    ("Conv1d", (2, 3, 3), {"padding": 2, "padding_mode": "reflect"}, (1, 2, 6)),
    ("Conv1d", (2, 3, 3), {"padding": 1, "padding_mode": "circular"}, (1, 2, 6)),
    ("Conv1d", (2, 3, 3), {"padding": "same", "padding_mode": "replicate"}, (1, 2, 6)),
    ("Conv1d", (2, 3, 3), {}, (2, 6)),  # unbatched
    ("ConvTranspose1d", (2, 3, 3), {}, (2, 2, 5)),
    ("ConvTranspose1d", (2, 3, 4), {"stride": 2, "padding": 1}, (1, 2, 5)),
    ("ConvTranspose1d", (4, 2, 3), {"stride": 3, "output_padding": 2, "groups": 2, "bias": False}, (1, 4, 4)),
    ("ConvTranspose1d", (2, 3, 3), {"dilation": 2, "stride": 2, "output_padding": 1}, (2, 4)),  # unbatched
    ("ConvTranspose2d", (2, 3, 3), {}, (2, 2, 4, 3)),
    ("ConvTranspose2d", (2, 3, 4), {"stride": 2, "padding": 1}, (1, 2, 3, 4)),
    ("ConvTranspose2d", (2, 3, (3, 2)), {"stride": (2, 3), "padding": (1, 0), "output_padding": (1, 2)}, (1, 2, 3, 3)),
    ("ConvTranspose2d", (4, 6, 3), {"groups": 2, "dilation": (2, 1), "bias": False}, (1, 4, 3, 3)),
    ("ConvTranspose2d", (2, 3, 3), {"stride": 2, "dilation": 3, "output_padding": 2, "padding": 2}, (1, 2, 3, 3)),
    ("ConvTranspose2d", (2, 3, 3), {"stride": 2}, (2, 3, 3)),  # unbatched
    ("MaxPool1d", (2,), {}, (2, 3, 8)),
    ("MaxPool1d", (3,), {"stride": 2, "padding": 1, "dilation": 1, "ceil_mode": True}, (2, 2, 8)),
    ("MaxPool1d", (2,), {"stride": 1, "dilation": 2, "return_indices": True}, (2, 7)),  # unbatched
    ("AvgPool1d", (3,), {}, (2, 3, 9)),
    ("AvgPool1d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False, "ceil_mode": True}, (2, 2, 8)),
    ("AdaptiveAvgPool1d", (3,), {}, (2, 3, 7)),
    ("AdaptiveAvgPool1d", (1,), {}, (3, 5)),  # unbatched
    ("AdaptiveMaxPool1d", (3,), {"return_indices": True}, (2, 3, 7)),
    ("AdaptiveMaxPool2d", ((2, 3),), {}, (2, 3, 5, 7)),
    ("AdaptiveMaxPool2d", ((None, 2),), {"return_indices": True}, (1, 2, 3, 5)),
    ("AdaptiveMaxPool2d", (1,), {}, (2, 4, 4)),  # unbatched
    ("Upsample", (), {"scale_factor": 2}, (1, 2, 3, 4)),
    ("Upsample", (), {"size": (5, 7), "mode": "nearest"}, (1, 2, 3, 4)),
    ("Upsample", (), {"scale_factor": 1.5, "mode": "nearest-exact"}, (1, 2, 5)),
    ("Upsample", (), {"scale_factor": 2.5, "mode": "linear"}, (2, 2, 4)),
    ("Upsample", (), {"size": 7, "mode": "linear", "align_corners": True}, (2, 2, 4)),
    ("Upsample", (), {"scale_factor": (2, 1.5), "mode": "bilinear"}, (1, 2, 3, 4)),
    ("Upsample", (), {"size": (2, 5), "mode": "bilinear", "align_corners": True}, (1, 2, 4, 3)),
    ("Upsample", (), {"scale_factor": 0.7, "mode": "bilinear", "recompute_scale_factor": True}, (1, 1, 5, 6)),
    ("Upsample", (), {"size": (2, 3), "mode": "area"}, (1, 2, 5, 7)),
    ("UpsamplingNearest2d", (), {"scale_factor": 3}, (1, 2, 2, 3)),
    ("UpsamplingBilinear2d", (), {"size": (4, 5)}, (1, 2, 2, 3)),
    ("PixelShuffle", (2,), {}, (2, 8, 2, 3)),
    ("PixelUnshuffle", (2,), {}, (2, 2, 4, 6)),
    ("GroupNorm", (2, 4), {}, (3, 4, 5)),
    ("GroupNorm", (3, 6), {"eps": 1e-3, "bias": False}, (2, 6, 2, 3)),
    ("GroupNorm", (1, 3), {"affine": False}, (2, 3, 4)),
    ("InstanceNorm1d", (3,), {}, (2, 3, 5)),
    ("InstanceNorm1d", (3,), {"affine": True, "track_running_stats": True}, (2, 3, 6)),
    ("InstanceNorm1d", (3,), {"affine": True}, (3, 4)),  # unbatched
    ("InstanceNorm2d", (3,), {"affine": True}, (2, 3, 3, 4)),
    ("InstanceNorm2d", (2,), {"track_running_stats": True, "momentum": 0.3}, (3, 2, 3, 3)),
    ("BatchNorm1d", (3,), {"momentum": 0.2}, (2, 3, 5)),
    ("RMSNorm", (4,), {}, (3, 4)),
    ("RMSNorm", ((2, 3),), {"eps": 1e-3}, (2, 2, 3)),
    ("RMSNorm", (3,), {"elementwise_affine": False}, (2, 5, 3)),
    ("ZeroPad1d", ((1, 2),), {}, (2, 3, 4)),
    ("ZeroPad2d", (1,), {}, (1, 2, 3, 4)),
    ("ZeroPad2d", ((1, 0, 2, 3),), {}, (2, 3, 4)),
    ("ConstantPad1d", (2, 3.5), {}, (2, 3, 4)),
    ("ConstantPad2d", ((0, 1, 2, 1), -1.0), {}, (1, 2, 3, 3)),
    ("ConstantPad3d", (1, 0.5), {}, (1, 2, 2, 3)),
    ("ReflectionPad1d", ((2, 1),), {}, (2, 3, 4)),
    ("ReflectionPad2d", (1,), {}, (1, 2, 3, 4)),
    ("ReplicationPad2d", ((2, 0, 1, 3),), {}, (1, 2, 3, 4)),
    ("CircularPad1d", (2,), {}, (2, 3, 4)),
    ("Dropout1d", (0.5,), {}, (2, 3, 4)),  # compared in eval mode (the identity); train mode below
    ("Dropout2d", (0.3,), {}, (2, 3, 4, 4)),
]
EVAL_ONLY = {"Dropout1d", "Dropout2d"}
TRAINED_TWICE = {"InstanceNorm1d", "InstanceNorm2d", "BatchNorm1d"}  # running statistics: step, step, eval


def _case_id(case):
    name, args, kwargs, _ = case
    text = ",".join([repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()])
    return f"{name}({text})"


def _draw(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _pair(torch, name, args, kwargs):
    torch.manual_seed(0)
    return getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note about its own even-kernel copy
@pytest.mark.parametrize("case", LAYERS, ids=_case_id)
def test_layer_matches_torch(reference, torch, case):
    name, args, kwargs, shape = case
    ours, theirs = _pair(torch, name, args, kwargs)
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert [(k, p.dtype == ag.float32) for k, p in ours.named_parameters()] == \
        [(k, p.dtype == torch.float32) for k, p in theirs.named_parameters()]
    if name in EVAL_ONLY:
        ours.eval(), theirs.eval()
    reference.compare_module(ours, theirs, _draw(shape))
    if name in TRAINED_TWICE:
        reference.compare_module(ours, theirs, _draw(shape, seed=1), load=False)
        ours.eval(), theirs.eval()
        reference.compare_module(ours, theirs, _draw(shape, seed=2), load=False)


@pytest.mark.parametrize("case", LAYERS, ids=_case_id)
def test_check_module_passes_on_every_layer(case):
    name, args, kwargs, shape = case
    ag.manual_seed(0)
    layer = getattr(nn, name)(*args, **kwargs)
    if name in EVAL_ONLY:
        layer.eval()
    report = ag.check_module(layer, ag.tensor(_draw(shape)))
    assert report.passed, str(report)


def test_default_initialisation_follows_pytorch_fan_in():
    """Conv weights U(-1/sqrt(fan_in), ..) with fan_in from dim 1 (C_out / groups * k for the
    transposed ones, as PyTorch), the bias with the same bound; norms start at ones and zeros."""
    ag.manual_seed(0)
    for layer, fan_in in [(nn.Conv1d(4, 6, 5), 4 * 5), (nn.ConvTranspose2d(8, 6, 3, groups=2), 3 * 9),
                          (nn.ConvTranspose1d(3, 10, 2), 10 * 2)]:
        bound = 1 / np.sqrt(fan_in)
        for p in (layer.weight, layer.bias):
            values = np.asarray(p.detach())
            assert np.abs(values).max() <= bound and np.abs(values).max() > 0.5 * bound
    assert nn.GroupNorm(2, 4).weight.tolist() == [1.0] * 4 and nn.RMSNorm(3).weight.tolist() == [1.0] * 3
    assert nn.InstanceNorm2d(3).weight is None and nn.InstanceNorm2d(3, affine=True).bias.tolist() == [0.0] * 3


@pytest.mark.parametrize("size", [(11, 9), (1, 2, 12, 9), [12, 10]])
def test_conv_transpose_output_size_matches_torch(reference, torch, size):
    ours, theirs = _pair(torch, "ConvTranspose2d", (2, 3, 3), {"stride": (3, 2), "padding": 1})
    reference.load(ours, theirs)
    reference.compare(lambda x: ours(x, output_size=size), lambda x: theirs(x, output_size=size), _draw((1, 2, 4, 5)))
    with pytest.raises(ValueError, match=r"ConvTranspose2d: requested an output size of \[14, 9\].*range from"):
        ours(ag.ones(1, 2, 4, 5), output_size=(14, 9))
    one, other = _pair(torch, "ConvTranspose1d", (2, 3, 3), {"stride": 2})
    reference.load(one, other)
    reference.compare(lambda x: one(x, output_size=[8]), lambda x: other(x, output_size=[8]), _draw((2, 3)))


def test_functional_forms_match_torch(reference, torch):
    tf = torch.nn.functional
    rng = np.random.default_rng(0)
    x1, w1 = rng.standard_normal((2, 4, 9)), rng.standard_normal((6, 2, 3))
    reference.compare(lambda x, w: F.conv1d(x, w, stride=2, groups=2), lambda x, w: tf.conv1d(x, w, stride=2, groups=2),
                      x1, w1)
    reference.compare(lambda x, w: F.conv_transpose1d(x, w.transpose(0, 1).reshape(4, 3, 3), stride=2, padding=1),
                      lambda x, w: tf.conv_transpose1d(x, w.transpose(0, 1).reshape(4, 3, 3), stride=2, padding=1),
                      x1, w1)
    x2, w2, b2 = rng.standard_normal((2, 4, 3, 4)), rng.standard_normal((4, 2, 3, 2)), rng.standard_normal(4)
    options = {"stride": 2, "padding": (1, 0), "output_padding": (1, 0), "groups": 2, "dilation": (1, 2)}
    reference.compare(lambda x, w, b: F.conv_transpose2d(x, w, b, **options),
                      lambda x, w, b: tf.conv_transpose2d(x, w, b, **options), x2, w2, b2)
    reference.compare(lambda x: F.max_pool1d(x, 3, 2, 1, return_indices=True),
                      lambda x: tf.max_pool1d(x, 3, 2, 1, return_indices=True), x1)
    reference.compare(lambda x: F.avg_pool1d(x, 4, 3, 2), lambda x: tf.avg_pool1d(x, 4, 3, 2), x1)
    reference.compare(lambda x: F.adaptive_avg_pool1d(x, 4), lambda x: tf.adaptive_avg_pool1d(x, 4), x1)
    reference.compare(lambda x: F.adaptive_max_pool2d(x, (2, 3), True), lambda x: tf.adaptive_max_pool2d(x, (2, 3), True),
                      x2)
    reference.compare(lambda x: F.pixel_shuffle(F.pixel_unshuffle(x, 2), 2) * F.pixel_unshuffle(x, 1).sum(),
                      lambda x: tf.pixel_shuffle(tf.pixel_unshuffle(x, 2), 2) * tf.pixel_unshuffle(x, 1).sum(),
                      rng.standard_normal((2, 2, 4, 6)))
    w, b = rng.standard_normal(4), rng.standard_normal(4)
    reference.compare(lambda x, w, b: F.group_norm(x, 2, w, b), lambda x, w, b: tf.group_norm(x, 2, w, b), x2, w, b)
    reference.compare(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), lambda x, w, b: tf.instance_norm(x, weight=w, bias=b),
                      x2, w, b)
    reference.compare(lambda x, w: F.rms_norm(x, (4,), w), lambda x, w: tf.rms_norm(x, (4,), w), x2, w)
    for mode, options in [("nearest", {"scale_factor": 1.7}), ("nearest", {"size": (7, 8)}), ("nearest-exact", {"size": 5}),
                          ("bilinear", {"scale_factor": 0.6}), ("bilinear", {"size": (5, 9), "align_corners": False}),
                          ("bilinear", {"scale_factor": (3, 0.5), "align_corners": True}), ("area", {"size": (2, 3)})]:
        reference.compare(lambda x, m=mode, o=options: F.interpolate(x, mode=m, **o),
                          lambda x, m=mode, o=options: tf.interpolate(x, mode=m, **o), x2)
    reference.compare(lambda x: F.interpolate(x, scale_factor=1.5, mode="linear", align_corners=True),
                      lambda x: tf.interpolate(x, scale_factor=1.5, mode="linear", align_corners=True), x1)
    x3 = rng.standard_normal((1, 2, 2, 3, 4))
    reference.compare(lambda x: F.interpolate(x, scale_factor=(2, 1.5, 0.5), mode="trilinear"),
                      lambda x: tf.interpolate(x, scale_factor=(2, 1.5, 0.5), mode="trilinear"), x3)
    reference.compare(lambda x: F.interpolate(x, size=(3, 3, 5)), lambda x: tf.interpolate(x, size=(3, 3, 5)), x3)


def test_interpolate_in_float32_picks_pytorch_positions(torch):
    x = np.random.default_rng(0).standard_normal((1, 2, 7, 9)).astype(np.float32)
    for options in [{"scale_factor": 1.3}, {"scale_factor": 2.7, "mode": "nearest-exact"},
                    {"size": (11, 13), "mode": "bilinear"}, {"scale_factor": 1.9, "mode": "bilinear", "align_corners": True}]:
        ours = F.interpolate(ag.tensor(x), **options)
        assert ours.dtype == ag.float32
        np.testing.assert_allclose(np.asarray(ours), torch.nn.functional.interpolate(torch.tensor(x), **options).numpy(),
                                   rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("fn", [
    lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1, dilation=2),
    lambda x, w: F.conv_transpose1d(x[:, :, 0], w[:, :, 0], stride=3, groups=2),
    lambda x, w: F.interpolate(x * w.sum(), scale_factor=1.5, mode="bilinear"),
    lambda x, w: F.group_norm(x * w.sum(), 2),
    lambda x, w: F.rms_norm(x, 3, w[0, 0, 0]),
    lambda x, w: F.adaptive_max_pool2d(x * w.sum(), 2),
], ids=["conv_transpose2d", "conv_transpose1d-groups", "interpolate", "group_norm", "rms_norm", "adaptive_max_pool2d"])
def test_second_derivatives(fn):
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((1, 2, 3, 3)), requires_grad=True)
    w = ag.tensor(rng.standard_normal((2, 2, 3, 3)), requires_grad=True)
    assert ag.gradgradcheck(fn, (x, w))


def test_channel_dropout_drops_whole_channels_and_keeps_the_mean():
    ag.manual_seed(0)
    x = ag.ones(100, 40, 3, 3, requires_grad=True)
    y = nn.Dropout2d(0.25)(x)
    values = np.asarray(y.detach())
    per_channel = values.reshape(100, 40, 9)
    assert (per_channel == per_channel[..., :1]).all()  # one draw per (sample, channel)
    assert abs((per_channel[..., 0] == 0).mean() - 0.25) < 0.03
    np.testing.assert_allclose(values[values != 0], 1 / 0.75)
    y.sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), values)
    line = np.asarray(F.dropout1d(ag.ones(6, 50, 4), 0.5)).reshape(300, 4)
    assert (line == line[:, :1]).all() and 0.3 < (line[:, 0] == 0).mean() < 0.7
    assert np.asarray(F.dropout2d(ag.ones(3, 4, 5), 0.5)).reshape(12, 5).std(axis=1).max() == 0  # (N, C, L), as PyTorch
    layer = nn.Dropout2d(0.5).eval()
    assert layer(x) is x
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout2d(-0.1)
    with pytest.raises(ValueError, match=r"dropout1d: expected a 2-D \(C, ...\) or 3-D"):
        F.dropout1d(ag.ones(2, 3, 4, 5))


def test_rms_norm_default_eps_is_the_dtypes_epsilon():
    x = ag.tensor([[1e-5, -1e-5]], dtype=ag.float32)
    expected = 1e-5 / np.sqrt(1e-10 + np.finfo(np.float32).eps)
    np.testing.assert_allclose(np.asarray(nn.RMSNorm(2)(x).detach()), [[expected, -expected]], rtol=1e-5)


def test_bad_inputs_name_the_layer_the_shapes_and_the_fix():
    cases = [
        (lambda: nn.Conv1d(3, 4, 3)(ag.ones(2, 2, 8)), r"conv1d: input of shape \(2, 2, 8\) has 2 channels.*expects 3"),
        (lambda: nn.Conv1d(3, 4, 3)(ag.ones(2, 3, 4, 4)), r"conv1d: expected a 2-D .* got shapes \(2, 3, 4, 4\)"),
        (lambda: nn.Conv1d(3, 4, 3, stride=2, padding="same"), "strided"),
        (lambda: nn.Conv1d(3, 4, 3, groups=2), "divisible by groups"),
        (lambda: nn.ConvTranspose2d(2, 3, 3)(ag.ones(1, 3, 4, 4)), r"conv_transpose2d: input of shape \(1, 3, 4, 4\) has 3"),
        (lambda: nn.ConvTranspose2d(2, 3, 3, stride=2, output_padding=2), "output_padding .* smaller than either stride"),
        (lambda: nn.ConvTranspose1d(2, 3, 3, padding_mode="reflect"), '"zeros" padding mode'),
        (lambda: F.conv_transpose2d(ag.ones(1, 1, 1, 1), ag.ones(1, 1, 1, 1), padding=1), "use less padding"),
        (lambda: nn.MaxPool1d(2)(ag.ones(2, 3, 4, 5)), r"max_pool1d: expected a 2-D \(C, L\) or 3-D"),
        (lambda: nn.AdaptiveMaxPool2d(2)(ag.ones(4, 4)), "adaptive_max_pool2d: expected a 3-D"),
        (lambda: nn.GroupNorm(4, 6), r"num_channels \(6\) must be divisible by num_groups \(4\)"),
        (lambda: nn.GroupNorm(2, 6)(ag.ones(2, 4, 3)), r"GroupNorm: expected an input of shape \(N, 6, \*\), got \(2, 4, 3\)"),
        (lambda: nn.InstanceNorm2d(3, affine=True)(ag.ones(2, 4, 3, 3)), "InstanceNorm2d: expected input's size at dim=1"),
        (lambda: nn.InstanceNorm1d(3)(ag.ones(2, 3, 4, 4)), r"InstanceNorm1d: expected 2D \(unbatched\) or 3D input"),
        (lambda: nn.InstanceNorm1d(3)(ag.ones(2, 3, 1)), "more than 1 spatial element"),
        (lambda: nn.RMSNorm(5)(ag.ones(3, 4)), r"rms_norm: given normalized_shape=\[5\]"),
        (lambda: nn.PixelShuffle(2)(ag.ones(1, 6, 2, 2)), r"divisible by upscale_factor\^2 = 4, got shape \(1, 6, 2, 2\)"),
        (lambda: nn.PixelUnshuffle(2)(ag.ones(1, 1, 3, 4)), r"pixel_unshuffle: .* got shape \(1, 1, 3, 4\)"),
        (lambda: nn.Upsample(scale_factor=2, mode="bilinear")(ag.ones(1, 2, 3)), r"'bilinear' needs a 4-D input.*\(1, 2, 3\)"),
        (lambda: nn.Upsample(scale_factor=2, align_corners=True)(ag.ones(1, 2, 3)), "align_corners option can only"),
        (lambda: F.interpolate(ag.ones(1, 2, 3), size=4, scale_factor=2), "exactly one of size or scale_factor"),
        (lambda: F.interpolate(ag.ones(1, 2, 3, 3), size=(4, 4, 4)), r"spatial size \(3, 3\) but size=\(4, 4, 4\)"),
        (lambda: F.interpolate(ag.ones(1, 2, 3), scale_factor=0.2), "every output size must be positive"),
        (lambda: nn.ReflectionPad2d(1)(ag.ones(1, 1, 1, 3)), "reflect padding of"),
        (lambda: nn.ZeroPad2d((1, 2, 3)), r"ZeroPad2d: padding must be an int or a 4-tuple"),
    ]
    for make, message in cases:
        with pytest.raises(ValueError, match=message):
            make()
    with pytest.raises(NotImplementedError, match="bicubic"):
        F.interpolate(ag.ones(1, 1, 2, 2), scale_factor=2, mode="bicubic")
    with pytest.warns(UserWarning, match="num_features is not used"):
        nn.InstanceNorm1d(3)(ag.ones(2, 4, 5))


def test_transposed_convolution_graph_has_no_per_pixel_nodes():
    def count_nodes(size):
        x = ag.randn(1, 2, size, size, requires_grad=True)
        out = F.conv_transpose2d(x, ag.randn(2, 3, 4, 4, requires_grad=True), stride=2, padding=1)
        seen, stack = set(), [out.grad_fn]
        while stack:
            node = stack.pop()
            if node is not None and id(node) not in seen:
                seen.add(id(node))
                stack.extend(node.inputs)
        return len(seen)
    assert count_nodes(3) == count_nodes(24) < 20


def test_interpolate_by_gathers_matches_the_matrix_path(monkeypatch):
    """Large sizes resample by gathers instead of a dense weight matrix: the same numbers."""
    import nn.functional.upsampling as upsampling
    x = ag.tensor(np.random.default_rng(0).standard_normal((1, 2, 5, 6)))
    cases = [{"scale_factor": 1.7, "mode": "bilinear"}, {"size": (7, 4), "mode": "nearest"},
             {"scale_factor": 2.5, "mode": "nearest-exact"}, {"size": (3, 9), "mode": "bilinear", "align_corners": True}]
    expected = [np.asarray(F.interpolate(x, **options)) for options in cases]
    monkeypatch.setattr(upsampling, "_MATRIX_LIMIT", 0)
    for options, values in zip(cases, expected):
        np.testing.assert_allclose(np.asarray(F.interpolate(x, **options)), values, rtol=1e-12, atol=1e-14)


def test_docstring_examples_run():
    import doctest
    import importlib
    for name in ("conv", "pooling", "normalization", "dropout", "padding", "upsampling"):
        result = doctest.testmod(importlib.import_module(f"nn.{name}"), optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, f"nn.{name}: {result.failed} docstring example(s) failed"
