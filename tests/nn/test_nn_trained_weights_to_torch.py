"""A model trained in graphgrad, its state_dict handed to the same PyTorch architecture, gives
PyTorch's outputs; and a model trained in PyTorch, handed to graphgrad, gives graphgrad's
(issue 17's acceptance): a sequence classifier with an LSTM, and one with a transformer encoder."""
import numpy as np
import pytest

import autograd as ag
import nn
import optim

torch = pytest.importorskip("torch")


def build(lib_nn, kind):
    class Classifier(lib_nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = lib_nn.Embedding(11, 16)
            if kind == "lstm":
                self.body = lib_nn.LSTM(16, 16, num_layers=2, batch_first=True, bidirectional=True)
                width = 32
            else:
                layer = lib_nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.0, batch_first=True)
                self.body = lib_nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False) \
                    if lib_nn is torch.nn else lib_nn.TransformerEncoder(layer, num_layers=2)
                width = 16
            self.head = lib_nn.Linear(width, 3)

        def forward(self, tokens):
            h = self.embed(tokens)
            h = self.body(h)[0] if kind == "lstm" else self.body(h)
            return self.head(h.mean(1))
    return Classifier()


def data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 11, (8, 7)), rng.integers(0, 3, 8)


def train(model, lib, lib_optim, tokens, labels, steps=5):
    opt = lib_optim.Adam(model.parameters(), lr=0.01)
    for _ in range(steps):
        opt.zero_grad()
        loss = (lib.nn.functional.cross_entropy if lib is torch else nn.functional.cross_entropy)(model(tokens), labels)
        loss.backward()
        opt.step()
    model.eval()
    return model


@pytest.mark.parametrize("kind", ["lstm", "transformer"])
def test_weights_trained_here_give_pytorchs_outputs_there_and_back(kind):
    tokens, labels = data()
    ag.manual_seed(0)
    ours = train(build(nn, kind).double(), ag, optim, ag.tensor(tokens), ag.tensor(labels))
    theirs = build(torch.nn, kind).double()
    theirs.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in ours.state_dict().items()}, strict=True)
    theirs.eval()
    check_tokens, _ = data(1)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(check_tokens)).numpy()
    np.testing.assert_allclose(np.asarray(ours(ag.tensor(check_tokens)).detach()), expected, rtol=1e-10, atol=1e-12)

    torch.manual_seed(0)
    trained_there = train(build(torch.nn, kind).double(), torch, torch.optim, torch.from_numpy(tokens),
                          torch.from_numpy(labels))
    back = build(nn, kind).double()
    back.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in trained_there.state_dict().items()})
    back.eval()
    with torch.no_grad():
        expected = trained_there(torch.from_numpy(check_tokens)).numpy()
    np.testing.assert_allclose(np.asarray(back(ag.tensor(check_tokens)).detach()), expected, rtol=1e-10, atol=1e-12)
