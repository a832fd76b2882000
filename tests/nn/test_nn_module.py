"""nn.Module, Parameter and the containers: registration, iteration, modes, conversion,
state dicts (PyTorch's keys), hooks, repr (PyTorch's text), and nn's import layering."""
import copy
from collections import OrderedDict

import numpy as np
import pytest

import autograd as ag
import nn


def _build(lib, ones):
    """The same nested architecture in graphgrad's nn (ones=ag.ones) or torch.nn (torch.ones)."""
    class Block(lib.Module):
        def __init__(self):
            super().__init__()
            self.conv = lib.Conv2d(1, 4, 3, padding=1)
            self.bn = lib.BatchNorm2d(4)
            self.register_buffer("scale", ones(1) * 2)
            self.register_buffer("cache", ones(2), persistent=False)

        def forward(self, x):
            return self.bn(self.conv(x)).relu() * self.scale

    class Net(lib.Module):
        def __init__(self):
            super().__init__()
            self.features = lib.Sequential(Block(), lib.MaxPool2d(2), lib.Flatten())
            self.heads = lib.ModuleDict({"cls": lib.Linear(16, 3), "aux": lib.Sequential(lib.Linear(16, 8), lib.ReLU())})
            self.extra = lib.ModuleList([lib.LayerNorm(3), lib.Dropout(0.1)])
            self.temperature = lib.Parameter(ones(1))

        def forward(self, x):
            h = self.features(x)
            return self.extra[0](self.heads["cls"](h)) / self.temperature, self.heads["aux"](h)

    return Net()


# ---- registration and iteration -----------------------------------------------------------

def test_attributes_register_parameters_buffers_and_submodules():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(4, 3)
            self.act = nn.ReLU()
            self.fc2 = nn.Linear(3, 2, bias=False)
            self.register_buffer("steps", ag.zeros(1))
            self.alpha = nn.Parameter(ag.ones(1))
            self.note = "plain attributes stay plain"

    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["alpha", "fc1.weight", "fc1.bias", "fc2.weight"]
    assert [n for n, _ in net.named_buffers()] == ["steps"]
    assert [n for n, _ in net.named_children()] == ["fc1", "act", "fc2"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "act", "fc2"]
    assert list(net.children())[0] is net.fc1 and list(net.modules())[0] is net
    assert net.fc2.bias is None and "bias" in net.fc2._parameters
    assert list(net.parameters(recurse=False)) == [net.alpha]
    assert net.note == "plain attributes stay plain" and "note" not in net._parameters
    net.fc1 = nn.Linear(4, 3)  # re-assigning keeps the registration order
    assert [n for n, _ in net.named_children()] == ["fc1", "act", "fc2"]
    del net.act
    assert [n for n, _ in net.named_children()] == ["fc1", "fc2"] and not hasattr(net, "act")


def test_no_getattr_fallback_missing_attributes_raise():
    assert "__getattr__" not in vars(nn.Module)
    with pytest.raises(AttributeError):
        _ = nn.Linear(2, 2).weights  # a typo is an error, never a silent None


def test_assignment_errors_are_clear():
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'weight'"):
        layer.weight = ag.ones(2, 2)
    layer.bias = None
    assert layer.bias is None and list(dict(layer.named_parameters())) == ["weight"]
    with pytest.raises(KeyError, match="already exists"):
        layer.register_buffer("weight", ag.ones(1))
    with pytest.raises(KeyError, match="empty or contain"):
        layer.register_parameter("a.b", None)

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ag.ones(1))
            super().__init__()

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()


def test_shared_parameters_and_modules_are_listed_once():
    shared = nn.Linear(3, 3)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.parameters())) == 2
    assert [n for n, _ in model.named_modules()] == ["", "0", "1"]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]  # as PyTorch


def test_parameter_basics():
    data = ag.tensor([1.0, 2.0])
    p = nn.Parameter(data)
    assert p.requires_grad and p.is_leaf and isinstance(p, ag.Tensor)
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    data.add_(1.0)
    assert p.tolist() == [2.0, 3.0]  # shares storage with its data, as torch.nn.Parameter
    assert not nn.Parameter(ag.ones(1), requires_grad=False).requires_grad
    assert type(p * 2) is ag.Tensor
    assert nn.Parameter().shape == (0,)


def test_parameter_repr_matches_torch(torch):
    assert repr(nn.Parameter(ag.tensor([[1.0, 2.0]]))) == repr(torch.nn.Parameter(torch.tensor([[1.0, 2.0]])))


# ---- modes, gradients, conversion ---------------------------------------------------------

def test_train_eval_zero_grad_apply_requires_grad():
    model = _build(nn, ag.ones)
    assert model.training and all(m.training for m in model.modules())
    assert model.eval() is model and not any(m.training for m in model.modules())
    model.train()
    out, aux = model(ag.randn(2, 1, 4, 4))
    (out.sum() + aux.sum()).backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(np.all(np.asarray(p.grad) == 0) for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    visited = []
    assert model.apply(lambda m: visited.append(type(m).__name__)) is model
    assert visited[-1] == "Net" and visited.index("Conv2d") < visited.index("Block")
    assert model.requires_grad_(False) is model and not any(p.requires_grad for p in model.parameters())


def test_to_float_double_convert_in_place_and_return_self():
    model = _build(nn, ag.ones)
    params = list(model.parameters())
    assert model.double() is model
    assert all(p.dtype == ag.float64 for p in model.parameters())
    assert list(model.parameters())[0] is params[0]  # same objects: optimisers keep working
    bn = model.features[0].bn
    assert bn.running_mean.dtype == ag.float64 and bn.num_batches_tracked.dtype == ag.int64
    assert model.to(ag.float32) is model and params[0].dtype == ag.float32
    assert model.float().to("cpu") is model
    with pytest.raises(Exception, match="cuda|CUDA|device"):
        model.to("cuda")


def test_forward_hooks():
    layer = nn.Linear(2, 2)
    calls = []
    pre = layer.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    post = layer.register_forward_hook(lambda m, args, out: calls.append(out.shape) or out + 1)
    out = layer(ag.ones(1, 2))
    np.testing.assert_allclose(np.asarray(out.detach()), np.asarray(layer.bias.detach()).reshape(1, 2) + 1)
    assert calls == [(1, 2)]
    pre.remove(), post.remove()
    layer(ag.ones(1, 2))
    assert calls == [(1, 2)]


def test_deepcopy_gives_an_independent_module():
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    clone = copy.deepcopy(model)
    with ag.no_grad():
        clone[0].weight.fill_(0.0)
    assert isinstance(clone[0].weight, nn.Parameter) and clone[0].weight.requires_grad
    assert np.asarray(model[0].weight.detach()).any()
    assert list(clone.state_dict()) == list(model.state_dict())


# ---- state dicts --------------------------------------------------------------------------

def test_state_dict_keys_equal_torch_for_the_same_architecture(torch):
    ours, theirs = _build(nn, ag.ones), _build(torch.nn, torch.ones)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert "features.0.bn.num_batches_tracked" in ours.state_dict()
    assert "features.0.cache" not in ours.state_dict()  # non-persistent


def test_repr_equals_torch(torch):
    assert repr(_build(nn, ag.ones)) == repr(_build(torch.nn, torch.ones))
    assert repr(nn.ModuleList([nn.Linear(2, 2)] * 3 + [nn.ReLU()])) == \
        repr(torch.nn.ModuleList([torch.nn.Linear(2, 2)] * 3 + [torch.nn.ReLU()]))
    assert repr(nn.Sequential()) == repr(torch.nn.Sequential()) == "Sequential()"
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList())


def test_state_dict_round_trip_reproduces_the_outputs():
    ag.manual_seed(0)
    source, target = _build(nn, ag.ones), _build(nn, ag.ones)
    x = ag.randn(3, 1, 4, 4)
    source(x)  # training step: moves the batch-norm running statistics
    source.eval(), target.eval()
    state = source.state_dict()
    assert state["features.0.bn.num_batches_tracked"].item() == 1
    result = target.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (a, b) in zip(source(x), target(x)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    for key, value in target.state_dict().items():
        np.testing.assert_array_equal(np.asarray(value), np.asarray(state[key]))
    state["heads.cls.bias"].add_(1.0)  # values share storage with the parameters, as PyTorch
    assert np.array_equal(np.asarray(source.heads.cls.bias.detach()), np.asarray(state["heads.cls.bias"]))
    assert not state["heads.cls.bias"].requires_grad


def test_load_state_dict_reports_every_problem_together():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    state = model.state_dict()
    del state["0.bias"], state["1.running_var"]
    state["0.weight"] = ag.zeros(3, 3)
    state["2.weight"] = ag.zeros(1)
    with pytest.raises(RuntimeError) as error:
        model.load_state_dict(state)
    message = str(error.value)
    assert message.startswith("Error(s) in loading state_dict for Sequential:")
    assert 'Missing key(s) in state_dict: "0.bias", "1.running_var".' in message
    assert 'Unexpected key(s) in state_dict: "2.weight".' in message
    assert "size mismatch for 0.weight: copying a param with shape (3, 3) from checkpoint, the shape in " \
           "current model is (3, 2)." in message
    state["0.weight"] = ag.zeros(3, 2)
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["0.bias", "1.running_var"] and result.unexpected_keys == ["2.weight"]
    assert np.asarray(model[0].weight.detach()).tolist() == [[0.0, 0.0]] * 3
    with pytest.raises(RuntimeError, match="size mismatch"):  # even when not strict, as PyTorch
        model.load_state_dict({"0.weight": ag.zeros(2, 2)}, strict=False)


def test_load_torch_state_dict_into_our_model(torch):
    theirs = _build(torch.nn, torch.ones).eval()
    ours = _build(nn, ag.ones).eval()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 1, 4, 4)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.tensor(x))
    for a, b in zip(ours(ag.tensor(x)), expected):
        np.testing.assert_allclose(np.asarray(a), b.numpy(), rtol=1e-5, atol=1e-6)


# ---- containers ---------------------------------------------------------------------------

def test_sequential_indexing_slicing_and_editing():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    model = nn.Sequential(*layers)
    assert len(model) == 3 and list(model) == layers and model[-1] is layers[2]
    head = model[:2]
    assert isinstance(head, nn.Sequential) and list(head) == layers[:2]
    assert model(ag.ones(4, 2)).shape == (4, 1)
    model.append(nn.Sigmoid())
    assert [n for n, _ in model.named_children()] == ["0", "1", "2", "3"]
    del model[1]
    assert [n for n, _ in model.named_children()] == ["0", "1", "2"] and model[1] is layers[2]
    model.insert(1, nn.Tanh())
    assert isinstance(model[1], nn.Tanh) and len(model) == 4
    model[0] = nn.Identity()
    assert isinstance(model[0], nn.Identity)
    with pytest.raises(IndexError, match="out of range"):
        model[10]
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert list(named.state_dict()) == ["fc.weight", "fc.bias"] and named.fc is named[0]


def test_module_list_and_module_dict():
    blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    blocks.append(nn.ReLU())
    blocks += [nn.Tanh()]
    assert len(blocks) == 5 and len(list(blocks.parameters())) == 6
    assert isinstance(blocks[1:3], nn.ModuleList) and len(blocks[1:3]) == 2
    assert blocks.pop(0) is not None and len(blocks) == 4 and list(dict(blocks.named_children())) == ["0", "1", "2", "3"]
    with pytest.raises(NotImplementedError, match="forward"):
        blocks(ag.ones(1))
    heads = nn.ModuleDict({"a": nn.Linear(2, 2)})
    heads["b"] = nn.Linear(2, 1)
    heads.update([("c", nn.ReLU())])
    assert list(heads.keys()) == ["a", "b", "c"] and "b" in heads and len(heads) == 3
    assert [n for n, _ in heads.named_parameters()] == ["a.weight", "a.bias", "b.weight", "b.bias"]
    assert isinstance(heads.pop("a"), nn.Linear) and list(heads) == ["b", "c"]
    with pytest.raises(KeyError, match="already exists"):
        heads["keys"] = nn.ReLU()


def test_docstring_examples_run():
    import doctest
    import importlib
    for name in ("module", "containers", "linear", "conv", "pooling", "normalization", "dropout", "activation",
                 "embedding", "loss", "init", "utils"):
        result = doctest.testmod(importlib.import_module(f"nn.{name}"), optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, f"nn.{name}: {result.failed} docstring example(s) failed"


def test_check_module_leaves_parameters_and_buffers_as_it_found_them():
    ag.manual_seed(0)
    layer = nn.BatchNorm1d(3)
    before = {k: np.array(v.detach().numpy()) for k, v in layer.state_dict().items()}
    assert ag.check_module(layer, ag.randn(4, 3)).passed
    after = layer.state_dict()
    for key, value in before.items():
        np.testing.assert_array_equal(after[key].detach().numpy(), value, err_msg=key)
        assert after[key].dtype == value.dtype
