"""Module.register_full_backward_hook against PyTorch (what the hook sees, what replacing
grad_input does, removal), and the rest of the module API that ports lean on, side by side with
torch.nn.Module."""
import numpy as np
import pytest

import autograd as ag
import nn


class _Pair:
    """A module that takes (x, scale, y) with a Python number in the middle: grad_input has one
    entry per tensor argument."""

    def __init__(self, base, linear):
        class Mixer(base):
            def __init__(self):
                super().__init__()
                self.fc = linear

            def forward(self, x, scale, y):
                return self.fc(x) * scale + y, (x[:, :2] * y).sum()
        self.module = Mixer()


def _hooked(lib, base, linear, x, y, replace):
    module = _Pair(base, linear).module
    seen = []

    def hook(m, grad_input, grad_output):
        seen.append((grad_input, grad_output))
        if replace:
            return tuple(None if g is None else g * 2 for g in grad_input)
    handle = module.register_full_backward_hook(hook)
    out, total = module(x, 3.0, y)
    (out.sum() * 2 + total).backward()
    return module, seen, handle


def _np(t):
    return None if t is None else (t.detach().numpy() if hasattr(t, "numpy") else np.asarray(t))


@pytest.mark.parametrize("replace", [False, True])
@pytest.mark.parametrize("y_needs_grad", [True, False])
def test_full_backward_hook_matches_torch(torch, replace, y_needs_grad):
    torch.manual_seed(0)
    theirs_fc = torch.nn.Linear(3, 2).double()
    ours_fc = nn.Linear(3, 2)
    ours_fc.load_state_dict({k: v.detach().numpy() for k, v in theirs_fc.state_dict().items()})
    x, y = np.random.default_rng(0).standard_normal((2, 4, 3))
    y = y[:, :2]
    runs = []
    for lib, base, fc in ((torch, torch.nn.Module, theirs_fc), (ag, nn.Module, ours_fc)):
        inputs = (lib.tensor(x, requires_grad=True), lib.tensor(y, requires_grad=y_needs_grad))
        module, seen, handle = _hooked(lib, base, fc, *inputs, replace)
        runs.append((inputs, seen, handle, module))
    (theirs_in, theirs_seen, _, _), (ours_in, ours_seen, handle, module) = runs
    assert len(ours_seen) == len(theirs_seen) == 1
    for ours_grads, theirs_grads in zip(ours_seen[0], theirs_seen[0]):
        assert len(ours_grads) == len(theirs_grads)
        for a, b in zip(ours_grads, theirs_grads):
            assert (a is None) == (b is None)
            if b is not None:
                np.testing.assert_allclose(_np(a), _np(b), rtol=1e-12)
    for a, b in zip(ours_in, theirs_in):
        assert (a.grad is None) == (b.grad is None)
        if b.grad is not None:
            np.testing.assert_allclose(_np(a.grad), _np(b.grad), rtol=1e-12)
    handle.remove()
    ours_seen.clear()
    out, total = module(ag.tensor(x, requires_grad=True), 3.0, ag.tensor(y))
    out.sum().backward()
    assert ours_seen == []


def test_full_backward_hook_without_input_gradients_fires_on_the_outputs(torch):
    layer, seen = nn.Linear(3, 2), []
    layer.register_full_backward_hook(lambda m, gi, go: seen.append((gi, go)))
    layer(ag.randn(4, 3)).sum().backward()
    assert len(seen) == 1 and seen[0][0] == (None,)
    np.testing.assert_array_equal(np.asarray(seen[0][1][0]), np.ones((4, 2)))
    assert layer.weight.grad is not None


def test_full_backward_hook_on_self_attention_sees_one_gradient_per_argument(torch):
    """x passed three times (query, key, value) has three gradients in grad_input, as in PyTorch."""
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(4, 2).double()
    ours = nn.MultiheadAttention(4, 2)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((3, 2, 4))
    grads = []
    for module, lib in ((theirs, torch), (ours, ag)):
        seen = []
        module.register_full_backward_hook(lambda m, gi, go, seen=seen: seen.append((gi, go)))
        t = lib.tensor(x, requires_grad=True)
        module(t, t, t)[0].sum().backward()
        grads.append((seen, t.grad))
    (theirs_seen, theirs_grad), (ours_seen, ours_grad) = grads
    assert len(ours_seen[0][0]) == len(theirs_seen[0][0]) == 3
    for a, b in zip(ours_seen[0][0], theirs_seen[0][0]):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-9, atol=1e-12)
    assert ours_seen[0][1][1] is None and theirs_seen[0][1][1] is None  # the weights got no gradient
    np.testing.assert_allclose(_np(ours_grad), _np(theirs_grad), rtol=1e-9, atol=1e-12)


def test_module_api_matches_torch(torch):
    """named_buffers, get_submodule, requires_grad_, parameters(recurse=False), to(dtype), float(),
    double() and forward (pre-)hooks with removable handles, next to torch.nn.Module."""
    for lib in (nn, torch.nn):
        model = lib.Sequential(lib.Linear(2, 3), lib.BatchNorm1d(3), lib.Sequential(lib.Linear(3, 1)))
        assert [n for n, _ in model.named_buffers()] == ["1.running_mean", "1.running_var", "1.num_batches_tracked"]
        assert model.get_submodule("2.0") is model[2][0]
        assert list(model.parameters(recurse=False)) == [] and len(list(model[0].parameters(recurse=False))) == 2
        assert model.requires_grad_(False) is model and not any(p.requires_grad for p in model.parameters())
        assert model.double() is model and all(p.dtype == lib_dtype(lib, "float64") for p in model.parameters())
        assert model.float() is model and model[1].running_mean.dtype == lib_dtype(lib, "float32")
        assert model.to(lib_dtype(lib, "float64")) is model and model[0].weight.dtype == lib_dtype(lib, "float64")
        assert model[1].num_batches_tracked.dtype == lib_dtype(lib, "int64")
        calls = []
        pre = model.register_forward_pre_hook(lambda m, args, calls=calls: calls.append("pre"))
        post = model.register_forward_hook(lambda m, args, out, calls=calls: calls.append("post"))
        x = (torch.randn(4, 2, dtype=torch.float64) if lib is torch.nn else ag.randn(4, 2, dtype=ag.float64))
        model(x)
        pre.remove()
        post.remove()
        model(x)
        assert calls == ["pre", "post"]


def lib_dtype(lib, name):
    return getattr(ag if lib is nn else __import__("torch"), name)
