"""RAdam, Adamax and LBFGS against torch.optim: identical float64 trajectories."""
import copy

import numpy as np
import pytest

import autograd as ag
import optim

torch = pytest.importorskip("torch")


def _regression_trajectory(lib, name, kwargs, steps=60):
    rng = np.random.default_rng(0)
    w0, b0 = rng.normal(size=(3, 2)), rng.normal(size=2)
    x, y = rng.normal(size=(20, 3)), rng.normal(size=(20, 2))
    tensor = ag.tensor if lib is ag else torch.tensor
    w, b = tensor(w0, requires_grad=True), tensor(b0, requires_grad=True)
    xs, ys = tensor(x), tensor(y)
    opt = getattr(optim if lib is ag else torch.optim, name)([{"params": [w]}, {"params": [b], "lr": 0.02}], **kwargs)
    path = []
    for _ in range(steps):
        opt.zero_grad()
        ((xs @ w + b - ys) ** 2).mean().backward()
        opt.step()
        path.append(np.concatenate([w.detach().numpy().ravel(), b.detach().numpy()]))
    return np.array(path), opt


@pytest.mark.parametrize("name, kwargs", [
    ("RAdam", {}),
    ("RAdam", dict(lr=0.05, betas=(0.8, 0.99), weight_decay=0.1)),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01, maximize=True, eps=1e-6)),
    ("Adamax", {}),
    ("Adamax", dict(lr=0.05, betas=(0.5, 0.9), weight_decay=0.1)),
    ("Adamax", dict(lr=0.01, maximize=True, eps=1e-3)),
], ids=lambda v: v if isinstance(v, str) else "-".join(f"{k}={x}" for k, x in v.items()) or "defaults")
def test_trajectory_matches_pytorch_in_float64(name, kwargs):
    ours, opt = _regression_trajectory(ag, name, kwargs)
    theirs, reference = _regression_trajectory(torch, name, kwargs)
    # (PyTorch's add with alpha is a fused multiply-add, one rounding where NumPy makes two: the
    # paths agree to the last bit for many steps and drift by ~1e-10 at most after 60)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-14)
    ours_state, theirs_state = opt.state_dict()["state"], reference.state_dict()["state"]
    for index, entries in theirs_state.items():
        assert set(ours_state[index]) == set(entries)
        for key, value in entries.items():
            np.testing.assert_allclose(np.asarray(ours_state[index][key]), value.numpy(), rtol=1e-8, atol=1e-9,
                                       err_msg=key)


def test_defaults_match_pytorch():
    for name in ("RAdam", "Adamax", "LBFGS"):
        ours = getattr(optim, name)([ag.zeros(1, requires_grad=True)]).defaults
        theirs = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)]).defaults
        assert {k: v for k, v in theirs.items() if k in ours} == ours, name


def _rosenbrock(lib, line_search_fn, steps, **kwargs):
    tensor = ag.tensor if lib is ag else torch.tensor
    xy = tensor([-1.5, 2.0], dtype=ag.float64 if lib is ag else torch.float64, requires_grad=True)
    opt = (optim if lib is ag else torch.optim).LBFGS([xy], line_search_fn=line_search_fn, **kwargs)
    evaluations = []

    def closure():  # the gradient in NumPy, so that both optimisers see the same bits
        x, y = xy.detach().numpy()
        xy.grad = tensor([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)], dtype=xy.dtype)
        evaluations.append(np.array([x, y]))
        return tensor((1 - x) ** 2 + 100 * (y - x * x) ** 2)

    losses = [float(opt.step(closure)) for _ in range(steps)]
    return np.array(evaluations), losses, xy.detach().numpy(), opt


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("kwargs", [{}, dict(lr=0.5, max_iter=7, history_size=3)], ids=["defaults", "short-history"])
def test_lbfgs_on_rosenbrock_follows_pytorch_evaluation_by_evaluation(line_search_fn, kwargs):
    ours, our_losses, our_x, opt = _rosenbrock(ag, line_search_fn, 6, **kwargs)
    theirs, their_losses, their_x, reference = _rosenbrock(torch, line_search_fn, 6, **kwargs)
    assert ours.shape == theirs.shape  # the same number of closure evaluations, every step
    # The same points to the last bits at first; PyTorch's fused multiply-adds (add with alpha)
    # round once where NumPy rounds twice, and Rosenbrock's valley amplifies that over ~100 iterations.
    np.testing.assert_allclose(ours[:8], theirs[:8], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(ours[:40], theirs[:40], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours, theirs, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-3, atol=1e-8)
    ours_state, theirs_state = opt.state_dict()["state"][0], reference.state_dict()["state"][0]
    assert ours_state["func_evals"] == theirs_state["func_evals"] and ours_state["n_iter"] == theirs_state["n_iter"]
    assert len(ours_state["old_dirs"]) == len(theirs_state["old_dirs"])
    if line_search_fn == "strong_wolfe" and not kwargs:
        np.testing.assert_allclose(our_x, [1.0, 1.0], atol=1e-5)


def test_lbfgs_resumes_from_a_state_dict():
    xy = ag.tensor([-1.5, 2.0], dtype=ag.float64, requires_grad=True)

    def make():
        opt = optim.LBFGS([xy], max_iter=5, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = (1 - xy[0]) ** 2 + 100 * (xy[1] - xy[0] ** 2) ** 2
            loss.backward()
            return loss
        return opt, closure

    opt, closure = make()
    opt.step(closure)
    saved, start = copy.deepcopy(opt.state_dict()), xy.detach().numpy().copy()
    opt.step(closure)
    uninterrupted = xy.detach().numpy().copy()
    xy.data = ag.tensor(start)
    opt, closure = make()
    opt.load_state_dict(saved)
    opt.step(closure)
    np.testing.assert_array_equal(xy.detach().numpy(), uninterrupted)


def test_lbfgs_stops_at_once_at_an_optimum_and_rejects_groups_and_unknown_line_searches():
    x = ag.tensor([1.0, 1.0], dtype=ag.float64, requires_grad=True)
    opt = optim.LBFGS([x])

    def closure():
        opt.zero_grad()
        loss = ((x - 1) ** 2).sum()
        loss.backward()
        return loss

    assert float(opt.step(closure)) == 0 and opt.state[x]["n_iter"] == 0
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        optim.LBFGS([{"params": [ag.zeros(1, requires_grad=True)]}, {"params": [ag.ones(1, requires_grad=True)]}])
    x.data = ag.tensor([3.0, 0.0], dtype=ag.float64)
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        optim.LBFGS([x], line_search_fn="armijo").step(closure)


@pytest.mark.parametrize("name", ["Adam", "AdamW", "NAdam", "RAdam", "Adamax", "Adagrad", "Adadelta", "RMSprop", "SGD"])
def test_every_optimiser_steps_a_zero_dimensional_parameter_as_torch(name):
    # a GP's log-lengthscale is a 0-d parameter: np.subtract on 0-d arrays returned a scalar
    # that the moment update's out= could not take (found by the porting tests)
    results = []
    for lib, optim_module in ((ag, optim), (torch, torch.optim)):
        p = lib.tensor(0.5, dtype=lib.float64, requires_grad=True)
        options = {"RMSprop": {"centered": True, "momentum": 0.5}, "SGD": {"momentum": 0.9, "nesterov": True}}
        opt = getattr(optim_module, name)([p], lr=0.1, **options.get(name, {}))
        for _ in range(3):
            opt.zero_grad()
            ((p - 2.0) ** 2).backward()
            opt.step()
        results.append(p.item())
    assert results[0] == pytest.approx(results[1], rel=1e-12)
