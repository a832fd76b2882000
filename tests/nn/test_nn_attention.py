"""Attention and the Transformer layers against PyTorch (same weights through the state_dict,
float64: outputs, attention weights, input gradients and every parameter gradient), check_module
on each, state_dict keys, shapes and reprs equal PyTorch's, and the layers' own semantics
(masks, dropout only in training, errors)."""
import doctest
import importlib

import numpy as np
import pytest

import autograd as ag
import nn
from nn import functional as F

RNG = np.random.default_rng(0)


def _draw(*shape):
    return RNG.standard_normal(shape)


def _lib_tensor(lib, value):
    """A mask or array for one library: NumPy arrays become that library's tensors."""
    if isinstance(value, np.ndarray):
        return lib.tensor(value)
    return value


def _flat(lib, result):
    """Every tensor in a result (a tensor or a tuple with Nones), flattened into one vector."""
    parts = result if isinstance(result, tuple) else (result,)
    return lib.cat([p.reshape(-1) for p in parts if p is not None])


def _wrap(lib, base, layer, options, mask_names=()):
    """A module whose forward runs `layer` on its inputs with `options` (NumPy masks turned into
    the library's tensors) and returns all its outputs as one flat vector."""
    kwargs = {k: _lib_tensor(lib, v) for k, v in options.items()}

    class Flat(base):
        def __init__(self):
            super().__init__()
            self.layer = layer

        def forward(self, *inputs):
            return _flat(lib, self.layer(*inputs, **kwargs))
    return Flat()


def _pair(torch, name, args, kwargs, options):
    """Ours and torch's `name`, built alike and wrapped; reprs and state_dict shapes checked."""
    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    ours = getattr(nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    return _wrap(ag, nn.Module, ours, options), _wrap(torch, torch.nn.Module, theirs, options)


# ---- scaled_dot_product_attention ----------------------------------------------------------
_BOOL_MASK = RNG.random((4, 6)) > 0.3
_BOOL_MASK[1] = False  # a query row that may attend to nothing: zeros, as PyTorch's CPU kernel

SDPA = [
    ({}, (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 2)),
    ({"is_causal": True}, (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 2)),
    ({"is_causal": True}, (5, 3), (5, 3), (5, 3)),
    ({"attn_mask": _BOOL_MASK}, (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 2)),
    ({"attn_mask": _draw(3, 4, 6)}, (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 2)),
    ({"scale": 0.3}, (4, 5), (6, 5), (6, 2)),
    ({"enable_gqa": True}, (2, 4, 3, 5), (2, 2, 6, 5), (2, 2, 6, 3)),
]


@pytest.mark.parametrize("options, q, k, v", SDPA, ids=[f"sdpa{i}" for i in range(len(SDPA))])
def test_scaled_dot_product_attention_matches_torch(reference, torch, options, q, k, v):
    reference.compare(lambda *t: F.scaled_dot_product_attention(*t, **options),
                      lambda *t: torch.nn.functional.scaled_dot_product_attention(
                          *t, **{key: _lib_tensor(torch, value) for key, value in options.items()}),
                      _draw(*q), _draw(*k), _draw(*v))


def test_scaled_dot_product_attention_float_mask_gets_a_gradient(reference, torch):
    reference.compare(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, m),
                      lambda q, k, v, m: torch.nn.functional.scaled_dot_product_attention(q, k, v, m),
                      _draw(2, 4, 3), _draw(2, 5, 3), _draw(2, 5, 3), _draw(4, 5))


def test_scaled_dot_product_attention_dropout_and_errors():
    q = ag.randn(2, 4, 3)
    ag.manual_seed(1)
    dropped = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    assert not np.allclose(np.asarray(dropped), np.asarray(F.scaled_dot_product_attention(q, q, q)))
    assert np.all(np.asarray(F.scaled_dot_product_attention(q, q, q, dropout_p=1.0)) == 0)
    with pytest.raises(RuntimeError, match="is_causal"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=np.ones((4, 4), bool), is_causal=True)
    with pytest.raises(ValueError, match="last dim"):
        F.scaled_dot_product_attention(q, ag.randn(2, 4, 2), q)


# ---- MultiheadAttention --------------------------------------------------------------------
E, H, L, S, N = 4, 2, 3, 5, 2
_KPM = RNG.random((N, S)) > 0.6
_KPM[0] = [False, True, True, True, False]
_KPM_ALL = np.array([[True] * S, [False] * S])  # batch entry 0 may attend to nothing: zeros from the fast path
_SPARSE = RNG.random((L, S)) > 0.7
_SPARSE[:, 0] = False  # with _KPM, every query keeps a key
_CAUSAL = np.triu(np.ones((L, L), dtype=bool), 1)

# (constructor kwargs, forward kwargs, self-attention?, batched?)
MHA = [
    ({}, {}, True, True),
    ({}, {"need_weights": False}, True, True),
    ({"batch_first": True}, {"average_attn_weights": False}, True, True),
    ({}, {"key_padding_mask": _KPM}, False, True),
    ({"batch_first": True}, {"key_padding_mask": _KPM, "need_weights": False}, False, True),
    ({}, {"key_padding_mask": _KPM_ALL, "need_weights": False}, False, True),
    ({}, {"attn_mask": _CAUSAL, "is_causal": True, "need_weights": False}, True, True),
    ({}, {"attn_mask": _draw(N * H, L, S)}, False, True),
    ({}, {"attn_mask": _SPARSE, "key_padding_mask": _KPM}, False, True),
    ({"kdim": 3, "vdim": 2}, {"key_padding_mask": _KPM}, False, True),
    ({"add_bias_kv": True, "add_zero_attn": True}, {"key_padding_mask": _draw(N, S), "attn_mask": _draw(L, S)}, False, True),
    ({"bias": False}, {}, False, True),
    ({}, {"key_padding_mask": _KPM[1]}, False, False),
    ({"kdim": 3, "vdim": 2, "batch_first": True}, {"need_weights": False}, False, False),
]


def _mha_inputs(kwargs, self_attention, batched):
    def seq(length, features):
        shape = ((N, length) if kwargs.get("batch_first") else (length, N)) if batched else (length,)
        return _draw(*shape, features)
    if self_attention:
        return [seq(L, E)]
    return [seq(L, E), seq(S, kwargs.get("kdim", E)), seq(S, kwargs.get("vdim", E))]


@pytest.mark.parametrize("kwargs, options, self_attention, batched", MHA, ids=[f"mha{i}" for i in range(len(MHA))])
def test_multihead_attention_matches_torch(reference, torch, kwargs, options, self_attention, batched):
    ours, theirs = _pair(torch, "MultiheadAttention", (E, H), kwargs, options)
    inputs = _mha_inputs(kwargs, self_attention, batched)
    if self_attention:  # query is key is value: the self-attention path
        ours.forward = (lambda f: lambda x: f(x, x, x))(ours.forward)
        theirs.forward = (lambda f: lambda x: f(x, x, x))(theirs.forward)
    reference.compare_module(ours, theirs, *inputs)


def test_multihead_attention_init_and_dropout_only_in_training(torch):
    layer = nn.MultiheadAttention(6, 3, dropout=0.5)
    assert np.all(np.asarray(layer.in_proj_bias) == 0) and np.all(np.asarray(layer.out_proj.bias) == 0)
    bound = np.sqrt(6 / (6 + 18))  # Xavier-uniform over the packed (18, 6) weight
    assert np.abs(np.asarray(layer.in_proj_weight)).max() <= bound
    x = ag.randn(4, 2, 6)
    layer.eval()
    first, second = layer(x, x, x)[0], layer(x, x, x)[0]
    np.testing.assert_array_equal(np.asarray(first), np.asarray(second))
    layer.train()
    assert not np.allclose(np.asarray(layer(x, x, x)[0]), np.asarray(first))
    with pytest.raises(ValueError, match="divisible"):
        nn.MultiheadAttention(5, 2)
    with pytest.raises(RuntimeError, match="is_causal"):
        layer(x, x, x, is_causal=True)


def test_check_module_multihead_attention():
    layer = nn.MultiheadAttention(4, 2, kdim=3, add_bias_kv=True)
    mask = np.array([[False, False, True], [False, False, False]])
    wrapped = _wrap(ag, nn.Module, layer, {"key_padding_mask": mask})
    report = ag.check_module(wrapped, ag.randn(2, 2, 4), ag.randn(3, 2, 3), ag.randn(3, 2, 4))
    assert report.passed, report


# ---- Transformer layers --------------------------------------------------------------------
D, FF = 4, 6
_SRC_PAD = np.array([[False, False, False, True, True], [False] * 5])

ENCODER = [
    ({}, {}),
    ({"norm_first": True, "activation": "gelu"}, {"src_key_padding_mask": _SRC_PAD}),
    ({"batch_first": True, "bias": False}, {"src_mask": np.triu(np.ones((5, 5), bool), 1), "is_causal": True}),
    ({"layer_norm_eps": 1e-3}, {"src_mask": _draw(5, 5)}),
]


def _sequence(batch_first, length, batch=2):
    return _draw(*((batch, length) if batch_first else (length, batch)), D)


@pytest.mark.parametrize("kwargs, options", ENCODER, ids=[f"encoder{i}" for i in range(len(ENCODER))])
def test_transformer_encoder_layer_matches_torch(reference, torch, kwargs, options):
    ours, theirs = _pair(torch, "TransformerEncoderLayer", (D, 2, FF, 0.0), kwargs, options)
    reference.compare_module(ours, theirs, _sequence(kwargs.get("batch_first"), 5))


def test_transformer_encoder_layer_callable_activation_and_eval_mode(reference, torch):
    """A module as the activation is a child (in the repr and the state_dict); dropout 0.1 in
    eval mode is the identity."""
    torch.manual_seed(0)
    theirs = torch.nn.TransformerEncoderLayer(D, 2, FF, activation=torch.nn.GELU(), batch_first=True).eval()
    ours = nn.TransformerEncoderLayer(D, 2, FF, activation=nn.GELU(), batch_first=True).eval()
    assert repr(ours) == repr(theirs)
    reference.compare_module(ours, theirs, _sequence(True, 5))
    ours, theirs = nn.TransformerEncoderLayer(D, 2, FF, activation=F.silu), \
        torch.nn.TransformerEncoderLayer(D, 2, FF, activation=torch.nn.functional.silu)
    reference.compare_module(ours.eval(), theirs.eval(), _sequence(False, 5))


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_encoder_stack_matches_torch(reference, torch, norm_first):
    torch.manual_seed(0)
    theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(D, 2, FF, 0.0, norm_first=norm_first), 2,
                                         torch.nn.LayerNorm(D), enable_nested_tensor=False)
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, 2, FF, 0.0, norm_first=norm_first), 2, nn.LayerNorm(D))
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    options = {"mask": np.triu(np.ones((5, 5), bool), 1), "src_key_padding_mask": _SRC_PAD}
    ours_run, theirs_run = _wrap(ag, nn.Module, ours, options), _wrap(torch, torch.nn.Module, theirs, options)
    reference.compare_module(ours_run, theirs_run, _sequence(False, 5))


DECODER = [
    ({}, {}),
    ({"norm_first": True}, {"tgt_mask": np.triu(np.ones((3, 3), bool), 1), "memory_key_padding_mask": _SRC_PAD}),
    ({"batch_first": True, "activation": "gelu"}, {"tgt_key_padding_mask": np.array([[0, 0, 1], [0, 0, 0]], bool),
                                                   "memory_mask": _draw(3, 5)}),
]


@pytest.mark.parametrize("kwargs, options", DECODER, ids=[f"decoder{i}" for i in range(len(DECODER))])
def test_transformer_decoder_layer_matches_torch(reference, torch, kwargs, options):
    ours, theirs = _pair(torch, "TransformerDecoderLayer", (D, 2, FF, 0.0), kwargs, options)
    batch_first = kwargs.get("batch_first")
    reference.compare_module(ours, theirs, _sequence(batch_first, 3), _sequence(batch_first, 5))


def test_transformer_decoder_stack_and_transformer_match_torch(reference, torch):
    torch.manual_seed(0)
    theirs = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(D, 2, FF, 0.0), 2, torch.nn.LayerNorm(D))
    ours = nn.TransformerDecoder(nn.TransformerDecoderLayer(D, 2, FF, 0.0), 2, nn.LayerNorm(D))
    assert repr(ours) == repr(theirs)
    reference.compare_module(ours, theirs, _sequence(False, 3), _sequence(False, 5))

    kwargs = {"d_model": D, "nhead": 2, "num_encoder_layers": 2, "num_decoder_layers": 1, "dim_feedforward": FF,
              "dropout": 0.0, "batch_first": True}
    options = {"tgt_mask": np.triu(np.ones((3, 3), bool), 1), "src_key_padding_mask": _SRC_PAD,
               "memory_key_padding_mask": _SRC_PAD}
    ours, theirs = _pair(torch, "Transformer", (), kwargs, options)
    reference.compare_module(ours, theirs, _sequence(True, 5), _sequence(True, 3))


def test_generate_square_subsequent_mask(torch):
    ours = nn.Transformer.generate_square_subsequent_mask(4)
    np.testing.assert_array_equal(np.asarray(ours), torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())
    assert ours.dtype == ag.get_default_dtype()
    assert nn.Transformer.generate_square_subsequent_mask(2, dtype=ag.float64).dtype == ag.float64


def test_check_module_transformer_layers():
    encoder = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, norm_first=True)
    assert ag.check_module(encoder, ag.randn(3, 2, 4)).passed
    decoder = nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, batch_first=True)
    assert ag.check_module(decoder, ag.randn(2, 3, 4), ag.randn(2, 4, 4)).passed


def test_transformer_docstrings_run():
    for name in ("nn.transformer", "nn.attention", "nn.functional.attention"):
        results = doctest.testmod(importlib.import_module(name))
        assert results.failed == 0 and results.attempted > 0, name
