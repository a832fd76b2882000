"""Article 002 ("optimisers, made visible"): its update rules, written in plain NumPy exactly as
the article states them, run side by side with `optim` on the same 2-D surface.

Where the article's convention differs from PyTorch's (which `optim` follows), the test says
how, and proves the two are the same algorithm numerically:
- momentum: the article keeps a velocity `v = n*v_old - alpha*grad; w = w + v`; PyTorch keeps
  `b = mu*b + grad; w = w - lr*b`. With a constant lr they are equal with `v = -lr * b`.
- Nesterov: the article takes the gradient at the look-ahead point `w + n*v_old`; PyTorch's
  reformulation stores the look-ahead point itself as the parameter, `theta = w + n*v`.
- Adagrad and RMSProp: the same formulas (the article's eps is PyTorch's eps, its gamma
  RMSprop's alpha).
- Adam: the article's has no bias correction and uses betas 0.9 / 0.99; PyTorch's (the paper's)
  divides m and v by 1 - beta^t. With that correction written into the article's rule the two
  agree; without it they differ by exactly the factor (1 - beta1^t) / sqrt(1 - beta2^t).
"""
import numpy as np
import pytest

import autograd as ag
import optim

START = np.array([3.0, 1.0])


def surface(w):
    """A double well in x (a local minimum at x = 1.40, the global one at x = -1.71) times a bowl in y."""
    x, y = w[0], w[1]
    return 0.1 * x ** 4 - 0.5 * x ** 2 + 0.3 * x + y ** 2


def gradient(w):
    x, y = w
    return np.array([0.4 * x ** 3 - x + 0.3, 2 * y])


LOCAL_MINIMUM, GLOBAL_MINIMUM = 1.4017712478, -1.7139394402


def descend(make_optimizer, steps, grad=gradient):
    """Our optimiser on the surface; the path of the parameters. The gradient is the same NumPy
    function the article's rules use, so that only the update rules are compared (near a minimum
    a last-bit difference in the gradient is enough to change where sign-like rules oscillate)."""
    w = ag.tensor(START, dtype=ag.float64, requires_grad=True)
    opt = make_optimizer([w])
    path = [w.detach().numpy().copy()]
    for _ in range(steps):
        w.grad = ag.tensor(grad(w.detach().numpy()))
        opt.step()
        path.append(w.detach().numpy().copy())
    return np.array(path), opt, w


# ---- the article's rules, as it writes them ------------------------------------------------------
def article_sgd(alpha, steps):
    w, path = START.copy(), [START.copy()]
    for _ in range(steps):
        w = w - alpha * gradient(w)
        path.append(w)
    return np.array(path)


def article_momentum(alpha, n, steps, nesterov=False):
    w, v = START.copy(), np.zeros(2)
    path, velocities = [w], [v]
    for _ in range(steps):
        grad = gradient(w + n * v) if nesterov else gradient(w)  # NAG: the gradient at the look-ahead point
        v = n * v - alpha * grad
        w = w + v
        path.append(w)
        velocities.append(v)
    return np.array(path), np.array(velocities)


def article_adaptive(alpha, steps, cache_update, eps):
    """Adagrad and RMSProp share the step `w -= alpha * g / (sqrt(cache) + eps)`; only the cache differs."""
    w, cache, path = START.copy(), np.zeros(2), [START.copy()]
    for _ in range(steps):
        g = gradient(w)
        cache = cache_update(cache, g)
        w = w - alpha * g / (np.sqrt(cache) + eps)
        path.append(w)
    return np.array(path)


def article_adam(alpha, steps, beta1=0.9, beta2=0.99, eps=1e-8, bias_correction=False, grad=gradient):
    w, m, cache, path = START.copy(), np.zeros(2), np.zeros(2), [START.copy()]
    for t in range(1, steps + 1):
        g = grad(w)
        m = beta1 * m + (1 - beta1) * g
        cache = beta2 * cache + (1 - beta2) * g ** 2
        if bias_correction:  # not in the article: the paper's (and PyTorch's) correction
            w = w - alpha * (m / (1 - beta1 ** t)) / (np.sqrt(cache / (1 - beta2 ** t)) + eps)
        else:
            w = w - alpha * m / (np.sqrt(cache) + eps)
        path.append(w)
    return np.array(path)


# ---- the comparisons -------------------------------------------------------------------------------
def test_sgd_is_the_articles_gradient_step():
    ours, _, _ = descend(lambda p: optim.SGD(p, lr=0.01), 300)  # 0.01: the article's "safe" alpha
    np.testing.assert_allclose(ours, article_sgd(0.01, 300), rtol=1e-12)


def test_momentum_is_the_articles_velocity_rule_with_v_equal_to_minus_lr_times_the_buffer():
    alpha, n = 0.01, 0.9
    expected_path, velocities = article_momentum(alpha, n, 300)
    w = ag.tensor(START, dtype=ag.float64, requires_grad=True)
    opt = optim.SGD([w], lr=alpha, momentum=n)
    for step in range(1, 301):
        w.grad = ag.tensor(gradient(w.detach().numpy()))
        opt.step()
        np.testing.assert_allclose(w.detach().numpy(), expected_path[step], rtol=1e-10, atol=1e-12)
        buffer = opt.state[w]["momentum_buffer"].numpy()
        np.testing.assert_allclose(-alpha * buffer, velocities[step], rtol=1e-9, atol=1e-12)


def test_nesterov_is_the_articles_look_ahead_with_the_parameter_stored_at_the_look_ahead_point():
    alpha, n = 0.01, 0.9
    article_path, velocities = article_momentum(alpha, n, 300, nesterov=True)
    ours, _, _ = descend(lambda p: optim.SGD(p, lr=alpha, momentum=n, nesterov=True), 300)
    look_ahead = article_path + n * velocities  # theta_t = w_t + n * v_t
    np.testing.assert_allclose(ours, look_ahead, rtol=1e-10, atol=1e-12)
    assert not np.allclose(ours[1:50], article_path[1:50]), "the parametrisations differ; only theta = w + n v matches"
    np.testing.assert_allclose(ours[-1], article_path[-1], atol=1e-6)  # both converge to the same minimum


def test_adagrad_is_the_articles_cache_rule():
    ours, _, _ = descend(lambda p: optim.Adagrad(p, lr=0.5, eps=1e-8), 300)
    expected = article_adaptive(0.5, 300, lambda cache, g: cache + g ** 2, eps=1e-8)
    np.testing.assert_allclose(ours, expected, rtol=1e-10)


@pytest.mark.parametrize("gamma", [0.9, 0.99])  # the article's two usual decay rates
def test_rmsprop_is_the_articles_decaying_cache_rule(gamma):
    ours, _, _ = descend(lambda p: optim.RMSprop(p, lr=0.01, alpha=gamma, eps=1e-8), 300)
    expected = article_adaptive(0.01, 300, lambda cache, g: gamma * cache + (1 - gamma) * g ** 2, eps=1e-8)
    np.testing.assert_allclose(ours, expected, rtol=1e-10)


def test_adam_is_the_articles_rule_plus_bias_correction():
    ours, _, _ = descend(lambda p: optim.Adam(p, lr=0.05, betas=(0.9, 0.99), eps=1e-8), 300)
    np.testing.assert_allclose(ours, article_adam(0.05, 300, bias_correction=True), rtol=1e-10)
    assert not np.allclose(ours, article_adam(0.05, 300), rtol=1e-3), "the uncorrected rule is a different path"


def test_without_bias_correction_the_articles_adam_steps_differ_by_exactly_the_correction_factor():
    # A constant gradient (a plane) isolates the step sizes: m and v are then known in closed form.
    slope = np.array([0.5, -2.0])
    steps = 1000
    article = article_adam(0.01, steps, eps=0.0, grad=lambda w: slope)
    ours, _, _ = descend(lambda p: optim.Adam(p, lr=0.01, betas=(0.9, 0.99), eps=0.0), steps, grad=lambda w: slope)
    our_steps, article_steps = np.diff(ours, axis=0), np.diff(article, axis=0)
    t = np.arange(1, steps + 1)[:, None]
    correction = (1 - 0.9 ** t) / np.sqrt(1 - 0.99 ** t)
    np.testing.assert_allclose(article_steps, our_steps * correction, rtol=1e-9)
    np.testing.assert_allclose(np.abs(our_steps), 0.01, rtol=1e-9)  # bias-corrected Adam: |step| = lr on a plane
    assert abs(correction[4, 0] - 1) > 0.1 and abs(correction[-1, 0] - 1) < 1e-4  # large early, gone later


def test_plain_sgd_stays_in_the_local_minimum_and_momentum_escapes_it():
    """The article's motivating figure: from the same start, SGD settles in the nearer, worse
    minimum; momentum carries the weights over the ridge into the global one. (Gradients from
    the engine here: this is the whole training loop.)"""
    def train(**options):
        w = ag.tensor(START, dtype=ag.float64, requires_grad=True)
        opt = optim.SGD([w], lr=0.01, **options)
        for _ in range(2000):
            opt.zero_grad()
            surface(w).backward()
            opt.step()
        return w.detach().numpy()

    sgd, momentum = train(), train(momentum=0.9)
    np.testing.assert_allclose(sgd, [LOCAL_MINIMUM, 0.0], atol=1e-6)
    np.testing.assert_allclose(momentum, [GLOBAL_MINIMUM, 0.0], atol=1e-6)
    assert surface(momentum) < surface(sgd) - 0.9
