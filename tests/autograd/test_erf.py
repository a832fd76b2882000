"""erf's vectorised NumPy kernel (Cephes' rational approximations, in float64): accuracy against
math.erf on dense and tiny grids, special values, dtypes and shapes kept, and agreement with
torch.erf in float64 and float32 (within one float32 ulp)."""
import math

import numpy as np
import pytest

import autograd as ag
from autograd.ops.special import ERF_BLOCK, erf_array

torch = pytest.importorskip("torch")

_math_erf = np.vectorize(math.erf, otypes=[np.float64])


def ulps64(got, want):
    """|got - want| in units of the last place of want (want != 0)."""
    return np.abs(got - want) / np.spacing(np.abs(want))


def ulps32(got, want):
    """Distance between float32 arrays in representable steps (sign-magnitude bits made monotonic)."""
    def ordered(x):
        bits = np.ascontiguousarray(x, dtype=np.float32).view(np.int32).astype(np.int64)
        return np.where(bits < 0, -(bits & 0x7FFFFFFF), bits)
    return np.abs(ordered(got) - ordered(want))


def test_dense_grid_matches_math_erf_to_a_few_ulp():
    x = np.linspace(-6, 6, 1_000_001)
    got, want = erf_array(x), _math_erf(x)
    nonzero = want != 0
    assert got[~nonzero].tolist() == [0.0]
    assert np.max(np.abs(got - want)[nonzero] / np.abs(want[nonzero])) <= 1e-15
    assert np.max(ulps64(got[nonzero], want[nonzero])) <= 4


def test_tiny_values_match_math_erf_to_a_few_ulp():
    tiny = np.geomspace(1e-300, 1e-5, 200_001)
    x = np.concatenate([tiny, -tiny, [5e-324, -5e-324, 2.2250738585072014e-308, 1e-310]])
    got, want = erf_array(x), _math_erf(x)
    assert np.max(ulps64(got, want)) <= 4
    assert np.array_equal(np.sign(got), np.sign(x))


def test_branch_edges_and_tails():
    edges = [1.0, 8.0, 5.9, 5.93, 6.0, 30.0, 1e10, 1e308]
    x = np.array([np.nextafter(e, -np.inf) for e in edges] + edges + [np.nextafter(e, np.inf) for e in edges])
    x = np.concatenate([x, -x])
    got, want = erf_array(x), _math_erf(x)
    assert np.max(ulps64(got, want)) <= 4
    assert np.all(np.abs(got) <= 1)


def test_special_values():
    got = erf_array(np.array([np.inf, -np.inf, np.nan, 0.0, -0.0]))
    assert got[0] == 1.0 and got[1] == -1.0 and np.isnan(got[2])
    assert got[3] == 0.0 and not np.signbit(got[3])
    assert got[4] == 0.0 and np.signbit(got[4])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtype_and_shape_kept(dtype):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((3, ERF_BLOCK + 17)) * 2).astype(dtype)  # several blocks, a ragged last one
    before = x.copy()
    for arr in (x, x.T, x[:, ::3], x[0, 0], x[:0]):  # C, F-ordered, strided, 0-d, empty
        got = erf_array(arr)
        assert got.dtype == dtype and got.shape == arr.shape
        np.testing.assert_array_max_ulp(got, _math_erf(arr.astype(np.float64)).astype(dtype), maxulp=4 if dtype == np.float64 else 1)
    np.testing.assert_array_equal(x, before)  # input untouched


def test_integers_and_python_scalars_give_float64():
    assert erf_array(np.array([0, 1, -2])).dtype == np.float64
    np.testing.assert_array_max_ulp(erf_array(np.array([0, 1, -2])), np.array([0.0, math.erf(1), math.erf(-2)]), maxulp=4)
    np.testing.assert_array_max_ulp(erf_array(0.5), np.float64(math.erf(0.5)), maxulp=4)


def test_float64_matches_torch():
    x = np.concatenate([np.linspace(-7, 7, 200_001), np.geomspace(1e-300, 1e-3, 1000), [np.inf, -np.inf, 0.0]])
    got = ag.erf(ag.tensor(x)).numpy()
    want = torch.erf(torch.from_numpy(x)).numpy()
    assert got.dtype == np.float64
    nonzero = want != 0
    assert np.array_equal(got[~nonzero], want[~nonzero])
    assert np.max(ulps64(got[nonzero], want[nonzero])) <= 4


def test_float32_within_one_ulp_of_torch():
    tiny = np.geomspace(1e-38, 1e-2, 100_000)
    x = np.concatenate([np.linspace(-10, 10, 1_000_001), tiny, -tiny, [1e-45, -1e-45, np.inf, -np.inf, 0.0, -0.0]])
    x = x.astype(np.float32)
    got = ag.erf(ag.tensor(x)).numpy()
    want = torch.erf(torch.from_numpy(x)).numpy()
    assert got.dtype == np.float32
    assert np.max(ulps32(got, want)) <= 1
    assert np.isnan(ag.erf(ag.tensor(np.float32(np.nan))).numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradient_and_gelu_against_torch(dtype):
    x = (np.random.default_rng(1).standard_normal(1000) * 3).astype(dtype)
    a, t = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ag.erf(a).sum().backward()
    torch.erf(t).sum().backward()
    assert a.grad.dtype == dtype
    rtol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=1e-30)
    g = ag.gelu(ag.tensor(x)).numpy()
    assert g.dtype == dtype
    # float32: 1 + erf(x / sqrt 2) cancels for x << 0, where torch's own float32 gelu is off by up to 1e-6
    want = torch.nn.functional.gelu(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(g, want, rtol=rtol * 10, atol=2e-6 if dtype == np.float32 else 1e-15)
