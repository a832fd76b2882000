"""ag.save / ag.load with .safetensors: weights that move to and from PyTorch unchanged, optimiser
state, metadata, dtypes, and clear errors for what cannot be read."""
import pickle
import sys

import numpy as np
import pytest

import autograd as ag
import nn
import optim


@pytest.fixture(scope="module")
def st():
    return pytest.importorskip("safetensors")


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


# ---- the same architecture on both sides -----------------------------------------------------

def mlp(lib):
    return lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.ReLU(), lib.nn.Linear(8, 3))


def cnn(lib):
    return lib.nn.Sequential(lib.nn.Conv2d(1, 4, 3, padding=1), lib.nn.BatchNorm2d(4), lib.nn.ReLU(),
                             lib.nn.MaxPool2d(2), lib.nn.Flatten(), lib.nn.Linear(4 * 4 * 4, 3))


def lstm(lib):
    return lib.nn.LSTM(3, 5, num_layers=2, batch_first=True)


def transformer(lib):
    layer = lib.nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, batch_first=True)
    if lib.__name__ == "torch":
        return lib.nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
    return lib.nn.TransformerEncoder(layer, num_layers=2)


class _Ours:  # `nn` under the name the builders expect (torch.nn and our nn share the API)
    __name__ = "graphgrad"
    nn = nn


INPUTS = {mlp: (5, 4), cnn: (2, 1, 8, 8), lstm: (2, 6, 3), transformer: (2, 5, 8)}


def _build(arch, lib, dtype_name, seed):
    if lib is _Ours:
        ag.manual_seed(seed)
    else:
        lib.manual_seed(seed)
    model = arch(lib)
    model = model.double() if dtype_name == "float64" else model
    return model


def _output(model, x):
    out = model(x)
    return out[0] if isinstance(out, tuple) else out  # an LSTM's (output, (h, c))


def _train_a_little(model, x):
    """One forward in training mode, so a BatchNorm's running statistics are not the initial ones."""
    model.train()
    _output(model, x)
    model.eval()


ARCHS = [mlp, cnn, lstm, transformer]
TOL = {"float32": dict(rtol=1e-4, atol=1e-5), "float64": dict(rtol=1e-10, atol=1e-12)}


@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
@pytest.mark.parametrize("arch", ARCHS, ids=lambda a: a.__name__)
def test_graphgrad_weights_load_into_pytorch_and_give_the_same_outputs(arch, dtype_name, st, torch, tmp_path):
    from safetensors.torch import load_file
    x = np.random.default_rng(0).standard_normal(INPUTS[arch]).astype(dtype_name)
    ours = _build(arch, _Ours, dtype_name, seed=1)
    _train_a_little(ours, ag.tensor(x))
    ag.save(ours.state_dict(), tmp_path / "model.safetensors")

    theirs = _build(arch, torch, dtype_name, seed=2)  # different initial weights
    theirs.load_state_dict(load_file(tmp_path / "model.safetensors"), strict=True)
    theirs.eval()
    assert all(str(v.dtype) == f"torch.{dtype_name}" for v in theirs.state_dict().values() if v.is_floating_point())
    with torch.no_grad():
        expected = _output(theirs, torch.from_numpy(x)).numpy()
    with ag.no_grad():
        got = _output(ours, ag.tensor(x)).numpy()
    assert got.dtype == np.dtype(dtype_name)
    np.testing.assert_allclose(got, expected, **TOL[dtype_name])


@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
@pytest.mark.parametrize("arch", ARCHS, ids=lambda a: a.__name__)
def test_pytorch_weights_load_into_graphgrad_and_give_the_same_outputs(arch, dtype_name, st, torch, tmp_path):
    from safetensors.torch import save_file
    x = np.random.default_rng(0).standard_normal(INPUTS[arch]).astype(dtype_name)
    theirs = _build(arch, torch, dtype_name, seed=1)
    with torch.no_grad():
        _train_a_little(theirs, torch.from_numpy(x))
    save_file(theirs.state_dict(), tmp_path / "model.safetensors")

    ours = _build(arch, _Ours, dtype_name, seed=2)
    loaded = ag.load(tmp_path / "model.safetensors")
    assert sorted(loaded) == sorted(theirs.state_dict())
    ours.load_state_dict(loaded, strict=True)
    ours.eval()
    with torch.no_grad():
        expected = _output(theirs, torch.from_numpy(x)).numpy()
    with ag.no_grad():
        got = _output(ours, ag.tensor(x)).numpy()
    np.testing.assert_allclose(got, expected, **TOL[dtype_name])


@pytest.mark.parametrize("make", [lambda ps: optim.Adam(ps, lr=1e-2, betas=(0.8, 0.9)),
                                  lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True)],
                         ids=["Adam", "SGD"])
def test_optimizer_state_round_trips_and_training_resumes_bit_for_bit(make, st, tmp_path):
    ag.manual_seed(0)
    model, x = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)), ag.randn(8, 3)
    opt = make(model.parameters())

    def step(model, opt):
        opt.zero_grad()
        model(x).pow(2).mean().backward()
        opt.step()

    for _ in range(3):
        step(model, opt)
    ag.save(model.state_dict(), tmp_path / "model.safetensors")
    ag.save(opt.state_dict(), tmp_path / "optimizer.safetensors")

    resumed = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    resumed.load_state_dict(ag.load(tmp_path / "model.safetensors"))
    resumed_opt = make(resumed.parameters())
    resumed_opt.param_groups[0]["lr"] = 123.0  # hyper-parameters come from the file
    loaded = ag.load(tmp_path / "optimizer.safetensors")
    assert loaded["param_groups"][0]["lr"] == opt.param_groups[0]["lr"]
    assert list(loaded["state"]) == [0, 1, 2, 3]  # parameter indices stay ints
    resumed_opt.load_state_dict(loaded)
    for _ in range(2):
        step(model, opt)
        step(resumed, resumed_opt)
    for (key, a), b in zip(model.state_dict().items(), resumed.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=key)


def test_optimizer_file_is_a_plain_safetensors_file_with_dotted_keys(st, tmp_path):
    w = nn.Parameter(ag.ones(2))
    opt = optim.Adam([w])
    w.sum().backward()
    opt.step()
    ag.save(opt.state_dict(), tmp_path / "optimizer.safetensors")
    from safetensors.numpy import load_file
    assert sorted(load_file(tmp_path / "optimizer.safetensors")) == ["state.0.exp_avg", "state.0.exp_avg_sq", "state.0.step"]


def test_nested_dicts_flatten_to_dotted_keys_and_come_back_flat_with_metadata(st, tmp_path):
    ag.manual_seed(0)
    state = {"encoder": nn.Linear(2, 3).state_dict(), "head": {"scale": ag.ones(1)}}
    path = tmp_path / "model.safetensors"
    ag.save(state, path, metadata={"format": "pt", "note": "hello"})
    loaded = ag.load(path)
    assert sorted(loaded) == ["encoder.bias", "encoder.weight", "head.scale"]
    np.testing.assert_array_equal(loaded["encoder.weight"].numpy(), state["encoder"]["weight"].numpy())
    with st.safe_open(str(path), framework="np") as f:
        assert f.metadata() == {"format": "pt", "note": "hello"}  # no structure entry: a plain state dict


DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_round_trips_exactly_including_0d_empty_and_non_contiguous(dtype, st, tmp_path):
    rng = np.random.default_rng(0)
    base = (rng.standard_normal((4, 6)) * 50).astype(dtype)
    state = {"full": ag.tensor(base), "transposed": ag.tensor(base).t(), "scalar": ag.tensor(base[1, 2]),
             "empty": ag.tensor(base[:0])}
    ag.save(state, tmp_path / "t.safetensors")
    loaded = ag.load(tmp_path / "t.safetensors")
    for key, value in state.items():
        assert loaded[key].dtype == value.dtype and loaded[key].shape == value.shape, key
        np.testing.assert_array_equal(loaded[key].numpy(), value.numpy(), err_msg=key)
    loaded["full"].zero_()  # a writable array of its own


def test_bfloat16_from_pytorch_is_a_clear_error(st, torch, tmp_path):
    from safetensors.torch import save_file
    save_file({"w": torch.ones(2, dtype=torch.bfloat16)}, tmp_path / "bf16.safetensors")
    with pytest.raises(TypeError, match=r"bf16\.safetensors.*'w'.*bfloat16.*\.float\(\)"):
        ag.load(tmp_path / "bf16.safetensors")


def test_truncated_corrupt_and_pickled_files_are_clear_errors_that_name_the_file(st, tmp_path):
    good = tmp_path / "good.safetensors"
    ag.save({"w": ag.ones(1000)}, good)
    data = good.read_bytes()
    for n in (4, 60, len(data) - 10):
        truncated = tmp_path / f"truncated{n}.safetensors"
        truncated.write_bytes(data[:n])
        with pytest.raises(RuntimeError, match=rf"truncated{n}\.safetensors is not a readable safetensors file \(.+\)"):
            ag.load(truncated)
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"\xff" * 64)
    with pytest.raises(RuntimeError, match=r"garbage\.safetensors is not a readable safetensors file"):
        ag.load(garbage)

    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    evil = tmp_path / "evil.safetensors"
    evil.write_bytes(pickle.dumps(Exploit()))
    with pytest.raises(RuntimeError, match=r"evil\.safetensors is not a readable safetensors file"):
        ag.load(evil)
    assert not marker.exists()
    with pytest.raises(FileNotFoundError, match=r"missing\.safetensors"):
        ag.load(tmp_path / "missing.safetensors")


def test_what_safetensors_cannot_hold_is_refused_when_saving(st, tmp_path):
    path = tmp_path / "x.safetensors"
    with pytest.raises(TypeError, match="holds a dict of named tensors"):
        ag.save(ag.ones(2), path)
    with pytest.raises(TypeError, match="metadata must map str to str"):
        ag.save({"w": ag.ones(2)}, path, metadata={"version": 2})
    with pytest.raises(ValueError, match="graphgrad's own"):
        ag.save({"w": ag.ones(2)}, path, metadata={"graphgrad.structure": "{}"})
    with pytest.raises(ValueError, match=r"two tensors would be stored under the key 'a\.b'"):
        ag.save({"a.b": ag.ones(1), "a": {"b": ag.ones(1)}}, path)
    with pytest.raises(TypeError, match="dtype complex128"):
        ag.save({"z": np.ones(2, dtype=np.complex128)}, path)
    assert not path.exists()


def test_other_suffixes_stay_npz_and_metadata_needs_safetensors(tmp_path):
    ag.save({"w": ag.ones(2)}, tmp_path / "model.pt")
    assert (tmp_path / "model.pt").read_bytes()[:2] == b"PK"  # a zip: NumPy's .npz
    with pytest.raises(ValueError, match="metadata is kept in .safetensors files only"):
        ag.save({"w": ag.ones(2)}, tmp_path / "model.npz", metadata={"a": "b"})


def test_without_the_safetensors_package_the_error_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "safetensors", None)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match=r"pip install safetensors.*graphgrad\[safetensors\]"):
        ag.save({"w": ag.ones(2)}, tmp_path / "model.safetensors")
    with pytest.raises(ImportError, match=r"pip install safetensors"):
        ag.load(tmp_path / "model.safetensors")
