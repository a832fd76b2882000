"""Shared benchmark plumbing: fixed thread counts, interleaved timing, a result row type."""
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
