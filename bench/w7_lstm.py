"""W7: one training step of a 2-layer LSTM (input 128, hidden 128) on a batch of 32 sequences of
50 steps, float32: the outputs against a fixed target (mean squared error), plain SGD. graphgrad
with its fused step (one graph node per LSTM step: all four gates, forward and backward, in one
block), graphgrad with the step composed of the engine's operations (about 20 nodes per step),
and PyTorch's nn.LSTM (its fused CPU kernels), from identical weights and data."""
import gc

import numpy as np

from bench.common import check_agreement, fan_in_uniform, interleaved, optional_torch, parameter_arrays, ratio, report

BATCH, STEPS, FEATURES, HIDDEN, LAYERS = 32, 50, 128, 128, 2
LR = 0.1


def problem(seed=0):
    """Inputs (L, N, H_in), a target for the outputs, and the weights in nn.LSTM's parameter order."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((STEPS, BATCH, FEATURES)).astype(np.float32)
    target = rng.standard_normal((STEPS, BATCH, HIDDEN)).astype(np.float32)
    weights = []
    for layer in range(LAYERS):
        fan = FEATURES if layer == 0 else HIDDEN
        for shape in ((4 * HIDDEN, fan), (4 * HIDDEN, HIDDEN), (4 * HIDDEN,), (4 * HIDDEN,)):
            weights.append(fan_in_uniform(rng, shape, HIDDEN))  # U(-1/sqrt(hidden), 1/sqrt(hidden))
    return x, target, weights


def module_step(lib, nn, F, optim, x, target, weights, composed=False):
    model = nn.LSTM(FEATURES, HIDDEN, LAYERS)
    if composed:
        from nn.functional import recurrent
        model.step_function = recurrent.lstm_step_composed
    with lib.no_grad():
        for param, array in zip(model.parameters(), weights):
            param.copy_(lib.from_numpy(array))
    optimizer = optim.SGD(model.parameters(), lr=LR)
    inputs, targets = lib.from_numpy(x), lib.from_numpy(target)

    def step():
        optimizer.zero_grad()
        output, _ = model(inputs)
        loss = F.mse_loss(output, targets)
        loss.backward()
        optimizer.step()
        return loss.item()
    return step, lambda: parameter_arrays(model)


def contenders(x, target, weights):
    import autograd as ag
    import nn
    import optim
    found = {"graphgrad fused step": module_step(ag, nn, nn.functional, optim, x, target, weights),
             "graphgrad composed step": module_step(ag, nn, nn.functional, optim, x, target, weights, composed=True)}
    torch = optional_torch()
    if torch is not None:
        found["PyTorch"] = module_step(torch, torch.nn, torch.nn.functional, torch.optim, x, target, weights)
    return found


def run(repeats=10, inner=1):
    x, target, weights = problem()
    steps = contenders(x, target, weights)
    first = check_agreement("W7", steps, "graphgrad fused step", rtol=1e-4, param_atol=1e-4)
    gc.freeze()
    timings = interleaved({name: step for name, (step, _) in steps.items()}, repeats, inner)
    ratios = {"graphgrad fused / composed step": ratio(timings, "graphgrad fused step", "graphgrad composed step"),
              "graphgrad fused / PyTorch (goal <= 1.5)": ratio(timings, "graphgrad fused step", "PyTorch"),
              "graphgrad composed / PyTorch": ratio(timings, "graphgrad composed step", "PyTorch")}
    report(f"W7 LSTM step, {LAYERS} layers, hidden {HIDDEN}, batch {BATCH}, {STEPS} steps, SGD "
           f"(first loss {first:.6f}, equal across contenders)", timings, ratios)
    return timings, ratios


if __name__ == "__main__":
    from bench.common import pin_allocator, pin_threads
    pin_threads()
    pin_allocator()
    run()
