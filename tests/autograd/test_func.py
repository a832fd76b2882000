"""Function transforms (autograd.func) against torch.func, on floats, arrays, Tensors and Scalars."""
import math

import numpy as np
import pytest

import autograd as ag
import autograd.func as agf

torch = pytest.importorskip("torch")
import torch.func as tf  # noqa: E402

RTOL, ATOL = 1e-8, 1e-12
LABELS = np.array([0, 2, 4, 1])


# ---- the test functions, written once for both libraries (lib is ag or torch) ----------------
def _poly(lib):
    return lambda x, y: x ** 3 * y - 2 * x * y ** 2 + 0.5 * x + 1


def _mlp(lib):
    return lambda x, w1, b1, w2: lib.tanh(x @ w1 + b1) @ w2


def _cross_entropy(lib):
    return lambda x, w: -lib.log_softmax(x @ w, dim=1)[np.arange(4), LABELS]


def _rosenbrock(lib):
    return lambda p: (1 - p[:-1]) ** 2 + 100 * (p[1:] - p[:-1] ** 2) ** 2


CASES = {  # name: (vector-valued function maker, argument shapes)
    "polynomial": (_poly, [(3,), (3,)]),
    "tanh_mlp": (_mlp, [(3, 2), (2, 4), (4,), (4,)]),
    "softmax_cross_entropy": (_cross_entropy, [(4, 3), (3, 5)]),
    "rosenbrock": (_rosenbrock, [(4,)]),
}


def _arrays(name, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1.5, 1.5, size=shape) for shape in CASES[name][1]]


def _vector_fn(name, lib):
    return CASES[name][0](lib)


def _scalar_fn(name, lib):
    vector = _vector_fn(name, lib)
    return lambda *args: (vector(*args) ** 2).sum() if name == "tanh_mlp" else vector(*args).sum()


def _ag_args(arrays):
    return [ag.tensor(a, dtype=ag.float64) for a in arrays]


def _torch_args(arrays):
    return [torch.tensor(a, dtype=torch.float64) for a in arrays]


def _leaves(tree):
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in _leaves(item)]
    return [tree]


def assert_same(ours, theirs):
    """Two trees of results (ours: Tensors/arrays/floats; theirs: torch tensors) agree in
    structure, shapes and values."""
    ours, theirs = _leaves(ours), _leaves(theirs)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        a = a.detach().numpy() if isinstance(a, ag.Tensor) else np.asarray(a)
        b = b.detach().numpy()
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)


ALL = {name: tuple(range(len(shapes))) for name, (_, shapes) in CASES.items()}


# ---- each transform against torch.func -----------------------------------------------------
@pytest.mark.parametrize("name", CASES)
def test_grad_family_matches_torch(name):
    arrays, argnums = _arrays(name), ALL[name]
    ours_f, theirs_f = _scalar_fn(name, ag), _scalar_fn(name, torch)
    expected_grads, expected_value = tf.grad_and_value(theirs_f, argnums=argnums)(*_torch_args(arrays))

    assert_same(agf.grad(ours_f, argnums=argnums)(*_ag_args(arrays)), expected_grads)
    value, grads = agf.value_and_grad(ours_f, argnums=argnums)(*_ag_args(arrays))
    assert_same((value, grads), (expected_value, expected_grads))
    grads, value = agf.grad_and_value(ours_f, argnums=argnums)(*_ag_args(arrays))
    assert_same((grads, value), (expected_grads, expected_value))
    # argnums=0 (an int) gives one gradient, not a tuple
    assert_same(agf.grad(ours_f)(*arrays), tf.grad(theirs_f)(*_torch_args(arrays)))


@pytest.mark.parametrize("name", CASES)
def test_vjp_matches_torch(name):
    arrays = _arrays(name)
    output, vjp_fn = agf.vjp(_vector_fn(name, ag), *_ag_args(arrays))
    expected_output, expected_fn = tf.vjp(_vector_fn(name, torch), *_torch_args(arrays))
    cotangent = np.random.default_rng(1).normal(size=tuple(output.shape))
    assert_same(output, expected_output)
    assert_same(vjp_fn(ag.tensor(cotangent, dtype=ag.float64)), expected_fn(torch.tensor(cotangent)))
    assert_same(vjp_fn(cotangent * 2), expected_fn(torch.tensor(cotangent * 2)))  # callable again, from arrays


@pytest.mark.parametrize("name", CASES)
def test_jvp_matches_torch(name):
    arrays = _arrays(name)
    tangents = _arrays(name, seed=2)
    ours = agf.jvp(_vector_fn(name, ag), tuple(_ag_args(arrays)), tuple(_ag_args(tangents)))
    theirs = tf.jvp(_vector_fn(name, torch), tuple(_torch_args(arrays)), tuple(_torch_args(tangents)))
    assert_same(ours, theirs)


@pytest.mark.parametrize("transform", ["jacobian", "jacrev", "jacfwd"])
@pytest.mark.parametrize("name", CASES)
def test_jacobians_match_torch(name, transform):
    arrays, argnums = _arrays(name), ALL[name]
    ours = getattr(agf, transform)(_vector_fn(name, ag), argnums=argnums)(*_ag_args(arrays))
    theirs = tf.jacrev(_vector_fn(name, torch), argnums=argnums)(*_torch_args(arrays))
    assert_same(ours, theirs)
    # argnums=0 of a NumPy function: one ndarray
    single = getattr(agf, transform)(_vector_fn(name, ag))(*arrays)
    assert isinstance(single, np.ndarray)
    assert_same(single, tf.jacfwd(_vector_fn(name, torch))(*_torch_args(arrays)))


@pytest.mark.parametrize("name", CASES)
def test_hessian_matches_torch(name):
    arrays, argnums = _arrays(name), ALL[name]
    ours = agf.hessian(_scalar_fn(name, ag), argnums=argnums)(*_ag_args(arrays))
    theirs = tf.hessian(_scalar_fn(name, torch), argnums=argnums)(*_torch_args(arrays))
    assert_same(ours, theirs)


@pytest.mark.parametrize("name", CASES)
def test_hvp_matches_torch_autograd_functional(name):
    arrays, vectors = _arrays(name), _arrays(name, seed=3)
    ours = agf.hvp(_scalar_fn(name, ag), tuple(_ag_args(arrays)), tuple(_ag_args(vectors)))
    theirs = torch.autograd.functional.hvp(_scalar_fn(name, torch), tuple(_torch_args(arrays)),
                                           tuple(_torch_args(vectors)))
    assert_same(ours, theirs)


def test_has_aux_and_multiple_outputs_match_torch():
    def split(lib):
        return lambda x: (lib.sin(x) * x, (x ** 2).sum())

    x = np.array([0.3, -1.2, 2.0])
    ours = agf.jacobian(split(ag))(ag.tensor(x, dtype=ag.float64))
    assert_same(ours, tf.jacrev(split(torch))(torch.tensor(x)))
    assert_same(agf.jacfwd(split(ag))(x), tf.jacfwd(split(torch))(torch.tensor(x)))

    def with_aux(lib):
        return lambda x: ((lib.exp(x) * x).sum(), lib.exp(x))

    ours_grad, ours_aux = agf.grad(with_aux(ag), has_aux=True)(ag.tensor(x, dtype=ag.float64))
    theirs_grad, theirs_aux = tf.grad(with_aux(torch), has_aux=True)(torch.tensor(x))
    assert_same((ours_grad, ours_aux), (theirs_grad, theirs_aux))
    assert not ours_aux.requires_grad
    (value, aux), g = agf.value_and_grad(with_aux(ag), has_aux=True)(x)
    assert isinstance(value, float) and isinstance(aux, np.ndarray) and isinstance(g, np.ndarray)
    assert_same((g, (value, aux)), tf.grad_and_value(with_aux(torch), has_aux=True)(torch.tensor(x)))
    out, vjp_fn, aux = agf.vjp(lambda t: (t * 3, t.sum()), x, has_aux=True)
    np.testing.assert_allclose(vjp_fn(np.ones(3))[0], np.full(3, 3.0))
    assert aux == pytest.approx(x.sum())
    out, tangent_out, aux = agf.jvp(lambda t: (t * 3, t.sum()), (x,), (np.ones(3),), has_aux=True)
    np.testing.assert_allclose(tangent_out, np.full(3, 3.0))


def test_pytree_arguments_match_torch():
    params = {"w": np.array([[0.5, -0.3], [0.8, 0.1]]), "b": np.array([0.2, -0.1])}
    x = np.array([1.0, -2.0])

    def loss(lib):
        return lambda p, x: (lib.tanh(x @ p["w"] + p["b"]) ** 2).sum()

    ours = agf.grad(loss(ag))(params, x)
    theirs = tf.grad(loss(torch))({k: torch.tensor(v) for k, v in params.items()}, torch.tensor(x))
    assert set(ours) == {"w", "b"} and all(isinstance(v, np.ndarray) for v in ours.values())
    assert_same([ours["w"], ours["b"]], [theirs["w"], theirs["b"]])


# ---- kinds: what goes in comes out ---------------------------------------------------------
def test_floats_in_floats_out():
    g = agf.grad(lambda x, y: x * ag.sin(y), argnums=(0, 1))(2.0, 0.5)
    assert all(type(v) is float for v in g)
    assert g == pytest.approx((math.sin(0.5), 2.0 * math.cos(0.5)), rel=1e-15)
    value, dvalue = agf.value_and_grad(lambda x: x ** 3)(2)  # ints become float64 variables
    assert (type(value), type(dvalue)) == (float, float) and (value, dvalue) == (8.0, 12.0)
    assert type(agf.grad(lambda a: (a * a).tanh())(0.5)) is float  # Scalar-style methods exist on Tensor


def test_arrays_in_arrays_out_and_tensors_in_tensors_out():
    x = np.array([1.0, 2.0], dtype=np.float32)
    g = agf.grad(lambda t: (t ** 2).sum())(x)
    assert isinstance(g, np.ndarray) and g.dtype == np.float32
    np.testing.assert_array_equal(g, [2.0, 4.0])

    t = ag.tensor([1.0, 2.0])  # float32, no grad
    g = agf.grad(lambda u: (u ** 2).sum())(t)
    assert isinstance(g, ag.Tensor) and g.dtype == ag.float32 and not g.requires_grad
    assert not t.requires_grad and t.grad is None  # pure: the input is untouched
    out, jvp_out = agf.jvp(lambda u: u * 2, (t,), (ag.ones(2),))
    assert isinstance(out, ag.Tensor) and not out.requires_grad


def test_non_tensor_output_and_non_scalar_output_are_clear_errors():
    with pytest.raises(TypeError, match="grad: the function returned a float .*ag.sin"):
        agf.grad(lambda x: math.sin(x))(0.5)
    with pytest.raises(RuntimeError, match=r"grad: the function must return one scalar Tensor.*\(3,\).*jacobian"):
        agf.grad(lambda x: x * 2)(np.ones(3))
    with pytest.raises(ValueError, match="grad: argnums=2 .* 2 positional"):
        agf.grad(lambda x, y: x * y, argnums=2)(1.0, 2.0)
    with pytest.raises(TypeError, match="grad: argument 0 is a int64 tensor"):
        agf.grad(lambda x: x.sum())(ag.tensor([1, 2]))
    with pytest.raises(ValueError, match=r"vjp: cotangent 0 has shape \(2,\) but must have shape \(3,\), the shape of output 0"):
        agf.vjp(lambda x: x * 2, np.ones(3))[1](np.ones(2))
    with pytest.raises(TypeError, match="jvp: primals must be a tuple"):
        agf.jvp(ag.sin, 1.0, 1.0)


def test_unused_inputs_and_constant_outputs_give_zeros():
    assert agf.grad(lambda x, y: x * 2, argnums=(0, 1))(1.0, 3.0) == (2.0, 0.0)
    assert agf.grad(lambda x: ag.tensor(3.0, dtype=ag.float64))(1.0) == 0.0
    assert agf.grad(agf.grad(lambda x: 3 * x))(1.0) == 0.0
    jac = agf.jacobian(lambda x, y: x * 2, argnums=1)(ag.ones(2, dtype=ag.float64), np.ones(3))
    assert isinstance(jac, np.ndarray)  # y's kind
    np.testing.assert_array_equal(jac, np.zeros((2, 3)))
    jac = agf.jacfwd(lambda x, y: x * 2, argnums=1)(ag.ones(2, dtype=ag.float64), np.ones(3))
    np.testing.assert_array_equal(jac, np.zeros((2, 3)))


# ---- Scalar path ---------------------------------------------------------------------------
def test_scalar_functions_run_on_the_scalar_engine():
    a = ag.Scalar(0.5, label="a")
    g = agf.grad(lambda s: (s * s).tanh())(a)
    assert isinstance(g, ag.Scalar)
    assert g.data == pytest.approx(2 * 0.5 * (1 - math.tanh(0.25) ** 2), rel=1e-15)
    assert a.grad == 0.0  # pure: the user's Scalar is untouched
    value, (gx, gy) = agf.value_and_grad(lambda x, y: x * y + x.exp(), argnums=(0, 1))(ag.Scalar(2.0), ag.Scalar(3.0))
    assert (value.data, gx.data, gy.data) == pytest.approx((6 + math.exp(2), 3 + math.exp(2), 2.0), rel=1e-15)
    # the same function of Python floats gives the same numbers, as floats
    assert agf.grad(lambda s: (s * s).tanh())(0.5) == pytest.approx(g.data, rel=1e-15)


def test_scalar_transforms_do_not_nest_silently():
    with pytest.raises(RuntimeError, match="cannot be nested.*Python floats"):
        agf.grad(agf.grad(lambda s: s * s * s))(ag.Scalar(1.0))
    with pytest.raises(TypeError, match="jacobian: argument 0 is an ag.Scalar"):
        agf.jacobian(lambda s: s * s)(ag.Scalar(1.0))


# ---- nesting -------------------------------------------------------------------------------
def test_third_derivative_of_sin_is_minus_cos_for_floats_and_tensors():
    d3 = agf.grad(agf.grad(agf.grad(ag.sin)))
    for x in (-2.0, 0.0, 0.3, 1.7):
        value = d3(x)
        assert type(value) is float and value == pytest.approx(-math.cos(x), rel=1e-14, abs=1e-15)
        t = d3(ag.tensor(x, dtype=ag.float64))
        assert isinstance(t, ag.Tensor) and not t.requires_grad
        assert t.item() == pytest.approx(-math.cos(x), rel=1e-14, abs=1e-15)
    xs = ag.tensor([-2.0, 0.3, 1.7], dtype=ag.float64)
    elementwise = agf.grad(lambda u: agf.grad(lambda v: agf.grad(lambda w: ag.sin(w).sum())(v).sum())(u).sum())
    np.testing.assert_allclose(elementwise(xs).numpy(), -np.cos(xs.numpy()), rtol=1e-14)


def test_third_derivatives_through_jacobian_of_hessian_match_torch():
    cube = lambda v: v[0] ** 2 * v[1] ** 3 + ag.sin(v[0] * v[1])  # noqa: E731
    cube_t = lambda v: v[0] ** 2 * v[1] ** 3 + torch.sin(v[0] * v[1])  # noqa: E731
    point = np.array([1.5, -0.5])
    expected = tf.jacrev(tf.hessian(cube_t))(torch.tensor(point))
    assert_same(agf.jacobian(agf.hessian(cube))(point), expected)
    assert_same(agf.jacfwd(agf.hessian(cube))(point), expected)


def test_jvp_and_grad_compose_both_ways_like_torch():
    f = lambda x: (ag.tanh(x) ** 3).sum()  # noqa: E731
    f_t = lambda x: (torch.tanh(x) ** 3).sum()  # noqa: E731
    g = lambda x: ag.sin(x) * x[0]  # noqa: E731
    g_t = lambda x: torch.sin(x) * x[0]  # noqa: E731
    x, v = np.array([0.2, -0.5, 1.0]), np.array([1.0, 2.0, -1.0])
    xt, vt = torch.tensor(x), torch.tensor(v)
    # forward-over-reverse Hessian-vector product equals hvp
    assert_same(agf.jvp(agf.grad(f), (x,), (v,))[1], tf.jvp(tf.grad(f_t), (xt,), (vt,))[1])
    assert_same(agf.hvp(f, x, v)[1], tf.jvp(tf.grad(f_t), (xt,), (vt,))[1])
    # reverse-over-forward
    ours = agf.grad(lambda x: agf.jvp(g, (x,), (v,))[1].sum())(x)
    assert_same(ours, tf.grad(lambda x: tf.jvp(g_t, (x,), (vt,))[1].sum())(xt))
    # a user's own double-vjp through vjp_fn: differentiating it with respect to the cotangent gives J v
    out, vjp_fn = agf.vjp(g, ag.tensor(x, dtype=ag.float64))
    u = ag.zeros(3, dtype=ag.float64, requires_grad=True)
    (vjp_u,) = vjp_fn(u)
    assert_same(ag.grad(vjp_u, u, grad_outputs=ag.tensor(v, dtype=ag.float64))[0], tf.jvp(g_t, (xt,), (vt,))[1])


def test_higher_orders_through_ops_that_save_a_0d_output_match_torch():
    f = lambda x: ag.tanh(x) * ag.exp(x / 3)  # noqa: E731
    f_t = lambda x: torch.tanh(x) * torch.exp(x / 3)  # noqa: E731
    ours = agf.grad(agf.grad(agf.grad(agf.grad(f))))(0.4)
    assert ours == pytest.approx(tf.grad(tf.grad(tf.grad(tf.grad(f_t))))(torch.tensor(0.4, dtype=torch.float64)).item(), rel=1e-10)
    x = np.array([0.2, -0.5, 1.0])
    assert_same(agf.hessian(lambda x: (x ** 3).prod())(x), tf.hessian(lambda x: (x ** 3).prod())(torch.tensor(x)))


def test_nested_transforms_keep_inner_and_outer_variables_apart():
    # d/dx [x * d/dy (x y)]|_{y=x} = d/dx x^2 = 2x: confusing y with x would give 4x
    assert agf.grad(lambda x: x * agf.grad(lambda y: x * y)(x))(3.0) == 6.0
    # d/dx [x * d/dy (x + y)] = 1 (Siskind and Pearlmutter's perturbation-confusion example)
    assert agf.grad(lambda x: x * agf.grad(lambda y: x + y)(1.0))(2.0) == 1.0
    ours = agf.grad(lambda x: (x * agf.grad(lambda y: (x * y).sum())(x ** 2)).sum())(np.array([1.0, 2.0]))
    theirs = tf.grad(lambda x: (x * tf.grad(lambda y: (x * y).sum())(x ** 2)).sum())(torch.tensor([1.0, 2.0], dtype=torch.float64))
    assert_same(ours, theirs)


def test_transforms_compose_with_backward_like_torch_func():
    # a parameter the function closes over keeps its graph, so the result can be backpropagated
    x = np.array([0.3, -0.7])
    w = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    g = agf.grad(lambda t: (w * ag.sin(t)).sum())(ag.tensor(x, dtype=ag.float64))
    assert g.requires_grad
    (g ** 2).sum().backward()
    tw = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    (tf.grad(lambda t: (tw * torch.sin(t)).sum())(torch.tensor(x)) ** 2).sum().backward()
    assert_same(w.grad, tw.grad)
    with ag.no_grad():  # under no_grad the result carries no graph, but f is still differentiated
        assert not agf.grad(lambda t: (w * ag.sin(t)).sum())(ag.tensor(x, dtype=ag.float64)).requires_grad


# ---- the numbers the issue and article 000 ask for -----------------------------------------
def _rosenbrock_2d(x, y):
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


def test_rosenbrock_hessian_at_its_minimum():
    expected = np.array([[802.0, -400.0], [-400.0, 200.0]])
    h = agf.hessian(lambda p: _rosenbrock_2d(p[0], p[1]))(np.array([1.0, 1.0]))
    np.testing.assert_array_equal(h, expected)
    nested = agf.hessian(_rosenbrock_2d, argnums=(0, 1))(1.0, 1.0)
    assert nested == ((802.0, -400.0), (-400.0, 200.0))
    h = agf.hessian(lambda p: _rosenbrock_2d(p[0], p[1]))(ag.tensor([1.0, 1.0], dtype=ag.float64))
    np.testing.assert_array_equal(h.numpy(), expected)


def test_newton_method_with_hessian_converges_on_rosenbrock():
    rosenbrock = lambda p: _rosenbrock_2d(p[0], p[1])  # noqa: E731
    gradient, hess = agf.grad(rosenbrock), agf.hessian(rosenbrock)
    p = np.array([-1.2, 1.0])  # the classic start
    for _ in range(20):
        step = np.linalg.solve(hess(p), gradient(p))
        p = p - step
        if np.linalg.norm(step) < 1e-12:
            break
    np.testing.assert_allclose(p, [1.0, 1.0], rtol=0, atol=1e-12)
    assert np.linalg.norm(gradient(p)) < 1e-9


def test_article_000_gradient_descent_path():
    def target_function(theta):
        return theta[0] ** 2 + 2 * theta[1] ** 2

    derivative_function = agf.grad(target_function)
    theta, eta, error = np.array([-3, -3]), 0.1, 5e-3  # the article's loop, its int start included
    path = []
    for _ in range(50):
        z = target_function(ag.tensor(theta, dtype=ag.float64)).item()
        path.append((theta[0], theta[1], z))
        theta = theta - eta * derivative_function(theta)
        if z < error:
            break
    # closed form: x_k = -3 (1 - 2 eta)^k = -3 * 0.8^k, y_k = -3 (1 - 4 eta)^k = -3 * 0.6^k
    k = np.arange(len(path))
    x_k, y_k = -3 * 0.8 ** k, -3 * 0.6 ** k
    np.testing.assert_allclose(np.array(path), np.stack([x_k, y_k, x_k ** 2 + 2 * y_k ** 2], axis=1), rtol=1e-12)
    closed_form_j = [9 * 0.64 ** i + 18 * 0.36 ** i for i in range(50)]
    first_below = next(i for i, j in enumerate(closed_form_j) if j < error)
    assert len(path) - 1 == first_below == 17  # J_16 = 7.1e-3, J_17 = 4.6e-3
