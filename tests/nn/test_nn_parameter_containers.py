"""nn.ParameterList and nn.ParameterDict against torch.nn's: registration, state_dict keys,
conversion of tensors to Parameters, list and dict behaviour, training through them."""
import numpy as np
import pytest

import autograd as ag
import nn

torch = pytest.importorskip("torch")


def _models():
    class Ours(nn.Module):
        def __init__(self):
            super().__init__()
            self.weights = nn.ParameterList([nn.Parameter(ag.ones(2)), ag.zeros(3)])
            self.scales = nn.ParameterDict({"a": ag.ones(1), "b": nn.Parameter(ag.full((2,), 2.0))})

    class Theirs(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.weights = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(2)), torch.zeros(3)])
            self.scales = torch.nn.ParameterDict({"a": torch.ones(1), "b": torch.nn.Parameter(torch.full((2,), 2.0))})

    return Ours(), Theirs()


def test_state_dict_keys_and_parameters_as_torch():
    ours, theirs = _models()
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weights.0", "weights.1", "scales.a", "scales.b"]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert all(isinstance(p, nn.Parameter) for p in ours.weights) and isinstance(ours.scales["a"], nn.Parameter)
    assert all(p.requires_grad for p in ours.parameters())
    ours.load_state_dict({k: ag.tensor(v.numpy()) for k, v in theirs.state_dict().items()})


def test_parameter_list_behaves_as_a_list():
    ours, theirs = nn.ParameterList(), torch.nn.ParameterList()
    for lst, lib in ((ours, ag), (theirs, torch)):
        lst.append(lib.ones(1))
        lst.extend([lib.zeros(2), lib.ones(3)])
        lst[0] = lib.full((4,), 5.0)
    assert len(ours) == len(theirs) == 3
    assert [p.tolist() for p in ours] == [p.tolist() for p in theirs]
    assert ours[-1].tolist() == theirs[-1].tolist()
    assert [p.tolist() for p in ours[1:]] == [p.tolist() for p in theirs[1:]]
    with pytest.raises(IndexError):
        ours[3]
    with pytest.raises(IndexError):
        theirs[3]


def test_parameter_dict_behaves_as_a_dict():
    ours, theirs = nn.ParameterDict(), torch.nn.ParameterDict()
    for d, lib in ((ours, ag), (theirs, torch)):
        d["x"] = lib.ones(1)
        d.update([("y", lib.zeros(2)), ("z", lib.ones(3))])
        d["x"] = lib.full((2,), 3.0)
        d.pop("y")
    assert list(ours.keys()) == list(theirs.keys()) and len(ours) == len(theirs) == 2
    assert "z" in ours and "y" not in ours
    assert [v.tolist() for v in ours.values()] == [v.tolist() for v in theirs.values()]
    assert [k for k, _ in ours.named_parameters()] == [k for k, _ in theirs.named_parameters()]
    ours.clear()
    assert len(ours) == 0 and list(ours.parameters()) == []


def test_gradients_reach_the_parameters():
    ours, _ = _models()
    loss = ours.weights[0].sum() * 2 + (ours.scales["b"] ** 2).sum()
    loss.backward()
    np.testing.assert_array_equal(ours.weights[0].grad.numpy(), [2.0, 2.0])
    np.testing.assert_array_equal(ours.scales["b"].grad.numpy(), [4.0, 4.0])
    assert ours.weights[1].grad is None


def test_only_tensors_are_accepted():
    with pytest.raises(TypeError):
        nn.ParameterList([1.0])
    with pytest.raises(TypeError):
        nn.ParameterDict({"a": "x"})
