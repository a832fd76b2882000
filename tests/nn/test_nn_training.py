"""End to end: an MLP and a small CNN learn scikit-learn's 8x8 digits; nn.utils against PyTorch."""
import math

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
import optim

datasets = pytest.importorskip("sklearn.datasets")
model_selection = pytest.importorskip("sklearn.model_selection")


@pytest.fixture(scope="module")
def digits():
    data = datasets.load_digits()  # bundled with scikit-learn: no download
    x = (data.data / 16.0).astype(np.float32)
    return model_selection.train_test_split(x, data.target.astype(np.int64), test_size=0.25, random_state=0,
                                            stratify=data.target)


def _train(model, x_train, y_train, epochs, batch_size=32, lr=3e-3):
    optimizer = optim.Adam(model.parameters(), lr=lr)
    for _ in range(epochs):
        model.train()
        order = np.asarray(ag.randperm(len(x_train)))
        for start in range(0, len(x_train), batch_size):
            batch = order[start:start + batch_size]
            loss = F.cross_entropy(model(ag.tensor(x_train[batch])), ag.tensor(y_train[batch]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return loss.item()


def _accuracy(model, x, y):
    model.eval()
    with ag.no_grad():
        return float((np.asarray(model(ag.tensor(x)).argmax(dim=1)) == y).mean())


def test_mlp_learns_digits(digits):
    x_train, x_test, y_train, y_test = digits
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    final_loss = _train(model, x_train, y_train, epochs=20)
    assert final_loss < 0.3
    assert _accuracy(model, x_test, y_test) >= 0.95


def test_cnn_learns_digits(digits):
    x_train, x_test, y_train, y_test = (a.reshape(-1, 1, 8, 8) if a.ndim == 2 else a for a in digits)
    ag.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Flatten(), nn.Linear(32 * 4 * 4, 10))
    _train(model, x_train, y_train, epochs=4)
    assert _accuracy(model, x_test, y_test) >= 0.97


# ---- nn.utils -------------------------------------------------------------------------------

def _grads_pair(torch, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((3, 4)) * 5, rng.standard_normal(4)]
    ours = [ag.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    for o, t, a in zip(ours, theirs, arrays):
        o.grad, t.grad = ag.tensor(a * 2), torch.tensor(a * 2)
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [1.0, 1e4])
def test_clip_grad_norm_matches_torch(torch, norm_type, max_norm):
    ours, theirs = _grads_pair(torch)
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert total.item() == pytest.approx(expected.item(), rel=1e-12)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(o.grad), t.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_edge_cases():
    assert nn.utils.clip_grad_norm_([ag.ones(2, requires_grad=True)], 1.0).item() == 0.0  # no gradients yet
    w = ag.ones(2, requires_grad=True)
    w.grad = ag.tensor([math.inf, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(w, 1.0, error_if_nonfinite=True)


def test_clip_grad_value_matches_torch(torch):
    ours, theirs = _grads_pair(torch, seed=1)
    nn.utils.clip_grad_value_(ours, 2.0)
    torch.nn.utils.clip_grad_value_(theirs, 2.0)
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(np.asarray(o.grad), t.grad.numpy())


def test_parameters_to_vector_and_back():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    vector = nn.utils.parameters_to_vector(model.parameters())
    assert vector.shape == (11,) and vector.requires_grad  # differentiable, as PyTorch
    np.testing.assert_array_equal(np.asarray(vector.detach()[:6]), np.asarray(model[0].weight.detach()).ravel())
    nn.utils.vector_to_parameters(ag.arange(11.0), model.parameters())
    assert model[0].weight.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] and model[1].bias.tolist() == [10.0]
    assert isinstance(model[0].weight, nn.Parameter) and model[0].weight.requires_grad
    with pytest.raises(TypeError, match="expected a Tensor"):
        nn.utils.vector_to_parameters([1.0], model.parameters())
