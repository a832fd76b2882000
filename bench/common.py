"""Shared benchmark plumbing: fixed thread counts and allocator, interleaved timing, a result row type."""
import ctypes
import gc
import os
import statistics
import time
from dataclasses import dataclass, field

THREADS = int(os.environ.get("BENCH_THREADS", "2"))


def pin_threads():
    """Fixes BLAS and PyTorch thread counts so every contender gets the same cores."""
    from threadpoolctl import threadpool_limits
    threadpool_limits(THREADS)
    torch = optional_torch()
    if torch is not None:
        torch.set_num_threads(THREADS)
    return THREADS


def pin_allocator():
    """Keeps glibc's malloc from handing large freed blocks back to the OS. By default each array
    over 128 KiB is a fresh mmap, and the pages of every such temporary fault in again (about
    0.1 ms per MB): a step's time then depends on the allocation history of whatever ran before
    it, and contenders that allocate differently swap places from run to run. With large blocks
    kept in the heap every contender computes on warm memory, as in a long training loop."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return "the platform's default allocator (not glibc)"
    m_trim_threshold, m_mmap_threshold = -1, -3
    if libc.mallopt(m_mmap_threshold, 32 * 2**20) and libc.mallopt(m_trim_threshold, 2**30):
        return "glibc malloc: mmap threshold 32 MiB (its maximum), trim threshold 1 GiB"
    return "glibc malloc with its defaults (mallopt refused)"


def optional_torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


@dataclass
class Timing:
    name: str
    samples: list = field(default_factory=list)

    @property
    def median(self):
        return statistics.median(self.samples)

    @property
    def best(self):
        return min(self.samples)


def interleaved(contenders, repeats, inner=1):
    """Times each contender `repeats` times, round-robin so drift hits everyone alike.

    contenders: dict name -> zero-argument callable. Returns dict name -> Timing (seconds per call).
    """
    timings = {name: Timing(name) for name in contenders}
    for fn in contenders.values():  # warm-up
        fn()
    for _ in range(repeats):
        for name, fn in contenders.items():
            gc.collect()  # nobody pays for another contender's cyclic garbage
            start = time.perf_counter()
            for _ in range(inner):
                fn()
            timings[name].samples.append((time.perf_counter() - start) / inner)
            time.sleep(PAUSE_SECONDS)  # untimed: lets spinning worker threads (OpenMP) go to sleep
    return timings


@dataclass
class Row:
    workload: str
    contender: str
    median_ms: float
    best_ms: float
    note: str = ""


def rows_from(workload, timings, note_for=None):
    return [Row(workload, name, t.median * 1e3, t.best * 1e3, (note_for or {}).get(name, ""))
            for name, t in timings.items()]


def ratio(timings, a, b):
    """How many times slower `a` is than `b` (medians); below 1 means a is faster."""
    if a not in timings or b not in timings:
        return None
    return timings[a].median / timings[b].median


def report(title, timings, ratios, unit="ms"):
    scale = {"s": 1, "ms": 1e3, "us": 1e6}[unit]
    print(f"\n== {title} ==")
    for t in timings.values():
        print(f"  {t.name:<28} median {t.median * scale:9.3f} {unit}   min {t.best * scale:9.3f} {unit}")
    for label, value in ratios.items():
        if value is not None:
            print(f"  {label:<40} {value:6.2f}x")


# ---- shared by the training-step workloads (W3, W4, W6) and the runner -----------------------

def thread_summary():
    """One line per thread pool (NumPy's BLAS, OpenMP, PyTorch), to print above the results."""
    import numpy  # noqa: F401  (threadpoolctl only sees libraries already loaded)
    from threadpoolctl import threadpool_info
    lines = [f"{info['internal_api']} ({os.path.basename(info['filepath'])}): {info['num_threads']} threads"
             for info in threadpool_info()]
    torch = optional_torch()
    if torch is not None:
        lines.append(f"torch {torch.__version__}: get_num_threads() = {torch.get_num_threads()}, "
                     f"get_num_interop_threads() = {torch.get_num_interop_threads()}")
    return lines


def fan_in_uniform(rng, shape, fan_in):
    """PyTorch's default Linear/Conv2d initialisation, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as float32."""
    bound = 1 / fan_in ** 0.5
    return rng.uniform(-bound, bound, size=shape).astype("float32")


def load_parameters(lib, module, arrays):
    """Copies `arrays` into module.parameters(), in order; the same code for graphgrad and torch."""
    params = list(module.parameters())
    shapes = [tuple(p.shape) for p in params]
    if shapes != [a.shape for a in arrays]:
        raise ValueError(f"load_parameters: the module's parameter shapes {shapes} differ from the arrays'")
    with lib.no_grad():
        for param, array in zip(params, arrays):
            param.copy_(lib.from_numpy(array))


def parameter_arrays(module):
    """Copies of a graphgrad or torch module's parameters as NumPy arrays."""
    return [p.detach().numpy().copy() for p in module.parameters()]


def softmax_cross_entropy(logits, labels):
    """Hand-written mean cross-entropy of logits (N, C) against class indices (N,), and its
    gradient with respect to the logits, (softmax - one_hot) / N."""
    import numpy as np
    rows = np.arange(len(labels))
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    loss = np.log(total).mean() - shifted[rows, labels].mean()
    grad = exp / total
    grad[rows, labels] -= 1
    grad /= len(labels)
    return float(loss), grad


def check_agreement(workload, contenders, reference, rtol=1e-5, param_atol=1e-5):
    """Runs every contender's first two steps and asserts they agree with `reference`'s.

    contenders: dict name -> (step, parameters), step() running one training step and returning
    its loss, parameters() the current weights as arrays. The first loss checks the forward
    pass from identical weights; the parameters after that step check gradients and the
    optimiser's update; the second loss checks both again. Returns the first loss.
    """
    import numpy as np
    results = {}
    for name, (step, parameters) in contenders.items():
        first = step()
        after = parameters()
        results[name] = first, after, step()
    first, after, second = results[reference]
    for name, (f, a, s) in results.items():
        assert abs(f - first) <= rtol * abs(first), f"{workload}: first loss of {name} {f!r} != {reference}'s {first!r}"
        worst = max(float(np.abs(x - y).max()) for x, y in zip(a, after))
        assert worst <= param_atol, f"{workload}: after one step {name}'s parameters differ from {reference}'s by {worst:.3g}"
        assert abs(s - second) <= 10 * rtol * abs(second), \
            f"{workload}: second loss of {name} {s!r} != {reference}'s {second!r}"
    return first


def compiled_twin(workload, make, calls=3):
    """ag.compile of the graphgrad step `make()` returns, checked bit for bit against an eager twin.

    make: builds a fresh (step, arrays) from the same weights, step() running one training step
    and returning its loss, arrays() the arrays the step produces (parameters, or gradients where
    it makes no update). Two are built; one is compiled. Over `calls` calls (eager, record,
    replay) the losses must be equal, then the arrays, and the last call must have replayed.
    Raises CompileError where ag.compile cannot record the step. Returns the compiled step.
    """
    import numpy as np

    import autograd as ag
    eager, eager_arrays = make()
    step, arrays = make()
    compiled = ag.compile(step)
    for call in range(1, calls + 1):
        got, want = compiled(), eager()
        assert got == want, f"{workload}: compiled loss {got!r} != eager {want!r} at call {call}"
    assert all(np.array_equal(a, b) for a, b in zip(arrays(), eager_arrays(), strict=True)), \
        f"{workload}: after {calls} steps the compiled step's arrays differ from eager's"
    assert any(entry.replays for entries in compiled.entries.values() for entry in entries), \
        f"{workload}: the compiled step never replayed ({compiled.explain()})"
    return compiled


PAUSE_SECONDS = 0.002
"""PyTorch's OpenMP workers keep spinning for a while after each call (libgomp's default wait
policy); on a 2-core machine that takes the cores from whichever contender runs next
(measured: +1 to 2 ms on a W3 step). A short untimed pause after every sample lets them sleep."""


def module_contenders(module_step, numpy_step, numpy_name, x, labels, weights):
    """name -> (step, parameters): graphgrad and PyTorch (when installed) running the same
    PyTorch-style `module_step`, and the hand-written NumPy version under `numpy_name`."""
    import autograd as ag
    import nn
    import optim
    found = {"graphgrad": module_step(ag, nn, nn.functional, optim, x, labels, weights),
             numpy_name: numpy_step(x, labels, weights)}
    torch = optional_torch()
    if torch is not None:
        found["PyTorch"] = module_step(torch, torch.nn, torch.nn.functional, torch.optim, x, labels, weights)
    return found
