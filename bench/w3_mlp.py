"""W3: one training step of an MLP 784-256-128-10 (ReLU) on a batch of 128, cross-entropy loss,
Adam, float32. graphgrad written with nn/optim exactly as a PyTorch user would, PyTorch itself
(the same code), and the same math by hand in NumPy, all from identical weights and data.
"NumPy GEMMs only" times just the step's eight matrix products: the floor for everyone."""
import gc

import numpy as np

from bench.common import (check_agreement, compiled_twin, fan_in_uniform, interleaved, load_parameters, module_contenders,
                          parameter_arrays, ratio, report, softmax_cross_entropy)

SIZES = (784, 256, 128, 10)
BATCH = 128
LR = 1e-3
BETAS = (0.9, 0.999)
EPS = 1e-8


def problem(seed=0):
    """A batch of inputs, its labels, and the initial weights [W1, b1, W2, b2, W3, b3]."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    labels = rng.integers(0, SIZES[-1], BATCH)
    weights = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        weights += [fan_in_uniform(rng, (fan_out, fan_in), fan_in), fan_in_uniform(rng, fan_out, fan_in)]
    return x, labels, weights


def module_step(lib, nn, F, optim, x, labels, weights):
    """The PyTorch-user version; `lib, nn, F, optim` are graphgrad's or torch's modules."""
    layers = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    load_parameters(lib, model, weights)
    optimizer = optim.Adam(model.parameters(), lr=LR, betas=BETAS, eps=EPS)
    inputs, targets = lib.from_numpy(x), lib.from_numpy(labels)

    def step():
        optimizer.zero_grad()
        loss = F.cross_entropy(model(inputs), targets)
        loss.backward()
        optimizer.step()
        return loss.item()
    return step, lambda: parameter_arrays(model)


class NumpyAdam:
    """Adam with bias correction, PyTorch's formula, updating arrays in place."""

    def __init__(self, params):
        self.params, self.t = params, 0
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]

    def step(self, grads):
        self.t += 1
        beta1, beta2 = BETAS
        step_size = LR / (1 - beta1 ** self.t)
        root_correction = (1 - beta2 ** self.t) ** 0.5
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * g * g
            p -= step_size * m / (np.sqrt(v) / root_correction + EPS)


def numpy_step(x, labels, weights):
    """Forward, backward and Adam written out by hand."""
    params = [w.copy() for w in weights]
    adam = NumpyAdam(params)
    last = len(params) - 2

    def step():
        activations = [x]
        for i in range(0, len(params), 2):
            z = activations[-1] @ params[i].T + params[i + 1]
            activations.append(z if i == last else np.maximum(z, 0))
        loss, g = softmax_cross_entropy(activations[-1], labels)
        grads = [None] * len(params)
        for i in range(last, -1, -2):
            grads[i], grads[i + 1] = g.T @ activations[i // 2], g.sum(axis=0)
            if i:  # the input needs no gradient
                g = (g @ params[i]) * (activations[i // 2] > 0)
        adam.step(grads)
        return loss
    return step, lambda: [p.copy() for p in params]


def gemms_only(x, weights):
    """The step's matrix products alone (3 forward, 3 weight gradients, 2 input gradients)."""
    acts = [x]
    for w in weights[::2]:
        acts.append(acts[-1] @ w.T)
    grads = [np.ones_like(a) for a in acts[1:]]

    def step():
        for a, w in zip(acts, weights[::2]):
            a @ w.T
        for i, w in enumerate(weights[::2]):
            grads[i].T @ acts[i]
            if i:
                grads[i] @ w
    return step


def compiled_step(x, labels, weights):
    """graphgrad's step under ag.compile, checked bit for bit against an eager twin over 3 steps."""
    import autograd as ag
    import nn
    import optim
    return compiled_twin("W3", lambda: module_step(ag, nn, nn.functional, optim, x, labels, weights))


def contenders(x, labels, weights):
    """name -> (step, parameters) for every contender available (W6 measures the same ones)."""
    return module_contenders(module_step, numpy_step, "NumPy by hand", x, labels, weights)


def run(repeats=30, inner=5):
    x, labels, weights = problem()
    steps = contenders(x, labels, weights)
    # Adam's first update is about lr * sign(g): where |g| is near eps, rounding moves it by a
    # fraction of lr, so parameters are compared to 5% of lr (a wrong eps or beta moves them by ~lr).
    first = check_agreement("W3", steps, "NumPy by hand", param_atol=0.05 * LR)
    timed = {name: step for name, (step, _) in steps.items()}
    timed["graphgrad compiled"] = compiled_step(x, labels, weights)
    timed["NumPy GEMMs only"] = gemms_only(x, weights)
    gc.freeze()  # setup's objects (torch's are many) leave the per-sample gc.collect: it then costs microseconds
    timings = interleaved(timed, repeats, inner)
    ratios = {"graphgrad / NumPy by hand (goal <= 1.1)": ratio(timings, "graphgrad", "NumPy by hand"),
              "graphgrad / PyTorch": ratio(timings, "graphgrad", "PyTorch"),
              "compiled / NumPy by hand (goal <= 1.0)": ratio(timings, "graphgrad compiled", "NumPy by hand"),
              "compiled / graphgrad eager": ratio(timings, "graphgrad compiled", "graphgrad"),
              "PyTorch / NumPy by hand": ratio(timings, "PyTorch", "NumPy by hand"),
              "graphgrad / NumPy GEMMs only": ratio(timings, "graphgrad", "NumPy GEMMs only")}
    report(f"W3 MLP 784-256-128-10 step, batch {BATCH}, Adam (first loss {first:.6f}, equal across contenders)",
           timings, ratios)
    return timings, ratios


if __name__ == "__main__":
    from bench.common import pin_allocator, pin_threads
    pin_threads()
    pin_allocator()
    run()
