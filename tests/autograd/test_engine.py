"""The backward engine: graph semantics, higher order, memory, in-place safety, errors."""
import gc
import threading
import tracemalloc

import numpy as np
import pytest

import autograd as ag



def _torch():
    return pytest.importorskip("torch")


# ---- the articles' small graphs ---------------------------------------------------------

def test_article_003_partial_derivatives_tensor_and_scalar():
    a, b, c = (ag.tensor(v, dtype=ag.float64, requires_grad=True) for v in (5.0, 3.0, 2.0))
    v = b * c
    u = a + v
    J = 3 * u
    J.backward()
    assert J.item() == 33.0
    assert (a.grad.item(), b.grad.item(), c.grad.item()) == (3.0, 6.0, 9.0)

    a, b, c = ag.Scalar(5.0, "a"), ag.Scalar(3.0, "b"), ag.Scalar(2.0, "c")
    v = b * c
    u = a + v
    J = 3 * u
    J.backward()
    assert J.data == 33.0
    assert (a.grad, b.grad, c.grad, v.grad, u.grad) == (3.0, 6.0, 9.0, 3.0, 3.0)


def test_article_004_numbers_with_scalars():
    x = [1.0, 2.0]
    w1 = [[ag.Scalar(0.5), ag.Scalar(0.2)], [ag.Scalar(0.3), ag.Scalar(0.7)]]
    w2 = [ag.Scalar(0.6), ag.Scalar(0.8)]
    h = [row[0] * x[0] + row[1] * x[1] for row in w1]
    y = w2[0] * h[0].relu() + w2[1] * h[1].relu()
    loss = 0.5 * (y - 1.5) ** 2
    loss.backward()
    assert [round(t.data, 12) for t in h] == [0.9, 1.7]
    assert round(y.data, 12) == 1.9
    assert round(loss.data, 12) == 0.08
    assert [round(w.grad, 12) for w in w2] == [0.36, 0.68]
    assert [[round(w.grad, 12) for w in row] for row in w1] == [[0.24, 0.48], [0.32, 0.64]]


def test_scalar_ops_match_their_derivatives():
    for op, f, df in [
        ("exp", np.exp, np.exp),
        ("log", np.log, lambda x: 1 / x),
        ("tanh", np.tanh, lambda x: 1 - np.tanh(x) ** 2),
        ("sigmoid", lambda x: 1 / (1 + np.exp(-x)), lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2),
        ("relu", lambda x: max(x, 0.0), lambda x: float(x > 0)),
    ]:
        for value in (0.7, 1.9):
            x = ag.Scalar(value)
            y = getattr(x, op)()
            y.backward()
            assert y.data == pytest.approx(f(value), rel=1e-12), op
            assert x.grad == pytest.approx(df(value), rel=1e-12), op
    x = ag.Scalar(3.0)
    y = x**2.5 - 1 / x
    y.backward()
    assert x.grad == pytest.approx(2.5 * 3.0**1.5 + 1 / 9.0)
    with pytest.raises(TypeError, match="exponent"):
        x ** ag.Scalar(2.0)


def test_value_is_scalar():
    assert ag.Value is ag.Scalar
    assert ag.Value(2.0)._prev == set()


# ---- accumulation, retain_graph, create_graph ---------------------------------------------

def test_gradients_accumulate_and_shared_subexpressions_count_once_per_use():
    x = ag.tensor([1.0, -2.0], dtype=ag.float64, requires_grad=True)
    y = x * x  # x used twice: two edges
    z = y + y * x  # y used twice: a diamond
    z.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy(force=True) + 3 * x.numpy(force=True) ** 2)
    z2 = (x * 2).sum()
    z2.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy(force=True) + 3 * x.numpy(force=True) ** 2 + 2)


def test_second_backward_through_a_freed_graph_raises_and_retain_graph_allows_it():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first, rtol=1e-6)
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_hessian_by_two_backward_passes_matches_torch():
    torch = _torch()
    rng = np.random.default_rng(0)
    x_np, w_np = rng.standard_normal((5, 3)), rng.standard_normal((3, 4))
    x, w = ag.tensor(x_np), ag.tensor(w_np, requires_grad=True)
    out = (ag.tanh(x @ w) ** 2).sum()
    (gw,) = ag.grad(out, w, create_graph=True)
    flat = gw.reshape(-1)
    hessian = np.stack([ag.grad(flat[i], w, retain_graph=True)[0].numpy().reshape(-1) for i in range(w.numel())])

    def f(wt):
        return (torch.tanh(torch.tensor(x_np) @ wt) ** 2).sum()
    expected = torch.autograd.functional.hessian(f, torch.tensor(w_np)).reshape(12, 12).numpy()
    np.testing.assert_allclose(hessian, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("fn", [
    lambda x, w: ag.tanh(x).sum() * ag.sigmoid(w).sum(),
    lambda x, w: ag.exp(x * 0.3).sum() + ag.log(w * w + 1).sum(),
    lambda x, w: (x @ w).tanh(),
    lambda x, w: ag.softmax(x @ w, dim=1),
    lambda x, w: ag.log_softmax(x @ w, dim=1),
    lambda x, w: ag.logsumexp(x @ w, dim=0),
], ids=["tanh-sigmoid", "exp-log", "matmul-tanh", "softmax", "log_softmax", "logsumexp"])
def test_gradgradcheck_on_compositions(fn):
    rng = np.random.default_rng(1)
    x = ag.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    w = ag.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    assert ag.gradgradcheck(fn, (x, w))


def test_third_derivative_of_a_power():
    x = ag.tensor(2.0, dtype=ag.float64, requires_grad=True)
    (d1,) = ag.grad(x**4, x, create_graph=True)
    (d2,) = ag.grad(d1, x, create_graph=True)
    (d3,) = ag.grad(d2, x)
    assert (d1.item(), d2.item(), d3.item()) == (32.0, 48.0, 48.0)


def test_ops_that_save_a_0d_output_keep_its_graph_for_higher_orders():
    x = ag.tensor(0.4, dtype=ag.float64, requires_grad=True)
    (d1,) = ag.grad(ag.tanh(x), x, create_graph=True)
    (d2,) = ag.grad(d1, x)
    t = np.tanh(0.4)
    assert d2.item() == pytest.approx(-2 * t * (1 - t * t), rel=1e-12)


def test_0d_float64_gradients_summed_by_the_engine_stay_float64():
    x = ag.tensor([1.5, -0.5], dtype=ag.float64, requires_grad=True)
    a = x[0]
    (a * 0.1 + a * 0.3).backward()
    assert x.grad.dtype == np.float64 and x.grad.numpy()[0] == pytest.approx(0.4, rel=1e-15)


def test_grad_returns_instead_of_accumulating_and_reports_unused_inputs():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    unused = ag.tensor(1.0, requires_grad=True)
    y = (x**2).sum()
    (gx,) = ag.grad(y, x, retain_graph=True)
    np.testing.assert_allclose(gx.numpy(), [2.0, 4.0])
    assert x.grad is None
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        ag.grad(y, [x, unused], retain_graph=True)
    assert ag.grad(y, [x, unused], allow_unused=True)[1] is None


def test_grad_of_an_intermediate_tensor():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    y = (h**2).sum()
    (gh,) = ag.grad(y, h)
    np.testing.assert_allclose(gh.numpy(), 2 * 3 * np.array([1.0, 2.0]))


# ---- deep graphs and memory ---------------------------------------------------------------

def test_a_million_scalar_operations_backprop_without_recursion():
    x = ag.Scalar(1.0)
    y = x
    for _ in range(1_000_000):
        y = y * 1.000001
    y.backward()
    assert x.grad == pytest.approx(1.000001**1_000_000 * 1.0, rel=1e-9)


def test_a_million_tensor_operations_backprop_without_recursion():
    x = ag.tensor(1.0, dtype=ag.float64, requires_grad=True)
    y = x
    for _ in range(1_000_000):
        y = y * 1.000001
    y.backward()
    assert x.grad.item() == pytest.approx(1.000001**1_000_000, rel=1e-9)
    del y
    gc.collect()


def test_saved_arrays_are_released_after_backward():
    data = ag.tensor(np.random.default_rng(0).standard_normal(5_000_000))  # 40 MB, no grad
    w = ag.tensor(0.5, dtype=ag.float64, requires_grad=True)
    tracemalloc.start()
    try:
        loss = (data * w).exp().sum()  # exp keeps its 40 MB output for backward
        held = tracemalloc.get_traced_memory()[0]
        loss.backward()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert held - after > 35e6, (held, after)
    assert loss.grad_fn.saved_values == ()
    assert w.grad is not None


def test_training_loop_memory_stays_flat():
    rng = np.random.default_rng(0)
    w = ag.tensor(rng.standard_normal((64, 64)), requires_grad=True)
    x = ag.tensor(rng.standard_normal((32, 64)))

    def step():
        loss = ((x @ w).tanh() ** 2).mean()
        loss.backward()
        with ag.no_grad():
            w.sub_(0.01 * w.grad)
        w.grad = None

    for _ in range(10):
        step()
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(200):
            step()
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert grown < 256 * 1024, grown


# ---- hooks, retain_grad, grad modes, detach, .data ----------------------------------------

def test_retain_grad_and_hooks():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    h.retain_grad()
    seen = []
    h.register_hook(lambda g: seen.append(g.numpy().copy()))
    x.register_hook(lambda g: g * 10)  # a leaf hook may replace the gradient
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), [4.0, 8.0])
    np.testing.assert_allclose(seen[0], [4.0, 8.0])
    np.testing.assert_allclose(x.grad.numpy(), [80.0, 160.0])


def test_hook_replacing_a_non_leaf_gradient_changes_what_flows_on():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    handle = h.register_hook(lambda g: g * 0)
    h.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.0])
    handle.remove()
    x.grad = None
    h2 = x * 1
    h2.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0])


def test_grad_modes_and_decorators():
    w = ag.ones(2, requires_grad=True)
    with ag.no_grad():
        assert not (w * 2).requires_grad
        with ag.enable_grad():
            assert (w * 2).requires_grad
    assert ag.is_grad_enabled()

    @ag.no_grad()
    def infer():
        return w * 2
    assert not infer().requires_grad
    assert ag.is_grad_enabled()

    ag.set_grad_enabled(False)
    assert not ag.is_grad_enabled()
    ag.set_grad_enabled(True)
    with ag.set_grad_enabled(False):
        assert not (w * 2).requires_grad
    assert ag.is_grad_enabled()


def test_grad_mode_is_thread_local():
    seen = {}

    def worker():
        seen["enabled"] = ag.is_grad_enabled()

    with ag.no_grad():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
    assert seen["enabled"] is True


def test_detach_and_data_semantics():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    d = w.detach()
    assert not d.requires_grad and d.grad_fn is None
    d[0] = 5.0  # shares storage
    assert w.detach().numpy()[0] == 5.0
    y = (w * w).sum()
    w.data.mul_(2)  # .data changes are not tracked (PyTorch semantics): no error, new values used
    y.backward()
    np.testing.assert_allclose(w.grad.numpy(), [20.0, 8.0])
    w.data = ag.tensor([0.0, 0.0])
    np.testing.assert_allclose(w.detach().numpy(), [0.0, 0.0])
    assert w.requires_grad and w.is_leaf


def test_article_003_pytorch_loop_with_data_updates():
    w = ag.tensor([1.0])
    w.requires_grad = True
    for _ in range(100):
        for x, y in zip([1.0, 2.0, 3.0], [2.0, 4.0, 6.0]):
            loss = (x * w - y) ** 2
            loss.backward()
            w.data = w.data - 0.01 * w.grad.data
            w.grad.data.zero_()
    assert (4 * w).item() == pytest.approx(8.0, abs=1e-4)


# ---- in-place operations and the version counter -------------------------------------------

def test_in_place_on_a_leaf_that_requires_grad_raises():
    w = ag.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad.*no_grad"):
        w.add_(1)
    with ag.no_grad():
        w.add_(1)
    np.testing.assert_allclose(w.detach().numpy(), 2.0)


def test_modifying_a_saved_tensor_makes_backward_raise():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an in-place operation.*version 1; expected version 0"):
        y.sum().backward()
    data = ag.tensor([1.0, 2.0])
    z = (x * data).sum()
    data[0] = 3.0
    with pytest.raises(RuntimeError, match="Mul.*in-place"):
        z.backward()


def test_in_place_on_non_leaves_records_the_right_gradient():
    torch = _torch()
    values = [0.5, -1.5, 2.0]
    results = []
    for lib in (ag, torch):
        a = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        v = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        c = a * 2
        c.add_(1)
        c.mul_(a)
        c[1:] = v * 3
        c.clamp_(-4, 5)
        (c * c).sum().backward()
        results.append((a.grad.numpy(), v.grad.numpy()))
    for ours, ref in zip(*results):
        np.testing.assert_allclose(ours, ref)


def test_in_place_on_a_view_while_recording_moves_its_base_onto_the_new_history():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 2
    w = ag.tensor(2.0, requires_grad=True)
    h[0:2].mul_(w)
    h.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 4.0, 2.0])
    np.testing.assert_allclose(w.grad.numpy(), 6.0)  # d/dw of (2 + 4) w
    base = ag.zeros(3)
    view = base[1:]
    with ag.no_grad():
        view.add_(1)
    np.testing.assert_allclose(base.numpy(), [0.0, 1.0, 1.0])
    assert base._version == view._version == 1


# ---- user-defined Functions ------------------------------------------------------------

class MyReLU(ag.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        grad = grad_output.clone()
        grad[x < 0] = 0
        return grad


def test_custom_function_in_pytorch_style():
    x = ag.tensor([-1.0, 2.0, 3.0], requires_grad=True)
    y = MyReLU.apply(x)
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 4.0, 6.0])
    assert y.grad_fn.name == "MyReLU"


def test_custom_function_that_saves_its_output_differentiates_twice():
    class Sigmoid(ag.Function):
        @staticmethod
        def forward(ctx, x):
            s = 1 / (1 + (-x).exp())
            ctx.save_for_backward(s)
            return s

        @staticmethod
        def backward(ctx, grad_output):
            (s,) = ctx.saved_tensors
            assert s.grad_fn is not None or not ag.is_grad_enabled()  # the output itself, in the graph
            return grad_output * s * (1 - s)

    x = ag.tensor([-2.0, 0.5, 3.0], dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(Sigmoid.apply, (x,)) and ag.gradgradcheck(Sigmoid.apply, (x,))
    (g,) = ag.grad(Sigmoid.apply(x).sum(), x, create_graph=True)
    g.sum().backward()
    s = 1 / (1 + np.exp(-x.detach().numpy()))
    np.testing.assert_allclose(x.grad.numpy(), s * (1 - s) * (1 - 2 * s))


def test_custom_function_with_wrong_number_of_gradients_is_a_clear_error():
    class Bad(ag.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    a = ag.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="returned 1 gradients but forward took 2"):
        Bad.apply(a, a).sum().backward()


# ---- clear errors ------------------------------------------------------------------------

def test_errors_name_the_op_the_shapes_and_the_fix():
    with pytest.raises(ValueError, match=r"Add: shapes \(3,\), \(4,\) cannot be broadcast"):
        ag.ones(3) + ag.ones(4)
    with pytest.raises(ValueError, match=r"matmul: shapes \(3, 4\) and \(5, 2\) do not align.*\(4\).*\(5\)"):
        ag.ones(3, 4) @ ag.ones(5, 2)
    with pytest.raises(RuntimeError, match=r"scalar outputs.*shape \(3,\).*sum\(\).backward\(\)"):
        (ag.ones(3, requires_grad=True) * 2).backward()
    with pytest.raises(RuntimeError, match="floating point.*int64"):
        ag.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.ones(2).sum().backward()
    with pytest.raises(RuntimeError, match=r"gradient has shape \(2,\) but the output has shape \(3,\)"):
        (ag.ones(3, requires_grad=True) * 2).backward(ag.ones(2))
    with pytest.raises(ValueError, match="reshape"):
        ag.ones(6).reshape(4, 2)


def test_leaf_gradients_never_alias_each_other_or_user_arrays():
    a = ag.ones(3, requires_grad=True)
    b = ag.ones(3, requires_grad=True)
    c = (a + b).clone()
    c.sum().backward()
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    (a + b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), 2.0)
    np.testing.assert_allclose(b.grad.numpy(), 2.0)

    given = ag.full((3,), 5.0)
    leaf = ag.zeros(3, requires_grad=True)
    leaf.backward(given)  # a leaf's own backward with a user-given gradient
    assert not np.shares_memory(leaf.grad.numpy(), given.numpy())

    class PassSaved(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return x  # deliberately returns the input's own storage

    x = ag.tensor([1.0, 2.0], requires_grad=True)
    PassSaved.apply(x).sum().backward()
    x.grad.add_(1)
    np.testing.assert_allclose(x.detach().numpy(), [1.0, 2.0])

    replacement = ag.tensor([7.0, 7.0])
    w = ag.tensor([1.0, 1.0], requires_grad=True)
    w.register_hook(lambda g: replacement)
    (w * 2).sum().backward()
    w.grad.add_(1)
    np.testing.assert_allclose(replacement.numpy(), [7.0, 7.0])


class _Doubled(ag.Primitive):
    """2x, whose gradient rule reports each array it returns to `made`, and keeps it if asked."""

    made, kept, same_for_both = [], [], False

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        g = grad * 2
        _Doubled.made.append(id(g))
        if _Doubled.kept is not None:
            _Doubled.kept.append(g)
        return g


def test_a_leaf_keeps_a_gradient_array_that_nothing_else_holds_without_copying():
    _Doubled.made, _Doubled.kept = [], None
    x = ag.randn(3, requires_grad=True)
    _Doubled.apply(x).sum().backward()
    assert id(x.grad.numpy()) == _Doubled.made[0]  # adopted: the very array the rule made


def test_a_leaf_never_keeps_a_gradient_array_that_someone_else_holds():
    _Doubled.made, _Doubled.kept = [], []
    x = ag.randn(3, requires_grad=True)
    _Doubled.apply(x).sum().backward()
    kept = _Doubled.kept[0]
    assert x.grad.numpy() is not kept
    x.grad.numpy()[...] = 0.0
    assert np.all(kept == 2.0)

    _Doubled.kept = None
    held = []
    y = ag.randn(3, requires_grad=True)
    y.register_hook(held.append)  # a hook that keeps what it is given
    _Doubled.apply(y).sum().backward()
    assert held[0].numpy() is not y.grad.numpy()

    class Both(ag.Primitive):  # one array handed to two inputs
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad):
            g = grad * 1.0
            return g, g

    a, b = ag.randn(3, requires_grad=True), ag.randn(3, requires_grad=True)
    Both.apply(a, b).sum().backward()
    assert a.grad.numpy() is not b.grad.numpy()
    a.grad.numpy()[...] = 5.0
    assert np.all(b.grad.numpy() == 1.0)


def test_backward_pauses_the_cyclic_gc_only_on_big_graphs_and_restores_it_on_every_exit(monkeypatch):
    from autograd import engine

    seen = []

    def watch(grad):
        seen.append(gc.isenabled())

    monkeypatch.setattr(engine, "PAUSE_GC_ABOVE", 50)
    for ops, paused in ((10, False), (100, True)):
        seen.clear()
        x = ag.tensor(1.0, requires_grad=True)
        y = x
        for _ in range(ops):
            y = y * 1.0
        x.register_hook(watch)
        y.backward()
        assert seen == [not paused] and gc.isenabled()

    def fail(grad):
        raise ValueError("a hook failed")

    x = ag.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100):
        y = y * 1.0
    x.register_hook(fail)
    with pytest.raises(ValueError, match="a hook failed"):
        y.backward()
    assert gc.isenabled()


def test_gradcheck_perturbs_leaves_whose_storage_is_not_c_contiguous():
    # a reshaped copy of a transposed array took the perturbations, so every numerical
    # derivative read 0 and a zero analytic gradient passed
    class ZeroGradient(ag.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 2

        @staticmethod
        def backward(ctx, g):
            return g * 0

    x = ag.tensor(np.zeros((3, 4)), dtype=ag.float64, requires_grad=True)
    x._data = np.random.default_rng(0).random((4, 3)).T  # Fortran-ordered storage, as a sampler may give
    assert ag.gradcheck(lambda t: (t * t).sum(), (x,))
    with pytest.raises(ag.GradcheckError):
        ag.gradcheck(lambda t: ZeroGradient.apply(t).sum(), (x,))
