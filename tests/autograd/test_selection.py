"""Sorting, selection and the comparison utilities against PyTorch: indices and ties, the
functions without a gradient (argsort, equal, allclose, isclose, nonzero, unique, bincount,
searchsorted, bucketize, count_nonzero, rounding), Tensor.type, return types and errors.
The differentiable ones are entries in tests/op_catalogue.py."""
import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")


def same(ours, theirs):
    """Same values (NaN where NaN), shape and dtype."""
    ours, theirs = ours.detach().numpy(), theirs.detach().numpy()
    assert (ours.shape, ours.dtype) == (theirs.shape, theirs.dtype)
    np.testing.assert_array_equal(ours, theirs)


def both(values, dtype=None):
    array = np.asarray(values, dtype=dtype)
    return ag.tensor(array), torch.tensor(array)


TIES = np.random.default_rng(0).integers(0, 3, (4, 40)).astype(np.float64)
TIES[1, 5] = TIES[2, 7] = np.nan


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
def test_stable_sort_and_argsort_match_torch_with_ties_and_nan(dim, descending):
    ours, theirs = both(TIES)
    got, want = ours.sort(dim, descending, stable=True), theirs.sort(dim=dim, descending=descending, stable=True)
    same(got.values, want.values)
    same(got.indices, want.indices)
    same(ag.argsort(ours, dim, descending, stable=True), torch.argsort(theirs, dim=dim, descending=descending, stable=True))


def test_sort_of_at_most_16_elements_matches_torch_default():
    ours, theirs = both(TIES[:, :16])
    same(ag.sort(ours).indices, torch.sort(theirs).indices)
    same(ours.argsort(descending=True), theirs.argsort(descending=True))


def test_return_types_are_named_tuples():
    x = ag.tensor([[3.0, 1.0, 2.0]])
    for result in (x.sort(), x.topk(2), x.kthvalue(1), x.median(1), x.mode(1), ag.max(x, 1)):
        values, indices = result
        assert isinstance(result, tuple) and result.values is values and result.indices is indices
        assert indices.dtype == ag.int64


def test_topk_and_kthvalue_values_at_ties_match_torch_and_gradient_goes_to_the_indices():
    ours, theirs = both(TIES[0])
    ours.requires_grad_()
    got, want = ours.topk(7), theirs.topk(7)
    same(got.values.detach(), want.values)
    got.values.sum().backward()
    expected = np.zeros(40)
    expected[got.indices.numpy()] = 1
    np.testing.assert_array_equal(ours.grad.numpy(), expected)
    same(ours.kthvalue(11).values.detach(), theirs.kthvalue(11).values)


def test_median_without_dim_shares_the_gradient_among_ties_as_torch():
    ours, theirs = both([1.0, 2.0, 2.0, 3.0, 2.0])
    ours.requires_grad_(), theirs.requires_grad_()
    ours.median().backward(), theirs.median().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy())


def test_median_and_quantile_propagate_nan():
    ours, theirs = both([[1.0, np.nan, 3.0], [1.0, 2.0, 3.0]])
    same(ours.median(1).values, theirs.median(1).values)
    same(ours.median(1).indices, theirs.median(1).indices)
    same(ours.median(), theirs.median())
    same(ours.quantile(0.5, dim=1), theirs.quantile(0.5, dim=1))


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_interpolations_match_torch(interpolation):
    ours, theirs = both(np.random.default_rng(1).standard_normal((3, 6)))
    q = np.array([0.0, 0.1, 0.5, 0.7, 1.0])
    got = ours.quantile(ag.tensor(q), dim=1, interpolation=interpolation)
    want = theirs.quantile(torch.tensor(q), dim=1, interpolation=interpolation)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


def test_selection_errors_name_the_op():
    x = ag.tensor([[1.0, 2.0]])
    with pytest.raises(RuntimeError, match="topk: k=3 is out of range"):
        x.topk(3)
    with pytest.raises(RuntimeError, match="kthvalue: k=0"):
        x.kthvalue(0)
    with pytest.raises(RuntimeError, match="quantile: q values must be in the range"):
        x.quantile(1.5)
    with pytest.raises(IndexError, match="sort: dimension 2 is out of range"):
        x.sort(2)


def test_scalars_sort_and_select_along_their_only_dim():
    for ours, theirs in [(ag.sort(ag.tensor(3.0)), torch.sort(torch.tensor(3.0))),
                         (ag.topk(ag.tensor(3.0), 1), torch.topk(torch.tensor(3.0), 1)),
                         (ag.kthvalue(ag.tensor(3.0), 1), torch.kthvalue(torch.tensor(3.0), 1))]:
        same(ours.values, theirs.values)
        same(ours.indices, theirs.indices)


def test_mode_matches_torch_on_short_rows():
    ours, theirs = both(np.random.default_rng(2).integers(0, 3, (5, 12)))  # (PyTorch's mode with NaN is erratic)
    for dim in (0, 1):
        same(ours.mode(dim).values, theirs.mode(dim).values)
        same(ours.mode(dim).indices, theirs.mode(dim).indices)


def test_equal_allclose_isclose():
    a, ta = both([1.0, 2.0, np.nan])
    b, tb = both([1.0, 2.0 + 1e-7, np.nan])
    assert ag.equal(a, a) == torch.equal(ta, ta) and not ag.equal(a[:2], a)
    assert ag.equal(a[:2], b[:2]) == torch.equal(ta[:2], tb[:2])
    assert ag.allclose(a, b) is torch.allclose(ta, tb) is False
    assert ag.allclose(a, b, equal_nan=True) is torch.allclose(ta, tb, equal_nan=True) is True
    same(a.isclose(b, rtol=0, atol=1e-8), ta.isclose(tb, rtol=0, atol=1e-8))


def test_nonzero_and_count_nonzero():
    ours, theirs = both([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    same(ours.nonzero(), theirs.nonzero())
    for got, want in zip(ag.nonzero(ours, as_tuple=True), torch.nonzero(theirs, as_tuple=True)):
        same(got, want)
    same(ag.count_nonzero(ours), torch.count_nonzero(theirs))
    same(ours.count_nonzero(dim=1), theirs.count_nonzero(dim=1))
    same(ag.tensor(0.0).nonzero(), torch.tensor(0.0).nonzero())


def test_unique_bincount_searchsorted_bucketize():
    ours, theirs = both([3, 1, 2, 3, 1, 3])
    for got, want in zip(ag.unique(ours, return_inverse=True, return_counts=True),
                         torch.unique(theirs, return_inverse=True, return_counts=True)):
        same(got, want)
    rows, trows = both([[1, 2], [1, 2], [0, 5]])
    for got, want in zip(rows.unique(dim=0, return_inverse=True), trows.unique(dim=0, return_inverse=True)):
        same(got, want)
    same(ours.bincount(minlength=6), theirs.bincount(minlength=6))
    weights = np.array([0.5, 1.0, 2.0, 0.25, 1.0, 1.0], dtype=np.float32)
    same(ag.bincount(ours, ag.tensor(weights)), torch.bincount(theirs, torch.tensor(weights)))
    sequence, tsequence = both([[1.0, 3.0, 5.0, 7.0], [2.0, 4.0, 6.0, 8.0]])
    values, tvalues = both([[3.0, 6.0], [1.0, 9.0]])
    for right in (False, True):
        same(ag.searchsorted(sequence, values, right=right), torch.searchsorted(tsequence, tvalues, right=right))
        same(ag.searchsorted(sequence[0], values, out_int32=True, right=right),
             torch.searchsorted(tsequence[0], tvalues, out_int32=True, right=right))
        same(ag.bucketize(values, sequence[0], right=right), torch.bucketize(tvalues, tsequence[0], right=right))


def test_rounding_and_logic():
    ours, theirs = both([-2.5, -1.25, 0.5, 1.5, 2.675])
    for name in ("floor", "ceil", "round", "trunc", "frac"):
        same(getattr(ag, name)(ours), getattr(torch, name)(theirs))
    same(ours.round(decimals=1), theirs.round(decimals=1))
    a, ta = both([True, False, True])
    b, tb = both([True, True, False])
    for name in ("logical_and", "logical_or", "logical_xor"):
        same(getattr(ag, name)(a, b), getattr(torch, name)(ta, tb))
        same(getattr(a, name)(b), getattr(ta, name)(tb))
    same(a.logical_not(), ta.logical_not())


def test_repeat_interleave_of_counts():
    ours, theirs = both([2, 0, 3])
    same(ag.repeat_interleave(ours), torch.repeat_interleave(theirs))


def test_tensor_type():
    for dtype, name in [(ag.float32, "torch.FloatTensor"), (ag.float64, "torch.DoubleTensor"),
                        (ag.int64, "torch.LongTensor"), (ag.bool, "torch.BoolTensor")]:
        assert ag.zeros(2, dtype=dtype).type() == name == torch.zeros(2, dtype=getattr(torch, str(dtype))).type()
    x = ag.tensor([1.5, 2.0], requires_grad=True)
    assert x.type(ag.float64).dtype == ag.float64 and x.type("torch.LongTensor").dtype == ag.int64
    x.type("torch.DoubleTensor").sum().backward()
    assert x.grad.dtype == ag.float32
    with pytest.raises(ValueError, match="type: invalid type"):
        x.type("torch.NoSuchTensor")


def test_cdist_gradient_at_zero_distance_is_finite_for_every_p():
    x = ag.tensor([[0.0, 1.0], [2.0, -1.0]], requires_grad=True)
    for p in (1.0, 2.0, 3.0, float("inf")):
        x.grad = None
        ag.cdist(x, x, p=p).sum().backward()
        assert np.isfinite(x.grad.numpy()).all(), p


def test_utility_errors_name_the_op_and_shapes():
    with pytest.raises(RuntimeError, match="cdist: x1 and x2 must have the same number of columns"):
        ag.cdist(ag.zeros(2, 3), ag.zeros(2, 4))
    with pytest.raises(RuntimeError, match="cross: dimension 1 has size 2, not 3"):
        ag.cross(ag.zeros(3, 2), ag.zeros(3, 2), dim=1)
    with pytest.raises(RuntimeError, match="diag: supports 1-D and 2-D"):
        ag.diag(ag.zeros(2, 2, 2))
    with pytest.raises(RuntimeError, match="bincount: input must be a 1-D integer tensor"):
        ag.bincount(ag.zeros(3))
    with pytest.raises(TypeError, match="masked_select: the mask must be a bool tensor"):
        ag.zeros(3).masked_select(ag.tensor([1, 0, 1]))
    with pytest.raises(RuntimeError, match="repeat_interleave: repeats must be"):
        ag.zeros(3).repeat_interleave(ag.tensor([1, 2]))


def test_logcumsumexp_second_derivative_where_the_incoming_gradient_is_zero():
    # log(y^2 + 1/2) has gradient 0 at y = 0 and second derivative 4 there; through a
    # logcumsumexp over one element (the identity) it must stay 4. PyTorch 2.13 gives 0.
    x = ag.tensor([0.0, 0.5], dtype=ag.float64, requires_grad=True)
    y = x.unsqueeze(0).logcumsumexp(0).squeeze(0)
    g, = ag.grad(ag.log(y * y + 0.5).sum(), [x], create_graph=True)
    second, = ag.grad(g.sum(), [x])
    np.testing.assert_allclose(second.numpy(), [4.0, 2 * (0.5 - 0.25) / 0.75 ** 2])
