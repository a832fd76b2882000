"""W1: micrograd's demo training step: MLP(2, [16, 16, 1]) on 100 two-moons points, SVM hinge
loss + 1e-4 L2, float64, forward + backward. graphgrad Scalar vs micrograd (the same code with
only the import changed), graphgrad Tensor (eager and under ag.compile) vs PyTorch vs hand-written
NumPy."""
import random

import numpy as np

from bench.common import compiled_twin, interleaved, optional_torch, ratio, report

SIZES = [2, 16, 16, 1]


def moons():
    from sklearn.datasets import make_moons
    x, y = make_moons(n_samples=100, noise=0.1, random_state=1)
    return x, (y * 2 - 1).astype(np.float64)


def initial_weights():
    """micrograd's initialisation order: per neuron, nin uniform(-1, 1) weights, then bias 0."""
    random.seed(1337)
    layers = []
    for nin, nout in zip(SIZES[:-1], SIZES[1:]):
        w = np.array([[random.uniform(-1, 1) for _ in range(nin)] for _ in range(nout)])
        layers.append((w, np.zeros(nout)))
    return layers


def scalar_step(Value, x, y, layers):
    """micrograd's demo loss, written against the Value API (so both engines run it)."""
    params = [[([Value(v) for v in row], Value(b)) for row, b in zip(w, bias)] for w, bias in layers]

    def model(inputs):
        for i, layer in enumerate(params):
            last = i == len(params) - 1
            outs = []
            for weights, bias in layer:
                act = sum((wi * xi for wi, xi in zip(weights, inputs)), bias)
                outs.append(act if last else act.relu())
            inputs = outs
        return inputs[0]

    def step():
        scores = [model([Value(a) for a in row]) for row in x]
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        flat = [p for layer in params for weights, bias in layer for p in (*weights, bias)]
        total = data_loss + 1e-4 * sum(p * p for p in flat)
        for p in flat:
            p.grad = 0.0
        total.backward()
        return total.data
    return step


def tensor_step(lib, x, y, layers):
    """The same loss on whole tensors; `lib` is graphgrad or torch. Returns the step and a function
    giving copies of the gradients it leaves in .grad (the step makes no update)."""
    params = []
    for w, b in layers:
        params += [lib.tensor(w, dtype=lib.float64, requires_grad=True), lib.tensor(b, dtype=lib.float64, requires_grad=True)]
    xs, ys = lib.tensor(x, dtype=lib.float64), lib.tensor(y, dtype=lib.float64)

    def step():
        h = xs
        for i in range(0, len(params), 2):
            h = h @ params[i].T + params[i + 1]
            if i < len(params) - 2:
                h = h.relu()
        total = (1 - ys * h[:, 0]).relu().mean() + 1e-4 * sum((p * p).sum() for p in params)
        for p in params:
            p.grad = None
        total.backward()
        return total.item()
    return step, lambda: [p.grad.detach().numpy().copy() for p in params]


def numpy_step(x, y, layers):
    ws = [w.copy() for w, _ in layers]
    bs = [b.copy() for _, b in layers]

    def step():
        acts, pre = [x], []
        for i, (w, b) in enumerate(zip(ws, bs)):
            z = acts[-1] @ w.T + b
            pre.append(z)
            acts.append(np.maximum(z, 0) if i < len(ws) - 1 else z)
        margin = 1 - y * acts[-1][:, 0]
        total = np.maximum(margin, 0).mean() + 1e-4 * sum((w * w).sum() + (b * b).sum() for w, b in zip(ws, bs))
        g = (-1.0 * (margin > 0) * y / len(y))[:, None].astype(np.float64)
        for i in range(len(ws) - 1, -1, -1):
            gw, gb = g.T @ acts[i] + 2e-4 * ws[i], g.sum(0) + 2e-4 * bs[i]
            if i:
                g = (g @ ws[i]) * (pre[i - 1] > 0)
            del gw, gb
        return total
    return step


def run(repeats=7):
    import autograd as ag
    x, y = moons()
    layers = initial_weights()
    contenders = {"graphgrad Scalar": scalar_step(ag.Scalar, x, y, layers),
                  "graphgrad Tensor": tensor_step(ag, x, y, layers)[0],
                  "NumPy by hand": numpy_step(x, y, layers)}
    try:
        from micrograd.engine import Value as MicrogradValue
        contenders["micrograd"] = scalar_step(MicrogradValue, x, y, layers)
    except ImportError:
        print("  (micrograd not installed: pip install micrograd==0.1.0 to compare)")
    torch = optional_torch()
    if torch is not None:
        contenders["PyTorch"] = tensor_step(torch, x, y, layers)[0]
    # the Tensor step under ag.compile, checked bit for bit (loss and gradients) against an eager twin
    contenders["graphgrad Tensor compiled"] = compiled_twin("W1", lambda: tensor_step(ag, x, y, layers))
    first = {name: float(fn()) for name, fn in contenders.items()}
    reference = first["NumPy by hand"]
    for name, value in first.items():
        assert abs(value - reference) < 1e-9 * max(1, abs(reference)), (name, value, reference)
    slow = {k: v for k, v in contenders.items() if k in ("micrograd", "graphgrad Scalar")}
    fast = {k: v for k, v in contenders.items() if k not in slow}
    # a fast step is a fraction of a millisecond: time 20 in a row per sample, so that what is
    # measured is a training loop's warm steady state, not the first step after the pause
    timings = {**interleaved(slow, max(2, repeats // 3)), **interleaved(fast, repeats * 2, inner=20)}
    ratios = {"micrograd / graphgrad Scalar (goal >= 5)": _inverse(ratio(timings, "graphgrad Scalar", "micrograd")),
              "graphgrad Tensor / PyTorch (goal <= 1)": ratio(timings, "graphgrad Tensor", "PyTorch"),
              "graphgrad Tensor / NumPy by hand": ratio(timings, "graphgrad Tensor", "NumPy by hand"),
              "graphgrad Tensor compiled / NumPy by hand (goal <= 1.2)":
                  ratio(timings, "graphgrad Tensor compiled", "NumPy by hand"),
              "graphgrad Tensor compiled / PyTorch": ratio(timings, "graphgrad Tensor compiled", "PyTorch"),
              "graphgrad Tensor compiled / graphgrad Tensor": ratio(timings, "graphgrad Tensor compiled",
                                                                    "graphgrad Tensor")}
    report(f"W1 micrograd demo step (first loss {reference:.6f}, equal across contenders)", timings, ratios)
    return timings, ratios


def _inverse(value):
    return None if value is None else 1 / value


if __name__ == "__main__":
    from bench.common import pin_allocator, pin_threads
    pin_threads()
    pin_allocator()
    run()
