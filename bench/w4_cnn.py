"""W4: one training step of a small CNN on a batch of 32 single-channel 28x28 images, float32:
conv 1->8 3x3, ReLU, max-pool 2, conv 8->16 3x3, ReLU, max-pool 2, linear 400->10 (28 -> 26
-> 13 -> 11 -> 5, so 16 * 5 * 5 = 400 features), cross-entropy, plain SGD. graphgrad written
with nn/optim as a PyTorch user would (eager, and under ag.compile), PyTorch itself (oneDNN
convolutions), and a straightforward NumPy im2col (`sliding_window_view` + matmul, max-pool by
reshape) by hand."""
import gc

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from bench.common import (check_agreement, compiled_twin, fan_in_uniform, interleaved, load_parameters,
                          module_contenders, parameter_arrays, ratio, report, softmax_cross_entropy)

BATCH = 32
IMAGE = 28
CONVS = ((1, 8), (8, 16))  # (in, out) channels, 3x3 kernels, no padding
KERNEL = 3
FEATURES = 16 * 5 * 5
CLASSES = 10
LR = 0.05


def problem(seed=0):
    """A batch of images, its labels, and the initial weights [K1, c1, K2, c2, W, b]."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, 1, IMAGE, IMAGE)).astype(np.float32)
    labels = rng.integers(0, CLASSES, BATCH)
    weights = []
    for c_in, c_out in CONVS:
        fan_in = c_in * KERNEL * KERNEL
        weights += [fan_in_uniform(rng, (c_out, c_in, KERNEL, KERNEL), fan_in), fan_in_uniform(rng, c_out, fan_in)]
    weights += [fan_in_uniform(rng, (CLASSES, FEATURES), FEATURES), fan_in_uniform(rng, CLASSES, FEATURES)]
    return x, labels, weights


def module_step(lib, nn, F, optim, x, labels, weights):
    """The PyTorch-user version; `lib, nn, F, optim` are graphgrad's or torch's modules."""
    model = nn.Sequential(nn.Conv2d(1, 8, KERNEL), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(8, 16, KERNEL), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(FEATURES, CLASSES))
    load_parameters(lib, model, weights)
    optimizer = optim.SGD(model.parameters(), lr=LR)
    inputs, targets = lib.from_numpy(x), lib.from_numpy(labels)

    def step():
        optimizer.zero_grad()
        loss = F.cross_entropy(model(inputs), targets)
        loss.backward()
        optimizer.step()
        return loss.item()
    return step, lambda: parameter_arrays(model)


# ---- the same math by hand ----------------------------------------------------------------

def conv_forward(x, kernels, bias):
    """Valid 3x3 convolution as im2col: (N, C, H, W) -> (N, O, H-2, W-2), and the columns."""
    windows = sliding_window_view(x, kernels.shape[2:], axis=(2, 3))  # (N, C, OH, OW, kh, kw)
    n, c, oh, ow, kh, kw = windows.shape
    columns = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * kh * kw)
    out = columns @ kernels.reshape(len(kernels), -1).T + bias
    return out.reshape(n, oh, ow, -1).transpose(0, 3, 1, 2), columns


def conv_backward(grad, kernels, columns, input_shape=None):
    """Gradients of the kernels and bias, and of the input when `input_shape` is given (col2im)."""
    n, o, oh, ow = grad.shape
    rows = grad.transpose(0, 2, 3, 1).reshape(-1, o)
    grad_kernels = (rows.T @ columns).reshape(kernels.shape)
    if input_shape is None:
        return grad_kernels, rows.sum(axis=0), None
    _, c, kh, kw = kernels.shape
    grad_columns = (rows @ kernels.reshape(o, -1)).reshape(n, oh, ow, c, kh, kw)
    grad_input = np.zeros(input_shape, dtype=grad.dtype)
    for i in range(kh):  # col2im: one strided add per kernel position
        for j in range(kw):
            grad_input[:, :, i:i + oh, j:j + ow] += grad_columns[..., i, j].transpose(0, 3, 1, 2)
    return grad_kernels, rows.sum(axis=0), grad_input


def pool_forward(x):
    """2x2 max-pool, stride 2, odd edges dropped: (N, C, H, W) -> (N, C, H // 2, W // 2), and the blocks."""
    n, c, h, w = x.shape
    blocks = x[:, :, :h // 2 * 2, :w // 2 * 2].reshape(n, c, h // 2, 2, w // 2, 2)
    return blocks.max(axis=(3, 5)), blocks


def pool_backward(grad, out, blocks, input_shape):
    """Routes each window's gradient to the positions equal to its maximum. Ties (all-zero
    windows after the ReLU) get it several times, but the ReLU's gradient there is zero."""
    n, c, oh, ow = out.shape
    hits = blocks == out[:, :, :, None, :, None]
    grad_input = np.zeros(input_shape, dtype=grad.dtype)
    grad_input[:, :, :2 * oh, :2 * ow] = (hits * grad[:, :, :, None, :, None]).reshape(n, c, 2 * oh, 2 * ow)
    return grad_input


def numpy_step(x, labels, weights):
    """Forward, backward and SGD written out by hand."""
    params = [w.copy() for w in weights]

    def step():
        k1, c1, k2, c2, w, b = params
        h1, cols1 = conv_forward(x, k1, c1)
        a1 = np.maximum(h1, 0)
        p1, blocks1 = pool_forward(a1)
        h2, cols2 = conv_forward(p1, k2, c2)
        a2 = np.maximum(h2, 0)
        p2, blocks2 = pool_forward(a2)
        features = p2.reshape(len(x), -1)
        loss, g = softmax_cross_entropy(features @ w.T + b, labels)
        grad_w, grad_b = g.T @ features, g.sum(axis=0)
        g = pool_backward((g @ w).reshape(p2.shape), p2, blocks2, a2.shape) * (h2 > 0)
        grad_k2, grad_c2, g = conv_backward(g, k2, cols2, p1.shape)
        g = pool_backward(g, p1, blocks1, a1.shape) * (h1 > 0)
        grad_k1, grad_c1, _ = conv_backward(g, k1, cols1)  # the images need no gradient
        for p, grad in zip(params, (grad_k1, grad_c1, grad_k2, grad_c2, grad_w, grad_b)):
            p -= LR * grad
        return loss
    return step, lambda: [p.copy() for p in params]


def compiled_step(x, labels, weights):
    """graphgrad's step under ag.compile, checked bit for bit against an eager twin over 3 steps."""
    import autograd as ag
    import nn
    import optim
    return compiled_twin("W4", lambda: module_step(ag, nn, nn.functional, optim, x, labels, weights))


def run(repeats=20, inner=3):
    x, labels, weights = problem()
    steps = module_contenders(module_step, numpy_step, "NumPy im2col by hand", x, labels, weights)
    first = check_agreement("W4", steps, "NumPy im2col by hand")
    compiled = compiled_step(x, labels, weights)
    gc.freeze()  # setup's objects (torch's are many) leave the per-sample gc.collect: it then costs microseconds
    timed = {name: step for name, (step, _) in steps.items()}
    timed["graphgrad compiled"] = compiled
    timings = interleaved(timed, repeats, inner)
    ratios = {"graphgrad / NumPy im2col by hand (goal <= 1.0)": ratio(timings, "graphgrad", "NumPy im2col by hand"),
              "graphgrad / PyTorch": ratio(timings, "graphgrad", "PyTorch"),
              "PyTorch / NumPy im2col by hand": ratio(timings, "PyTorch", "NumPy im2col by hand"),
              "graphgrad compiled / NumPy im2col by hand (goal <= 0.75)":
                  ratio(timings, "graphgrad compiled", "NumPy im2col by hand"),
              "graphgrad compiled / PyTorch": ratio(timings, "graphgrad compiled", "PyTorch"),
              "graphgrad compiled / graphgrad": ratio(timings, "graphgrad compiled", "graphgrad")}
    report(f"W4 CNN step, batch {BATCH}, SGD (first loss {first:.6f}, equal across contenders)", timings, ratios)
    return timings, ratios


if __name__ == "__main__":
    from bench.common import pin_allocator, pin_threads
    pin_threads()
    pin_allocator()
    run()
