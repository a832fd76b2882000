"""PyTorch names that ported programs use (issue 16), each against torch: constants, finfo and
iinfo, print options, inference_mode, nan_to_num, isin, narrow, clone, the linear-algebra Tensor
methods, bernoulli and multinomial (statistically), thread counts, Size, vmap, IterableDataset."""
import math

import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")


def test_constants_are_torchs():
    assert (ag.pi, ag.e, ag.inf) == (torch.pi, torch.e, torch.inf)
    assert math.isnan(ag.nan) and math.isnan(torch.nan)


@pytest.mark.parametrize("name", ["float16", "float32", "float64"])
def test_finfo(name):
    ours, theirs = ag.finfo(getattr(ag, name)), torch.finfo(getattr(torch, name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, field) == getattr(theirs, field), field
    assert repr(ours) == repr(theirs)


def test_finfo_defaults_to_the_default_dtype_and_takes_a_tensors_dtype():
    assert ag.finfo().dtype == torch.finfo().dtype == "float32"
    assert ag.finfo(ag.zeros(1, dtype=ag.float64).dtype).eps == torch.finfo(torch.float64).eps
    with pytest.raises(TypeError):
        ag.finfo(ag.int32)


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo(name):
    ours, theirs = ag.iinfo(getattr(ag, name)), torch.iinfo(getattr(torch, name))
    assert (ours.bits, ours.min, ours.max, ours.dtype) == (theirs.bits, theirs.min, theirs.max, theirs.dtype)
    assert repr(ours) == repr(theirs)
    with pytest.raises(TypeError):
        ag.iinfo(ag.float32)
    with pytest.raises(TypeError):
        ag.iinfo(ag.bool)


@pytest.fixture
def printoptions():
    yield
    ag.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")


def test_set_printoptions_precision_threshold_edgeitems(printoptions):
    for kwargs in ({"precision": 2}, {"threshold": 5, "edgeitems": 2}, {"profile": "short"}):
        ag.set_printoptions(**kwargs)
        torch.set_printoptions(**kwargs)
        digits = torch._tensor_str.PRINT_OPTS.precision
        assert f"{1.23456:.{digits}f}" in repr(ag.tensor([1.23456, 2.5])) and f"{1.23456:.{digits + 1}f}" not in \
            repr(ag.tensor([1.23456, 2.5]))
        ours, theirs = repr(ag.arange(10)), repr(torch.arange(10))  # the same elements shown (spacing differs)
        assert ours.replace(" ", "") == theirs.replace(" ", "")
        ag.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")
    ag.set_printoptions(profile="full")
    torch.set_printoptions(profile="full")
    assert "..." not in repr(ag.arange(2000)) and "..." not in repr(torch.arange(2000))


def test_set_printoptions_sci_mode_and_default(printoptions):
    ag.set_printoptions(sci_mode=True)
    torch.set_printoptions(sci_mode=True)
    assert repr(ag.tensor([1.5])) == repr(torch.tensor([1.5])) == "tensor([1.5000e+00])"
    ag.set_printoptions(sci_mode=False)
    torch.set_printoptions(sci_mode=False)
    assert repr(ag.tensor([1e-5, 1.0])) == repr(torch.tensor([1e-5, 1.0])) == "tensor([0.0000, 1.0000])"
    ag.set_printoptions(profile="default")
    assert repr(ag.tensor([1.12345])) == repr(torch.tensor([1.12345])) == "tensor([1.1235])"
    with pytest.raises(ValueError):
        ag.set_printoptions(profile="tiny")


def test_inference_mode():
    w, tw = ag.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    with ag.inference_mode(), torch.inference_mode():
        assert ag.is_inference_mode_enabled() and torch.is_inference_mode_enabled()
        assert not ag.is_grad_enabled() and not torch.is_grad_enabled()
        assert (w * 2).requires_grad == (tw * 2).requires_grad == False  # noqa: E712
    assert not ag.is_inference_mode_enabled() and ag.is_grad_enabled()
    with ag.inference_mode(False), torch.inference_mode(False):
        assert (w * 2).requires_grad and (tw * 2).requires_grad
        assert not ag.is_inference_mode_enabled()

    @ag.inference_mode()
    def called():
        return ag.is_grad_enabled()

    @ag.inference_mode
    def bare():
        return ag.is_grad_enabled()

    assert called() is False and bare() is False and ag.is_grad_enabled()


@pytest.mark.parametrize("kwargs", [{}, {"nan": 1.5}, {"posinf": 9.0, "neginf": -9.0}])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_nan_to_num_values_and_gradient(kwargs, dtype):
    data = np.array([1.0, np.nan, np.inf, -np.inf, -2.0], dtype=dtype)
    x = ag.tensor(data, requires_grad=True)
    t = torch.tensor(data, requires_grad=True)
    y, ty = ag.nan_to_num(x, **kwargs), torch.nan_to_num(t, **kwargs)
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    assert y.dtype == np.dtype(dtype)
    y.backward(ag.arange(5.0, dtype=y.dtype))
    ty.backward(torch.arange(5.0, dtype=ty.dtype))
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
    np.testing.assert_array_equal(x.nan_to_num(**kwargs).detach().numpy(), ty.detach().numpy())


def test_nan_to_num_of_integers_is_a_copy():
    x = ag.tensor([1, 2])
    assert ag.nan_to_num(x).tolist() == torch.nan_to_num(torch.tensor([1, 2])).tolist()


def test_isin():
    a, b = [[1, 2], [3, 4]], [2, 3, 9]
    for kwargs in ({}, {"invert": True}, {"assume_unique": True}):
        assert ag.isin(ag.tensor(a), ag.tensor(b), **kwargs).tolist() == \
            torch.isin(torch.tensor(a), torch.tensor(b), **kwargs).tolist()
    assert ag.isin(ag.tensor([1, 2]), 2).tolist() == torch.isin(torch.tensor([1, 2]), 2).tolist()
    assert ag.isin(3, ag.tensor([1, 3])).tolist() == torch.isin(3, torch.tensor([1, 3])).tolist()
    assert ag.isin(ag.tensor([1.0]), ag.tensor([1.0])).dtype == ag.bool


@pytest.mark.parametrize("dim,start,length", [(0, 0, 2), (1, 1, 2), (1, -2, 2), (-1, 3, 0), (0, 1, 1)])
def test_narrow_is_a_view_like_torchs(dim, start, length):
    data = np.arange(12.0).reshape(3, 4)
    x, t = ag.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, ty = ag.narrow(x, dim, start, length), torch.narrow(t, dim, start, length)
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    (y * 3).sum().backward()
    (ty * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
    base = ag.tensor(data)
    view = base.narrow(dim, start, length)
    view.fill_(-1.0)
    assert (base.numpy() == -1).sum() == view.numel()  # shares storage


def test_narrow_errors():
    x, t = ag.zeros(3, 4), torch.zeros(3, 4)
    for args in ((1, 3, 2), (1, 5, 0), (2, 0, 1)):
        with pytest.raises((IndexError, RuntimeError)):
            torch.narrow(t, *args)
        with pytest.raises((IndexError, RuntimeError)):
            ag.narrow(x, *args)


def test_clone_function():
    x, t = ag.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)
    y, ty = ag.clone(x), torch.clone(t)
    assert y.tolist() == ty.tolist() and y.requires_grad and y is not x
    ag.clone(x).detach().numpy()[0] = 7.0  # its own storage
    assert x.tolist() == [1.0, 2.0]
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    assert x.grad.tolist() == t.grad.tolist()


@pytest.mark.parametrize("method", ["det", "logdet", "inverse", "pinverse"])
def test_linalg_tensor_methods(method):
    data = np.array([[[2.0, 1.0], [1.0, 3.0]], [[4.0, -1.0], [0.5, 1.0]]])
    x, t = ag.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, ty = getattr(x, method)(), getattr(t, method)()
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-9)


def test_slogdet_method():
    data = np.array([[1.0, 2.0], [3.0, 1.0]])
    (sign, logabsdet), (tsign, tlogabsdet) = ag.tensor(data).slogdet(), torch.tensor(data).slogdet()
    assert sign.item() == tsign.item() == -1.0
    assert math.isclose(logabsdet.item(), tlogabsdet.item())


def test_bernoulli_frequencies_and_shape():
    ag.manual_seed(0)
    p = ag.tensor([0.0, 0.2, 0.5, 0.9, 1.0], dtype=ag.float64).expand(20000, 5)
    draws = ag.bernoulli(p)
    assert draws.shape == torch.bernoulli(torch.zeros(20000, 5, dtype=torch.float64)).shape
    assert draws.dtype == ag.float64 and set(np.unique(draws.numpy())) <= {0.0, 1.0}
    freq = draws.numpy().mean(axis=0)
    assert freq[0] == 0.0 and freq[4] == 1.0
    np.testing.assert_allclose(freq[1:4], [0.2, 0.5, 0.9], atol=4 * math.sqrt(0.25 / 20000))
    half = ag.zeros(20000).bernoulli(0.5)
    assert abs(half.numpy().mean() - 0.5) < 4 * math.sqrt(0.25 / 20000)
    with pytest.raises(RuntimeError):
        ag.bernoulli(ag.tensor([1.5]))
    with pytest.raises(RuntimeError):
        torch.bernoulli(torch.tensor([1.5]))


def test_bernoulli_is_reproducible_with_a_generator():
    a = ag.bernoulli(ag.full((50,), 0.5), generator=ag.Generator().manual_seed(3))
    b = ag.bernoulli(ag.full((50,), 0.5), generator=ag.Generator().manual_seed(3))
    assert a.tolist() == b.tolist()


def test_multinomial_with_replacement_frequencies():
    ag.manual_seed(1)
    weights = [1.0, 0.0, 3.0, 4.0]  # unnormalized, as torch takes them
    draws = ag.multinomial(ag.tensor(weights), 40000, replacement=True)
    assert draws.dtype == ag.int64 and draws.shape == torch.multinomial(torch.tensor(weights), 40000, True).shape
    counts = np.bincount(draws.numpy(), minlength=4) / 40000
    expected = np.array(weights) / 8
    np.testing.assert_allclose(counts, expected, atol=4 * math.sqrt(0.25 / 40000))
    assert counts[1] == 0


def test_multinomial_without_replacement():
    ag.manual_seed(2)
    rows = ag.tensor([[1.0, 1.0, 1.0, 1.0], [0.0, 5.0, 1.0, 0.0]])
    draws = ag.multinomial(rows, 2)
    assert draws.shape == (2, 2) == tuple(torch.multinomial(torch.ones(2, 4), 2).shape)
    for _ in range(200):
        d = rows.multinomial(4)
        assert sorted(d[0].tolist()) == [0, 1, 2, 3]  # each index once
        assert sorted(d[1, :2].tolist()) == [1, 2]  # the positive weights first
    # first pick of row [1, 3]: 1 with probability 3/4
    first = np.array([ag.multinomial(ag.tensor([1.0, 3.0]), 2)[0].item() for _ in range(4000)])
    assert abs(first.mean() - 0.75) < 4 * math.sqrt(0.1875 / 4000)


@pytest.mark.parametrize("args", [([1.0, 1.0], 3, False), ([-1.0, 1.0], 1, True), ([0.0, 0.0], 1, True),
                                  (np.ones((2, 2, 2)), 1, True), ([1.0, float("nan")], 1, True)])
def test_multinomial_errors_like_torch(args):
    weights, n, replacement = args
    with pytest.raises(RuntimeError):
        torch.multinomial(torch.tensor(weights), n, replacement)
    with pytest.raises(RuntimeError):
        ag.multinomial(ag.tensor(weights), n, replacement)


def test_num_threads():
    before = ag.get_num_threads()
    assert isinstance(before, int) and before >= 1 and torch.get_num_threads() >= 1
    try:
        ag.set_num_threads(3)
        assert ag.get_num_threads() == 3
        with pytest.raises(ValueError):
            ag.set_num_threads(0)
    finally:
        ag.set_num_threads(before)


def test_size():
    s, ts = ag.Size([2, 3]), torch.Size([2, 3])
    assert s == ts == (2, 3) and isinstance(s, tuple) and s.numel() == ts.numel() == 6
    assert ag.zeros(2, 3).shape == s and ag.zeros(s).shape == (2, 3)
    assert ag.Size().numel() == torch.Size().numel() == 1
    assert repr(s) == "Size([2, 3])" and s[1:] == (3,)


def test_vmap_is_func_vmap():
    assert ag.vmap is ag.func.vmap
    x = np.arange(6.0).reshape(2, 3)
    ours = ag.vmap(lambda r: (r * r).sum())(ag.tensor(x))
    theirs = torch.vmap(lambda r: (r * r).sum())(torch.tensor(x))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())


def test_the_bridge_forwards_the_new_names():
    import graphgrad.torch as gt
    for name in ("vmap", "inference_mode", "set_printoptions", "finfo", "iinfo", "pi", "inf", "nan", "e",
                 "nan_to_num", "isin", "narrow", "multinomial", "bernoulli", "clone", "set_num_threads",
                 "get_num_threads", "Size", "is_inference_mode_enabled"):
        assert getattr(gt, name) is getattr(ag, name) or name == "nan", name
    assert gt.utils.data.IterableDataset is ag.data.IterableDataset


# ---- IterableDataset -----------------------------------------------------------------------------
class _Stream(ag.data.IterableDataset):
    def __init__(self, n, kind):
        self.n, self.kind = n, kind

    def __iter__(self):
        return (self.kind.tensor([float(i), float(i * i)]) for i in range(self.n))


class _TorchStream(torch.utils.data.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return (torch.tensor([float(i), float(i * i)]) for i in range(self.n))


@pytest.mark.parametrize("batch_size,drop_last", [(2, False), (2, True), (3, False), (None, False), (1, False)])
def test_dataloader_batches_an_iterable_dataset_as_torch(batch_size, drop_last):
    ours = list(ag.data.DataLoader(_Stream(7, ag), batch_size=batch_size, drop_last=drop_last))
    theirs = list(torch.utils.data.DataLoader(_TorchStream(7), batch_size=batch_size, drop_last=drop_last))
    assert [b.tolist() for b in ours] == [b.tolist() for b in theirs]
    assert [tuple(b.shape) for b in ours] == [tuple(b.shape) for b in theirs]


def test_dataloader_refuses_shuffle_and_samplers_for_an_iterable_dataset():
    for kwargs in ({"shuffle": True}, {"sampler": [0, 1]}, {"batch_sampler": [[0, 1]]}):
        with pytest.raises(ValueError):
            torch.utils.data.DataLoader(_TorchStream(3), **kwargs)
        with pytest.raises(ValueError):
            ag.data.DataLoader(_Stream(3, ag), **kwargs)


def test_an_iterable_dataset_with_a_length_gives_the_loader_one():
    class Sized(_Stream):
        def __len__(self):
            return self.n

    assert len(ag.data.DataLoader(Sized(7, ag), batch_size=2)) == 4
    assert len(ag.data.DataLoader(Sized(7, ag), batch_size=2, drop_last=True)) == 3
