"""Op tests generated from tests/op_catalogue.py, one test id per op (e.g. test_gradcheck[exp]):
the forward against NumPy, gradcheck in float64 over hypothesis-drawn (broadcasting) shapes and
inputs, gradgradcheck, values and gradients against PyTorch in float64 and float32, and float32
inputs staying float32 through forward and backward."""
import zlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes
from op_catalogue import OPS

import autograd as ag

SMOOTH = [op for op in OPS if op.smooth]
TORCH_TOLERANCE = {"float64": dict(rtol=1e-7, atol=1e-10), "float32": dict(rtol=1e-4, atol=1e-5)}


def cases(ops):
    return [pytest.param(op, id=op.name) for op in ops]


def seed_of(op):
    """A fixed seed per op, so the non-hypothesis tests see the same inputs on every run."""
    return zlib.crc32(op.name.encode())


def leaves(arrays, dtype=np.float64, requires_grad=True):
    return [ag.tensor(a.astype(dtype), requires_grad=requires_grad) for a in arrays]


def outputs(result):
    """An op's result as a list: split, chunk and max(dim) return several tensors."""
    return list(result) if isinstance(result, (tuple, list)) else [result]


def shapes_for(op):
    if op.signature is not None:
        drawn = mutually_broadcastable_shapes(signature=op.signature, max_dims=4, max_side=3)
    elif op.broadcasts:
        drawn = mutually_broadcastable_shapes(num_shapes=op.arity, min_dims=0, max_dims=3, max_side=3)
    else:
        return st.just(op.shapes)
    return drawn.map(lambda found: found.input_shapes)


@pytest.mark.parametrize("op", cases(op for op in OPS if op.numpy_fn is not None))
def test_forward_matches_numpy(op):
    arrays = op.sample(seed_of(op))
    ours = outputs(op.fn(*leaves(arrays, requires_grad=False)))
    expected = [np.asarray(e) for e in outputs(op.numpy_fn(*arrays))]
    assert len(ours) == len(expected)
    for got, want in zip(ours, expected):
        assert (got.shape, got.dtype) == (want.shape, want.dtype)
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("op", cases(SMOOTH))
@given(data=st.data())
def test_gradcheck(op, data):
    shapes = data.draw(shapes_for(op), label="shapes")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    assert ag.gradcheck(op.fn, leaves(op.sample(seed, shapes)))


@pytest.mark.parametrize("op", cases(SMOOTH))
def test_gradgradcheck(op):
    assert ag.gradgradcheck(op.fn, leaves(op.sample(seed_of(op))))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("op", cases(OPS))
def test_matches_torch(op, dtype):
    torch = pytest.importorskip("torch")
    arrays = [a.astype(dtype) for a in op.sample(seed_of(op))]
    ours_in = leaves(arrays, dtype)
    theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    ours, theirs = outputs(op.fn(*ours_in)), outputs(op.reference(*theirs_in))
    assert len(ours) == len(theirs)
    for got, want in zip(ours, theirs):
        want = want.detach().numpy()
        assert (got.shape, got.dtype) == (want.shape, want.dtype)
        np.testing.assert_allclose(got.detach().numpy(), want, **TORCH_TOLERANCE[dtype])

    ours = [o for o in ours if o.requires_grad]
    theirs = [o for o in theirs if o.requires_grad]
    assert len(ours) == len(theirs)
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal(o.shape).astype(dtype) for o in ours]
    ours_grads = ag.grad(ours, ours_in, [ag.tensor(w) for w in weights], allow_unused=True)
    theirs_grads = torch.autograd.grad(theirs, theirs_in, [torch.tensor(w) for w in weights], allow_unused=True)
    for i, (got, want) in enumerate(zip(ours_grads, theirs_grads)):
        got = np.zeros_like(arrays[i]) if got is None else got.numpy()
        want = np.zeros_like(arrays[i]) if want is None else want.numpy()
        assert got.dtype == want.dtype, f"gradient of input {i}"
        np.testing.assert_allclose(got, want, **TORCH_TOLERANCE[dtype], err_msg=f"gradient of input {i}")


@pytest.mark.parametrize("op", cases(OPS))
def test_float32_stays_float32(op):
    inputs = leaves(op.sample(seed_of(op)), np.float32)
    arriving = []  # the gradients as they reach each input, before any cast into .grad
    for t in inputs:
        t.register_hook(lambda g: arriving.append(g.dtype))
    results = outputs(op.fn(*inputs))
    assert {o.dtype for o in results if o.dtype.kind == "f"} == {ag.float32}
    results = [o for o in results if o.requires_grad]
    grads = ag.grad(results, inputs, [ag.ones_like(o) for o in results], allow_unused=True)
    assert arriving, "no gradient reached the inputs"
    assert set(arriving) == {ag.float32}
    assert {g.dtype for g in grads if g is not None} == {ag.float32}
