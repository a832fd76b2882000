"""autograd.linalg beyond the op catalogue (which checks every differentiable function's values
and gradients): the namespace, named tuples, errors, batching and the outputs without a
gradient, each against torch.linalg."""
import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")


def pair(array):
    return ag.tensor(array), torch.tensor(array)


def assert_close(ours, theirs, **tolerance):
    theirs = theirs.detach().numpy()
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours.detach().numpy(), theirs, **(tolerance or dict(rtol=1e-10, atol=1e-12)))


def spd(rng, *batch, n=3):
    a = rng.standard_normal(batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def test_namespace_like_torch():
    import autograd as torch_like
    assert torch_like.linalg.solve is ag.linalg.solve
    assert ag.det is ag.linalg.det and ag.logdet is ag.linalg.logdet and ag.inverse is ag.linalg.inv
    assert issubclass(ag.linalg.LinAlgError, RuntimeError)
    for name in ag.linalg.__all__:
        assert hasattr(torch.linalg, name) or hasattr(torch, name), name


@pytest.mark.parametrize("call, fields", [
    (lambda L, a: L.slogdet(a), ("sign", "logabsdet")),
    (lambda L, a: L.eigh(a + a.mT), ("eigenvalues", "eigenvectors")),
    (lambda L, a: L.svd(a), ("U", "S", "Vh")),
    (lambda L, a: L.qr(a), ("Q", "R")),
    (lambda L, a: L.lstsq(a, a), ("solution", "residuals", "rank", "singular_values")),
])
def test_named_tuples(call, fields):
    ours_in, theirs_in = pair(np.random.default_rng(0).standard_normal((2, 3, 3)))
    ours, theirs = call(ag.linalg, ours_in), call(torch.linalg, theirs_in)
    assert ours._fields == fields
    for field in fields:
        assert tuple(getattr(ours, field).shape) == tuple(getattr(theirs, field).shape), field
        assert getattr(ours, field).dtype == getattr(theirs, field).detach().numpy().dtype, field


@pytest.mark.parametrize("call", [
    lambda lib, a: lib.linalg.solve(a, lib.ones(3, dtype=lib.float64)), lambda lib, a: lib.linalg.inv(a),
    lambda lib, a: lib.linalg.cholesky(a),
], ids=["solve", "inv", "cholesky"])
def test_singular_input_raises_linalg_error(call):
    singular = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 1.0]])
    with pytest.raises(torch.linalg.LinAlgError):
        call(torch, torch.tensor(singular))
    with pytest.raises(ag.linalg.LinAlgError, match=r"linalg\.\w+: .*shape \(3, 3\)") as caught:
        call(ag, ag.tensor(singular))
    assert isinstance(caught.value, RuntimeError)


def test_not_positive_definite_raises_in_a_batch():
    batch = np.stack([np.eye(2), -np.eye(2)])
    with pytest.raises(ag.linalg.LinAlgError, match=r"cholesky.*not positive-definite"):
        ag.linalg.cholesky(ag.tensor(batch))


@pytest.mark.parametrize("call, shapes", [
    (lambda L, a, b: L.solve(a, b), ((3, 3), (4, 1))),
    (lambda L, a, b: L.solve(a, b), ((2, 3, 3), (4, 3, 1))),
    (lambda L, a, b: L.solve(a, b), ((3, 4), (3, 1))),
    (lambda L, a, b: L.inv(a), ((2, 3), ())),
    (lambda L, a, b: L.det(a), ((3,), ())),
    (lambda L, a, b: L.eigh(a), ((3, 2), ())),
    (lambda L, a, b: L.cholesky(a), ((2, 3), ())),
    (lambda L, a, b: L.solve_triangular(a, b, upper=True), ((3, 3), (2, 1))),
    (lambda L, a, b: L.solve_triangular(a, b, upper=True, left=False), ((3, 3), (3, 2))),
    (lambda L, a, b: L.solve(a, b, left=False), ((3, 3), (3,))),
])
def test_shape_errors_name_the_shapes(call, shapes):
    a, b = (np.ones(s) for s in shapes)
    with pytest.raises(RuntimeError):
        call(torch.linalg, torch.tensor(a), torch.tensor(b))
    with pytest.raises(RuntimeError, match=r"linalg\.\w+: .*" + r"\(" + ", ".join(str(n) for n in shapes[0])):
        call(ag.linalg, ag.tensor(a), ag.tensor(b))


def test_norm_needs_dim_past_two_dims():
    with pytest.raises(RuntimeError, match="1-D or 2-D"):
        ag.linalg.norm(ag.ones(2, 2, 2), ord=2)


@pytest.mark.parametrize("driver", [None, "gelsy", "gelsd", "gelss", "gels"])
@pytest.mark.parametrize("shape", [(2, 5, 3), (2, 3, 4)])
def test_lstsq_outputs_per_driver(driver, shape):
    rng = np.random.default_rng(1)
    (a, ta), (b, tb) = pair(rng.standard_normal(shape)), pair(rng.standard_normal(shape[:-1] + (2,)))
    ours, theirs = ag.linalg.lstsq(a, b, driver=driver), torch.linalg.lstsq(ta, tb, driver=driver)
    if driver == "gels" and shape[-2] < shape[-1]:  # gels (QR, no pivoting) is not minimum-norm when m < n
        ours, theirs = ours[1:], theirs[1:]
    for got, want in zip(ours, theirs):
        assert_close(got, want, rtol=1e-9, atol=1e-12)


def test_lstsq_rank_deficient_is_minimum_norm():
    a = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
    b = np.array([[1.0], [2.0], [2.0]])
    ours, theirs = ag.linalg.lstsq(ag.tensor(a), ag.tensor(b)), torch.linalg.lstsq(torch.tensor(a), torch.tensor(b))
    assert int(ours.rank) == int(theirs.rank) == 1
    assert_close(ours.solution, theirs.solution, rtol=1e-9, atol=1e-12)


def test_qr_mode_r_has_no_q_and_no_gradient():
    a = ag.tensor(np.random.default_rng(2).standard_normal((4, 3)), requires_grad=True)
    q, r = ag.linalg.qr(a, mode="r")
    assert q.shape == (0,)
    np.testing.assert_allclose(np.abs(r.detach().numpy()), np.abs(np.linalg.qr(a.detach().numpy(), mode="r")))
    with pytest.raises(RuntimeError, match="mode='r'"):
        r.sum().backward()


def test_qr_complete_tall_is_not_differentiable():
    a = ag.tensor(np.random.default_rng(3).standard_normal((4, 3)), requires_grad=True)
    q, r = ag.linalg.qr(a, mode="complete")
    assert q.shape == (4, 4) and r.shape == (4, 3)
    with pytest.raises(RuntimeError, match="mode='complete'"):
        r.sum().backward()


def test_svd_full_matrices_gradient_ignores_the_extra_columns():
    rng = np.random.default_rng(4)
    array = rng.standard_normal((5, 3))
    weights = rng.standard_normal((5, 5))
    grads = []
    for lib, a in ((ag, ag.tensor(array, requires_grad=True)), (torch, torch.tensor(array, requires_grad=True))):
        u, s, vh = lib.linalg.svd(a)
        assert tuple(u.shape) == (5, 5) and tuple(vh.shape) == (3, 3)
        signs = u[:1, :3].sign()
        loss = (u[:, :3] * signs * lib.tensor(weights[:, :3])).sum() + (u[:, 3:] * lib.tensor(weights[:, 3:])).sum()
        grads.append(lib.autograd.grad(loss, a)[0])
    assert_close(*grads, rtol=1e-8, atol=1e-10)


def test_repeated_eigenvalues():
    """The eigenvalues' gradient is finite; the eigenvectors' is NaN (ill-defined, as PyTorch's)."""
    a = ag.tensor(np.diag([1.0, 1.0, 2.0]), requires_grad=True)
    values, vectors = ag.linalg.eigh(a)
    g, = ag.grad(values.sum(), a, retain_graph=True)
    np.testing.assert_allclose(g.numpy(), np.eye(3), atol=1e-12)
    g, = ag.grad(vectors[0, 1], a)
    assert np.isnan(g.numpy()).all()


def test_svdvals_gradient_at_repeated_singular_values_is_finite():
    for lib in (ag, torch):
        a = lib.tensor(np.eye(3), requires_grad=True)
        g, = lib.autograd.grad(lib.linalg.svdvals(a).sum(), a)
        np.testing.assert_allclose(g.detach().numpy(), np.eye(3), atol=1e-12)


def test_solve_triangular_zero_diagonal_gives_inf_as_torch():
    a, b = np.array([[0.0, 1.0], [0.0, 1.0]]), np.array([[1.0], [1.0]])
    ours = ag.linalg.solve_triangular(ag.tensor(a), ag.tensor(b), upper=True)
    theirs = torch.linalg.solve_triangular(torch.tensor(a), torch.tensor(b), upper=True)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("matrix", [-np.eye(3), np.zeros((3, 3)), np.diag([1.0, -2.0, -3.0])])
def test_slogdet_and_logdet_signs(matrix):
    (a, ta) = pair(matrix)
    for got, want in zip((*ag.linalg.slogdet(a), ag.logdet(a)), (*torch.linalg.slogdet(ta), torch.logdet(ta))):
        assert_close(got, want)


def test_slogdet_sign_requires_grad_but_gets_none():
    a = ag.tensor(np.eye(2) * 2, requires_grad=True)
    sign, logabsdet = ag.linalg.slogdet(a)
    assert sign.requires_grad and logabsdet.requires_grad
    g, = ag.grad(sign.sum() + logabsdet, a)
    np.testing.assert_allclose(g.numpy(), np.eye(2) / 2)


def test_batched_broadcasting_and_float32():
    rng = np.random.default_rng(5)
    a = spd(rng, 2, 1).astype(np.float32)
    b = rng.standard_normal((3, 3, 2)).astype(np.float32)
    (oa, ta), (ob, tb) = pair(a), pair(b)
    assert_close(ag.linalg.solve(oa, ob), torch.linalg.solve(ta, tb), rtol=1e-5, atol=1e-6)
    assert_close(ag.cholesky_solve(ob, ag.linalg.cholesky(oa)), torch.cholesky_solve(tb, torch.linalg.cholesky(ta)),
                 rtol=1e-4, atol=1e-5)
    assert_close(ag.linalg.eigvalsh(oa), torch.linalg.eigvalsh(ta), rtol=1e-5, atol=1e-5)
    assert_close(ag.linalg.pinv(ob), torch.linalg.pinv(tb), rtol=1e-4, atol=1e-5)


def test_pinv_of_a_rank_deficient_matrix():
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]])
    assert_close(ag.linalg.pinv(ag.tensor(a)), torch.linalg.pinv(torch.tensor(a)))
    assert_close(ag.linalg.pinv(ag.tensor(a), atol=0.5), torch.linalg.pinv(torch.tensor(a), atol=0.5))


@pytest.mark.parametrize("ord_, dim", [(None, None), ("fro", None), ("nuc", None), (2, None), (1, (0, 1)),
                                      (float("inf"), (1, 0)), (3, 1), (0, 1), (-1, 0), (None, (0,))])
def test_norm_variants(ord_, dim):
    (a, ta) = pair(np.random.default_rng(6).standard_normal((3, 4)))
    assert_close(ag.linalg.norm(a, ord_, dim), torch.linalg.norm(ta, ord_, dim))


def test_gaussian_process_log_likelihood_gradient():
    """The GP pattern: K = k(X, X) + noise I, L = cholesky(K), alpha = cholesky_solve(y, L)."""
    rng = np.random.default_rng(7)
    x, y = rng.uniform(-2, 2, (6, 1)), rng.standard_normal((6, 1))
    grads = []
    for lib in (ag, torch):
        scale = lib.tensor(0.7, dtype=lib.float64, requires_grad=True)
        xs = lib.tensor(x)
        k = lib.exp(-((xs - xs.mT) ** 2) / (2 * scale ** 2)) + 0.1 * lib.eye(6, dtype=lib.float64)
        low = lib.linalg.cholesky(k)
        alpha = lib.cholesky_solve(lib.tensor(y), low)
        nll = 0.5 * (lib.tensor(y).mT @ alpha).sum() + lib.log(lib.diagonal(low)).sum()
        grads.append(lib.autograd.grad(nll, scale)[0])
    assert_close(*grads)


@pytest.mark.parametrize("matrix", [np.array([[1.0, 2.0], [2.0, 4.0]]), np.diag([2.0, 0.0, 3.0]), np.zeros((3, 3)),
                                    np.stack([np.eye(2), np.ones((2, 2))])])
def test_det_gradient_at_singular_matrices_is_the_adjugate(matrix):
    """Where PyTorch 2.13 gives 0 (pytorch/pytorch#104675), the gradient here is the transposed
    adjugate, the true derivative (det is a polynomial): gradcheck holds at singular matrices."""
    assert ag.gradcheck(ag.linalg.det, [ag.tensor(matrix, requires_grad=True)])
    a = ag.tensor(np.array([[1.0, 2.0], [2.0, 4.0]]), requires_grad=True)
    g, = ag.grad(ag.linalg.det(a), a)
    np.testing.assert_allclose(g.numpy(), [[4.0, -2.0], [-2.0, 1.0]], atol=1e-12)
