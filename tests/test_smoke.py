"""The first things graphgrad must reproduce: micrograd's README example and article 004."""
import numpy as np

import autograd as ag


def test_micrograd_readme_example_runs_with_only_the_import_changed():
    from autograd import Value

    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    assert f"{g.data:.4f}" == "24.7041"
    g.backward()
    assert f"{a.grad:.4f}" == "138.8338"
    assert f"{b.grad:.4f}" == "645.5773"


def test_article_004_numbers():
    x = ag.tensor([1.0, 2.0], dtype=ag.float64)
    w1 = ag.tensor([[0.5, 0.2], [0.3, 0.7]], dtype=ag.float64, requires_grad=True)
    w2 = ag.tensor([[0.6, 0.8]], dtype=ag.float64, requires_grad=True)
    y_true = ag.tensor([1.5], dtype=ag.float64)
    h = w1 @ x
    y = w2 @ h.relu()
    loss = 0.5 * ((y - y_true) ** 2).sum()
    loss.backward()
    np.testing.assert_allclose(h.detach().numpy(), [0.9, 1.7])
    np.testing.assert_allclose(y.detach().numpy(), [1.9])
    np.testing.assert_allclose(loss.item(), 0.08)
    np.testing.assert_allclose(w2.grad.numpy(), [[0.36, 0.68]])
    np.testing.assert_allclose(w1.grad.numpy(), [[0.24, 0.48], [0.32, 0.64]])
