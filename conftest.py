"""Doctest namespace: the names that the library's docstring examples assume, so the
examples in nn and optim stay short and still run (pytest --doctest-modules)."""
import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _doctest_names(request):
    if type(request.node).__name__ != "DoctestItem":
        return
    doctest_namespace = request.getfixturevalue("doctest_namespace")
    import autograd as ag

    if not request.node.name.startswith(("nn.", "optim.")):
        return  # the engine's own examples import what they need
    try:
        import nn
        import nn.functional as F
        import optim
    except ImportError as missing:
        pytest.skip(f"this example needs {missing.name}")
    ag.manual_seed(0)
    model = nn.Linear(3, 1)
    x, y = ag.randn(8, 3), ag.randn(8, 1)
    loss_fn = nn.MSELoss()
    opt = optim.SGD(model.parameters(), lr=0.1)

    def train():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    def validation_loss():
        with ag.no_grad():
            return loss_fn(model(x), y).item()

    doctest_namespace.update(ag=ag, np=np, nn=nn, F=F, optim=optim, model=model, x=x, y=y, loss_fn=loss_fn,
                             opt=opt, optimizer=opt, train=train, validation_loss=validation_loss,
                             head_weight=ag.zeros(3, requires_grad=True))
