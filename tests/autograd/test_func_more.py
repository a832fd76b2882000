"""torch.autograd.functional (ag.autograd.functional), ag.func.vmap and ag.func.functional_call
against torch 2.x on the same functions: values, result structures, errors; and PyTorch's
per-sample-gradients tutorial end to end."""
import re

import numpy as np
import pytest

import autograd as ag
import autograd.func as agf
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
import torch.func as tf  # noqa: E402

AF, TAF = ag.autograd.functional, torch.autograd.functional
RTOL, ATOL = 1e-9, 1e-12


def _same(ours, theirs, requires_grad=None):
    """ours and theirs have the same structure (tuple vs Tensor, lists, dicts) and values."""
    if isinstance(theirs, (tuple, list)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), (type(ours), type(theirs))
        for a, b in zip(ours, theirs):
            _same(a, b, requires_grad)
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs)
        for key in theirs:
            _same(ours[key], theirs[key], requires_grad)
    else:
        assert isinstance(ours, ag.Tensor), type(ours)
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=RTOL, atol=ATOL)
        if requires_grad is not None:
            assert ours.requires_grad == requires_grad


def _pair(*shapes, seed=0, requires_grad=False):
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(-1.5, 1.5, size=s) for s in shapes]
    return ([ag.tensor(a, requires_grad=requires_grad) for a in arrays],
            [torch.tensor(a, requires_grad=requires_grad) for a in arrays])


# ---- torch.autograd.functional -------------------------------------------------------------
FUNCTIONS = {  # name: (maker(lib), input shapes, tuple inputs?)
    "one_in_one_out": (lambda lib: lambda x: lib.tanh(x) * x ** 2, [(3,)], False),
    "one_in_matrix_out": (lambda lib: lambda x: lib.outer(x, x ** 2), [(3,)], False),
    "two_in_one_out": (lambda lib: lambda x, w: lib.tanh(x @ w), [(2, 3), (3, 2)], True),
    "one_in_two_out": (lambda lib: lambda x: (x.sin(), (x ** 3).sum()), [(2, 2)], False),
    "two_in_two_out": (lambda lib: lambda x, y: (x * y, lib.exp(x).sum() + y[0]), [(3,), (3,)], True),
    "unused_input": (lambda lib: lambda x, y: x ** 2, [(2,), (3,)], True),
}
SCALAR_FUNCTIONS = {
    "cubic": (lambda lib: lambda x: (x ** 3).sum() + (x[0] * x[1]), [(3,)], False),
    "two_inputs": (lambda lib: lambda x, w: (lib.tanh(x @ w) ** 2).sum(), [(2, 3), (3,)], True),
    "one_element": (lambda lib: lambda x: (x.exp() * x).sum().reshape(1), [(2,)], False),
}


def _inputs(table, name, requires_grad=False, seed=0):
    maker, shapes, as_tuple = table[name]
    ours, theirs = _pair(*shapes, seed=seed, requires_grad=requires_grad)
    return (tuple(ours), tuple(theirs)) if as_tuple else (ours[0], theirs[0])


def _call(table, name, fn_name, *extra, **kwargs):
    maker = table[name][0]
    x_ours, x_theirs = _inputs(table, name)
    ours = getattr(AF, fn_name)(maker(ag), x_ours, *extra[0::2], **kwargs)
    theirs = getattr(TAF, fn_name)(maker(torch), x_theirs, *extra[1::2], **kwargs)
    return ours, theirs


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("options", [{}, {"vectorize": True}, {"vectorize": True, "strategy": "forward-mode"}])
def test_jacobian_matches_torch_values_and_structure(name, options):
    ours, theirs = _call(FUNCTIONS, name, "jacobian", **options)
    if isinstance(theirs, list):  # torch's forward-mode path gives lists where reverse-mode gives tuples
        theirs = tuple(tuple(t) if isinstance(t, list) else t for t in theirs)
    _same(ours, theirs)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_vjp_and_jvp_match_torch(name):
    maker, shapes, as_tuple = FUNCTIONS[name]
    x_ours, x_theirs = _inputs(FUNCTIONS, name)
    out = maker(torch)(*(x_theirs if as_tuple else (x_theirs,)))
    v_out_t = tuple(torch.ones_like(o) * 0.5 for o in out) if isinstance(out, tuple) else torch.ones_like(out) * 0.5
    v_out_o = tuple(ag.tensor(v.numpy()) for v in v_out_t) if isinstance(out, tuple) else ag.tensor(v_out_t.numpy())
    _same(AF.vjp(maker(ag), x_ours, v_out_o), TAF.vjp(maker(torch), x_theirs, v_out_t))
    v_in_o, v_in_t = _inputs(FUNCTIONS, name, seed=1)
    _same(AF.jvp(maker(ag), x_ours, v_in_o), TAF.jvp(maker(torch), x_theirs, v_in_t))


@pytest.mark.parametrize("name", SCALAR_FUNCTIONS)
def test_hessian_hvp_vhp_and_scalar_vjp_match_torch(name):
    _same(*_call(SCALAR_FUNCTIONS, name, "hessian"))
    _same(*_call(SCALAR_FUNCTIONS, name, "vjp"))  # v=None: a one-element output
    v_ours, v_theirs = _inputs(SCALAR_FUNCTIONS, name, seed=2)
    for fn_name in ("hvp", "vhp"):
        _same(*_call(SCALAR_FUNCTIONS, name, fn_name, v_ours, v_theirs))


def test_create_graph_keeps_the_graph_to_inputs_that_require_grad():
    f = lambda lib: lambda x: (x ** 3).sum()  # noqa: E731
    (x,), (xt,) = _pair((3,), requires_grad=True)
    for kwargs, differentiable in (({}, False), ({"create_graph": True}, True)):
        ours, theirs = AF.jacobian(f(ag), x, **kwargs), TAF.jacobian(f(torch), xt, **kwargs)
        _same(ours, theirs, requires_grad=differentiable)
    ours, theirs = AF.jacobian(f(ag), x, create_graph=True), TAF.jacobian(f(torch), xt, create_graph=True)
    _same(ag.autograd.grad(ours.sum(), x), torch.autograd.grad(theirs.sum(), xt))
    _, hv = AF.hvp(f(ag), x, ag.ones(3, dtype=ag.float64), create_graph=True)
    _, hvt = TAF.hvp(f(torch), xt, torch.ones(3, dtype=torch.float64), create_graph=True)
    _same(ag.autograd.grad(hv.sum(), x), torch.autograd.grad(hvt.sum(), xt))


def _words(message):  # shapes print as (3,) here and torch.Size([3]) there
    return re.sub(r"[^a-z ]", "", message.lower().replace("torch.size", ""))


def _error(call):
    with pytest.raises(Exception) as info:
        call()
    return info.type, str(info.value)


@pytest.mark.parametrize("case", [
    "strict_unused_input_vjp", "strict_unused_input_jacobian", "strict_constant_output", "strict_linear_hessian",
    "list_inputs", "number_input", "list_output", "v_missing", "v_wrong_shape", "v_wrong_length",
    "hessian_vector_output", "forward_mode_without_vectorize", "strict_and_vectorize"])
def test_errors_match_torch(case):
    def run(lib, fns):
        x, y = lib.ones(2, dtype=lib.float64), lib.ones(3, dtype=lib.float64)
        return {
            "strict_unused_input_vjp": lambda: fns.vjp(lambda a, b: a * 2, (x, y), x, strict=True),
            "strict_unused_input_jacobian": lambda: fns.jacobian(lambda a, b: a * 2, (x, y), strict=True),
            "strict_constant_output": lambda: fns.jacobian(lambda a: lib.ones(2), x, strict=True),
            "strict_linear_hessian": lambda: fns.hessian(lambda a: a.sum() * 2, x, strict=True),
            "list_inputs": lambda: fns.jacobian(lambda a: a, [x]),
            "number_input": lambda: fns.vjp(lambda a: a, (x, 1.0), x),
            "list_output": lambda: fns.jacobian(lambda a: [a], x),
            "v_missing": lambda: fns.vjp(lambda a: a * 2, x),
            "v_wrong_shape": lambda: fns.vjp(lambda a: a * 2, x, y),
            "v_wrong_length": lambda: fns.jvp(lambda a, b: a * 2, (x, y), (x,)),
            "hessian_vector_output": lambda: fns.hessian(lambda a: a * 2, x),
            "forward_mode_without_vectorize": lambda: fns.jacobian(lambda a: a, x, strategy="forward-mode"),
            "strict_and_vectorize": lambda: fns.jacobian(lambda a: a, x, strict=True, vectorize=True),
        }[case]
    (kind, message), (their_kind, their_message) = _error(run(ag, AF)), _error(run(torch, TAF))
    assert kind is their_kind
    assert _words(message) == _words(their_message)


# ---- vmap ----------------------------------------------------------------------------------
def _vmapped(lib_fn, args_ours, args_theirs, **kwargs):
    return agf.vmap(lib_fn(ag), **kwargs)(*args_ours), tf.vmap(lib_fn(torch), **kwargs)(*args_theirs)


@pytest.mark.parametrize("case", ["default", "in_dims_tuple", "negative_dims", "out_dims", "pytree_in_out",
                                  "dict_in_dims", "out_dims_none"])
def test_vmap_matches_torch(case):
    (a, b, c), (at, bt, ct) = _pair((3, 4), (4, 5), (4, 3), seed=3)
    cases = {
        "default": (lambda lib: lambda x: lib.sin(x) @ x, (a,), (at,), {}),
        "in_dims_tuple": (lambda lib: lambda x, w: x @ w, (a, b), (at, bt), {"in_dims": (0, None)}),
        "negative_dims": (lambda lib: lambda x, y: x * y, (a, c), (at, ct), {"in_dims": (-1, 0), "out_dims": -1}),
        "out_dims": (lambda lib: lambda x: (x, x.sum()), (a,), (at,), {"out_dims": (1, 0)}),
        "pytree_in_out": (lambda lib: lambda p: {"s": p[0] + p[1][0], "t": [p[0] * 2]}, ([a, [a]],), ([at, [at]],), {}),
        "dict_in_dims": (lambda lib: lambda d: d["x"] @ d["w"], ({"x": a, "w": b},), ({"x": at, "w": bt},),
                         {"in_dims": ({"x": 0, "w": None},)}),
        "out_dims_none": (lambda lib: lambda x, w: (x.sum(), w * 2), (a, b), (at, bt),
                          {"in_dims": (0, None), "out_dims": (0, None)}),
    }
    maker, ours_args, theirs_args, kwargs = cases[case]
    _same(*_vmapped(maker, ours_args, theirs_args, **kwargs))


def test_nested_vmap_and_vmap_over_jacrev_and_grad_match_torch():
    (x, y), (xt, yt) = _pair((2, 3, 4), (4,), seed=4)
    f = lambda lib: lambda u, v: lib.tanh(u * v).sum() * u.sum()  # noqa: E731
    _same(agf.vmap(agf.vmap(f(ag), in_dims=(0, None)), in_dims=(0, None))(x, y),
          tf.vmap(tf.vmap(f(torch), in_dims=(0, None)), in_dims=(0, None))(xt, yt))
    _same(agf.vmap(agf.vmap(f(ag), in_dims=(0, None)), in_dims=(1, None), out_dims=1)(x, y),
          tf.vmap(tf.vmap(f(torch), in_dims=(0, None)), in_dims=(1, None), out_dims=1)(xt, yt))
    g = lambda lib: lambda u: lib.sin(u) * u.sum()  # noqa: E731
    _same(agf.vmap(agf.jacrev(g(ag)))(x[0]), tf.vmap(tf.jacrev(g(torch)))(xt[0]))
    _same(agf.vmap(agf.vmap(agf.jacrev(g(ag))))(x), tf.vmap(tf.vmap(tf.jacrev(g(torch))))(xt))
    h = lambda lib: lambda u, v: ((u * v).sum() ** 2, u.detach() * 0 + 1)  # noqa: E731
    _same(agf.vmap(agf.grad(h(ag), argnums=(0, 1), has_aux=True), in_dims=(0, None))(x[0], y),
          tf.vmap(tf.grad(h(torch), argnums=(0, 1), has_aux=True), in_dims=(0, None))(xt[0], yt))
    _same(agf.vmap(agf.grad_and_value(h(ag), has_aux=True), in_dims=(0, None))(x[0], y),
          tf.vmap(tf.grad_and_value(h(torch), has_aux=True), in_dims=(0, None))(xt[0], yt))


def test_gradients_flow_through_vmap():
    (x, w), (xt, wt) = _pair((3, 4), (4,), seed=5, requires_grad=True)
    agf.vmap(lambda r, v: ag.tanh(r @ v), in_dims=(0, None))(x, w).sum().backward()
    tf.vmap(lambda r, v: torch.tanh(r @ v), in_dims=(0, None))(xt, wt).sum().backward()
    _same([x.grad, w.grad], [xt.grad, wt.grad])
    _same(agf.jacrev(agf.vmap(ag.sin))(x.detach()), tf.jacrev(tf.vmap(torch.sin))(xt.detach()))


def test_vmap_over_an_empty_batch_and_kwargs():
    _same(agf.vmap(lambda x, k: x * k)(ag.zeros(0, 3, dtype=ag.float64), k=ag.ones(3, dtype=ag.float64)),
          tf.vmap(lambda x, k: x * k)(torch.zeros(0, 3, dtype=torch.float64), k=torch.ones(3, dtype=torch.float64)))


@pytest.mark.parametrize("case", ["sizes", "in_dim_range", "in_dims_structure", "in_dims_type", "in_dims_list",
                                  "non_tensor", "no_tensor", "no_inputs", "out_dims_structure", "out_dims_type",
                                  "returns_number", "returns_none", "batched_out_dims_none", "chunk_size",
                                  "randomness_name", "random_in_error_mode", "zero_dim"])
def test_vmap_errors_match_torch(case):
    def run(lib, vmap):
        x, y = lib.ones(3, 4), lib.ones(5, 4)
        return {
            "sizes": lambda: vmap(lib.add)(x, y),
            "in_dim_range": lambda: vmap(lambda a: a, in_dims=2)(x),
            "in_dims_structure": lambda: vmap(lambda a: a, in_dims=(0, 0))(x),
            "in_dims_type": lambda: vmap(lambda a: a, in_dims=0.5)(x),
            "in_dims_list": lambda: vmap(lambda a: a, in_dims=[0])(x),
            "non_tensor": lambda: vmap(lambda a, n: a * n, in_dims=(0, 0))(x, 3),
            "no_tensor": lambda: vmap(lambda a, b: a * b, in_dims=(None, None))(x, y),
            "no_inputs": lambda: vmap(lambda: x)(),
            "out_dims_structure": lambda: vmap(lambda a: (a, a), out_dims=(0, 0, 0))(x),
            "out_dims_type": lambda: vmap(lambda a: a, out_dims=1.0)(x),
            "returns_number": lambda: vmap(lambda a: 3.0)(x),
            "returns_none": lambda: vmap(lambda a: (a, None))(x),
            "batched_out_dims_none": lambda: vmap(lambda a: a * 2, out_dims=None)(lib.randn(3, 4)),
            "chunk_size": lambda: vmap(lambda a: a, chunk_size=0)(x),
            "randomness_name": lambda: vmap(lambda a: a, randomness="sometimes")(x),
            "random_in_error_mode": lambda: vmap(lambda a: a + lib.rand(4))(x),
            "zero_dim": lambda: vmap(lambda a: a)(lib.tensor(1.0)),
        }[case]
    (kind, message), (their_kind, their_message) = _error(run(ag, agf.vmap)), _error(run(torch, tf.vmap))
    assert kind is their_kind and kind in (ValueError, RuntimeError)
    assert message.split(":")[0] == their_message.split(":")[0]
    if case not in ("in_dims_structure", "out_dims_structure"):  # pytree pictures differ
        assert message.split("<inputs>)")[-1][:60] == their_message.split("<inputs>)")[-1][:60]


def test_vmap_randomness_same_and_different():
    ag.manual_seed(0)
    same = agf.vmap(lambda a: a + ag.rand(4), randomness="same")(ag.zeros(3, 4))
    assert all(ag.equal(same[0], row) for row in same)
    different = agf.vmap(lambda a: a + ag.rand(4), randomness="different")(ag.zeros(3, 4))
    assert not ag.equal(different[0], different[1])


# ---- functional_call -----------------------------------------------------------------------
class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 3)
        self.b = nn.Linear(3, 3)
        self.b.weight = self.a.weight
        self.register_buffer("scale", ag.ones(3))

    def forward(self, x):
        return self.b(ag.tanh(self.a(x))) * self.scale


def _tied_torch():
    class Tied(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = torch.nn.Linear(3, 3), torch.nn.Linear(3, 3)
            self.b.weight = self.a.weight
            self.register_buffer("scale", torch.ones(3))

        def forward(self, x):
            return self.b(torch.tanh(self.a(x))) * self.scale
    return Tied().double()


def _tied_pair():
    ours, theirs = Tied().double(), _tied_torch()
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def test_functional_call_matches_torch_and_gradients_reach_the_given_tensors():
    ours, theirs = _tied_pair()
    (x, w, bias, scale), (xt, wt, bt, st) = _pair((2, 3), (3, 3), (3,), (3,), seed=6, requires_grad=True)
    for tie in (True, False):
        out = agf.functional_call(ours, ({"a.weight": w, "b.bias": bias}, {"scale": scale}), (x,), tie_weights=tie)
        out_t = tf.functional_call(theirs, ({"a.weight": wt, "b.bias": bt}, {"scale": st}), (xt,), tie_weights=tie)
        _same(out, out_t)
        _same(ag.autograd.grad(out.sum(), [x, w, bias, scale]), torch.autograd.grad(out_t.sum(), [xt, wt, bt, st]))
    assert all(p.grad is None for p in ours.parameters())
    _same(agf.functional_call(ours, {}, x), tf.functional_call(theirs, {}, xt))  # a non-tuple is one argument
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]


def test_functional_call_restores_the_module_after_an_exception():
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    before = {name: p for name, p in model.named_parameters()}
    names = list(before)
    with pytest.raises(ValueError, match="linear"):
        agf.functional_call(model, {"0.weight": ag.zeros(2, 3), "0.extra": ag.zeros(1)}, (ag.zeros(4, 5),))
    assert {name: p for name, p in model.named_parameters()} == before
    assert all(getattr(model[0], name.split(".")[1]) is before[name] for name in names)
    assert not hasattr(model[0], "extra")
    assert isinstance(model[0].weight, nn.Parameter)


@pytest.mark.parametrize("case", ["tied_conflict", "strict", "repeated_keys", "not_dicts"])
def test_functional_call_errors_match_torch(case):
    ours, theirs = _tied_pair()

    def run(model, lib, functional_call):
        x, one = lib.ones(1, 3, dtype=lib.float64), lib.ones(3, 3, dtype=lib.float64)
        return {
            "tied_conflict": lambda: functional_call(model, {"a.weight": one, "b.weight": one * 2}, (x,)),
            "strict": lambda: functional_call(model, {"a.weight": one, "c": one}, (x,), strict=True),
            "repeated_keys": lambda: functional_call(model, ({"a.weight": one}, {"a.weight": one}), (x,)),
            "not_dicts": lambda: functional_call(model, ({"a.weight": one}, 3), (x,)),
        }[case]
    assert _error(run(ours, ag, agf.functional_call)) == _error(run(theirs, torch, tf.functional_call))


# ---- PyTorch's per-sample-gradients tutorial -----------------------------------------------
def _cnn(lib):
    class SimpleCNN(lib.nn.Module if lib is torch else nn.Module):
        def __init__(self):
            super().__init__()
            mod = torch.nn if lib is torch else nn
            self.conv1 = mod.Conv2d(1, 4, 3, 1)
            self.fc1 = mod.Linear(4 * 3 * 3, 5)

        def forward(self, x):
            functional = torch.nn.functional if lib is torch else F
            x = functional.relu(self.conv1(x))
            x = functional.max_pool2d(x, 2)
            x = lib.flatten(x, 1)
            return functional.log_softmax(self.fc1(x), dim=1)
    return SimpleCNN()


def test_per_sample_gradients_tutorial_end_to_end():
    theirs = _cnn(torch).double()
    ours = _cnn(ag).double()
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(7)
    data_np, targets_np = rng.normal(size=(6, 1, 8, 8)), rng.integers(0, 5, size=6)

    def per_sample(model, lib, functional_call, vmap, grad, nll_loss):
        data, targets = lib.tensor(data_np), lib.tensor(targets_np)
        params = {k: v.detach() for k, v in model.named_parameters()}
        buffers = {k: v.detach() for k, v in model.named_buffers()}

        def compute_loss(params, buffers, sample, target):
            batch, targets = sample.unsqueeze(0), target.unsqueeze(0)
            predictions = functional_call(model, (params, buffers), (batch,))
            return nll_loss(predictions, targets)

        return vmap(grad(compute_loss), in_dims=(None, None, 0, 0))(params, buffers, data, targets)

    ours_grads = per_sample(ours, ag, agf.functional_call, agf.vmap, agf.grad, F.nll_loss)
    theirs_grads = per_sample(theirs, torch, tf.functional_call, tf.vmap, tf.grad, torch.nn.functional.nll_loss)
    _same(ours_grads, theirs_grads)
    for i in range(len(data_np)):  # the tutorial's reference: one backward per sample
        ours.zero_grad()
        F.nll_loss(ours(ag.tensor(data_np[i:i + 1])), ag.tensor(targets_np[i:i + 1])).backward()
        for name, p in ours.named_parameters():
            np.testing.assert_allclose(ours_grads[name][i].numpy(), p.grad.numpy(), rtol=RTOL, atol=ATOL)
