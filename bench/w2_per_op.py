"""W2: per-operation overhead: a (10,) float32 vector through 1000 ops cycling
`* c, + c, tanh, * w`, then sum and backward. Small tensors: the cost is all dispatch."""
import numpy as np

from bench.common import interleaved, optional_torch, ratio, report

N_OPS = 1000


def chain(lib, x0, c, w_np, backward=True):
    x = lib.tensor(x0, requires_grad=True)
    w = lib.tensor(w_np, requires_grad=True)

    def step():
        y = x
        for _ in range(N_OPS // 4):
            y = ((y * c) + c).tanh() * w
        total = y.sum()
        if backward:
            x.grad = w.grad = None
            total.backward()
        return total.item()
    return step


def numpy_forward(x0, c, w):
    def step():
        y = x0
        for _ in range(N_OPS // 4):
            y = np.tanh(y * c + c) * w
        return float(y.sum())
    return step


def problem():
    """The starting vector x0, the constant c and the weights w, the same for every contender."""
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal(10).astype(np.float32)
    w = (1 + 0.1 * rng.standard_normal(10)).astype(np.float32)
    return x0, 0.5, w


def run(repeats=30):
    import autograd as ag
    x0, c, w = problem()
    contenders = {"graphgrad fwd+bwd": chain(ag, x0, c, w), "graphgrad fwd": chain(ag, x0, c, w, False),
                  "graphgrad compiled fwd+bwd": ag.compile(chain(ag, x0, c, w)),
                  "NumPy fwd": numpy_forward(x0, c, w)}
    torch = optional_torch()
    if torch is not None:
        contenders["PyTorch fwd+bwd"] = chain(torch, x0, c, w)
        contenders["PyTorch fwd"] = chain(torch, x0, c, w, False)
    first = {name: fn() for name, fn in contenders.items()}
    contenders["graphgrad compiled fwd+bwd"]()  # its second call records; later calls replay
    for name, value in first.items():
        assert abs(value - first["NumPy fwd"]) < 1e-4, (name, value)
    timings = interleaved(contenders, repeats)
    for t in timings.values():  # report per op
        t.samples = [s / N_OPS for s in t.samples]
    ratios = {"fwd+bwd graphgrad / PyTorch (goal <= 0.8)": ratio(timings, "graphgrad fwd+bwd", "PyTorch fwd+bwd"),
              "fwd+bwd compiled / PyTorch (goal <= 0.25)": ratio(timings, "graphgrad compiled fwd+bwd", "PyTorch fwd+bwd"),
              "fwd+bwd compiled / eager": ratio(timings, "graphgrad compiled fwd+bwd", "graphgrad fwd+bwd"),
              "fwd graphgrad / PyTorch": ratio(timings, "graphgrad fwd", "PyTorch fwd"),
              "fwd graphgrad / NumPy": ratio(timings, "graphgrad fwd", "NumPy fwd")}
    report("W2 per-op cost (times are per op)", timings, ratios, unit="us")
    return timings, ratios


if __name__ == "__main__":
    from bench.common import pin_allocator, pin_threads
    pin_threads()
    pin_allocator()
    run()
