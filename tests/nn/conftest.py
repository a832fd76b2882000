"""Shared fixtures of the nn tests: PyTorch as the reference (skipped cleanly without it) and a
comparer that runs the same computation in both and checks values and every gradient."""
import numpy as np
import pytest

import autograd as ag


@pytest.fixture(scope="module", autouse=True)
def one_blas_thread():
    """Threaded BLAS on a small shared CI machine makes tiny matmuls orders of magnitude slower."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


class Reference:
    """Runs a computation with graphgrad and with PyTorch on the same float64 data and compares
    outputs, input gradients and (for modules) parameter gradients and buffers."""

    def __init__(self, torch, rtol=1e-6, atol=1e-12):
        self.torch, self.rtol, self.atol = torch, rtol, atol

    def close(self, ours, theirs, what=""):
        theirs = theirs.detach().numpy() if isinstance(theirs, self.torch.Tensor) else np.asarray(theirs)
        ours = np.asarray(ours.detach()) if isinstance(ours, ag.Tensor) else np.asarray(ours)
        assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} != torch's {theirs.shape}"
        np.testing.assert_allclose(ours, theirs, rtol=self.rtol, atol=self.atol, err_msg=what)

    def inputs(self, arrays, requires_grad):
        ours, theirs = [], []
        for array, grad in zip(arrays, requires_grad):
            array = np.asarray(array)
            ours.append(ag.tensor(array, requires_grad=grad))
            theirs.append(self.torch.tensor(array, requires_grad=grad))
        return ours, theirs

    def compare(self, ours_fn, theirs_fn, *arrays, requires_grad=None, seed=0, extra=()):
        """Calls both on the arrays (float ones require grad unless told), backpropagates the
        same random upstream gradient and compares the outputs and the gradients of the
        inputs and of the `extra` (ours, theirs) tensor pairs. Returns both outputs."""
        if requires_grad is None:
            requires_grad = [np.asarray(a).dtype.kind == "f" for a in arrays]
        ours_in, theirs_in = self.inputs(arrays, requires_grad)
        ours_out, theirs_out = ours_fn(*ours_in), theirs_fn(*theirs_in)
        if isinstance(theirs_out, tuple):  # (values, indices): only the first is differentiable
            for i, (a, b) in enumerate(zip(ours_out[1:], theirs_out[1:])):
                np.testing.assert_array_equal(np.asarray(a), b.numpy(), err_msg=f"extra output {i + 1}")
            ours_out, theirs_out = ours_out[0], theirs_out[0]
        self.close(ours_out, theirs_out, "output")
        upstream = np.random.default_rng(seed).standard_normal(tuple(theirs_out.shape))
        if theirs_out.requires_grad:
            ours_out.backward(ag.tensor(upstream))
            theirs_out.backward(self.torch.tensor(upstream))
        pairs = [(f"input {i}", a, b) for i, (a, b) in enumerate(zip(ours_in, theirs_in)) if b.requires_grad]
        pairs += [(name, a, b) for name, (a, b) in extra]
        for name, ours, theirs in pairs:
            assert (ours.grad is None) == (theirs.grad is None), f"gradient of {name}: one side has none"
            if theirs.grad is not None:
                self.close(ours.grad, theirs.grad, f"gradient of {name}")
        return ours_out, theirs_out

    def load(self, ours, theirs):
        """Both modules in float64, ours holding torch's parameters and buffers (strictly, so
        the state_dict keys must be the same)."""
        theirs.double()
        ours.double()
        ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
        assert all(p.dtype == ag.float64 for p in ours.parameters())

    def compare_module(self, ours, theirs, *arrays, load=True, **options):
        """compare() for two modules, also checking parameter gradients and buffers after."""
        if load:
            self.load(ours, theirs)
        ours_params, theirs_params = dict(ours.named_parameters()), dict(theirs.named_parameters())
        assert list(ours_params) == list(theirs_params)
        for p in list(ours_params.values()) + list(theirs_params.values()):
            p.grad = None
        extra = [(name, (ours_params[name], theirs_params[name])) for name in theirs_params]
        outputs = self.compare(ours, theirs, *arrays, extra=extra, **options)
        ours_state, theirs_state = ours.state_dict(), theirs.state_dict()
        assert list(ours_state) == list(theirs_state)
        for key in theirs_state:
            self.close(ours_state[key], theirs_state[key], f"state {key}")
        return outputs


@pytest.fixture(scope="session")
def torch():
    return pytest.importorskip("torch")


@pytest.fixture
def reference(torch):
    return Reference(torch)
