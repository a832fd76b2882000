"""W6: memory over 300 W3 training steps: growth from step 10 to step 300 (after gc.collect at
both marks), the peak above the step-10 level, and RSS growth, per contender.

tracemalloc sees Python objects and NumPy's array buffers (NumPy reports them to it), so it
measures graphgrad and the NumPy version exactly; it cannot see PyTorch's C++ allocator, so
PyTorch is measured by the process's resident set size (RSS), which allocator caching makes
coarse (page granularity, freed memory not always returned). Also counted: the objects that
only the cyclic garbage collector frees, per step (graphs that form reference cycles stay
alive until a collection, which inflates memory between collections)."""
import gc
import tracemalloc

from bench import w3_mlp

STEPS = 300
MARK = 10
MIB = 2 ** 20


def rss_bytes():
    """This process's resident set size, from /proc (Linux); None elsewhere."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
    except OSError:
        return None
    import os
    return pages * os.sysconf("SC_PAGE_SIZE")


def traced_growth(step, steps=STEPS, mark=MARK):
    """(growth, peak above the mark) in bytes, by tracemalloc, from step `mark` to step `steps`."""
    tracemalloc.start()
    try:
        for i in range(1, steps + 1):
            step()
            if i == mark:
                gc.collect()
                baseline = tracemalloc.get_traced_memory()[0]
                tracemalloc.reset_peak()
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return current - baseline, peak - baseline


def rss_growth(step, steps=STEPS, mark=MARK):
    """RSS growth in bytes from step `mark` to step `steps` (None without /proc)."""
    for i in range(1, steps + 1):
        step()
        if i == mark:
            gc.collect()
            baseline = rss_bytes()
    gc.collect()
    end = rss_bytes()
    return None if baseline is None or end is None else end - baseline


def cyclic_garbage_per_step(step, steps=20):
    """Objects freed only by the cyclic collector, per step (0 when every graph dies by refcount)."""
    step()
    gc.collect()
    gc.disable()
    try:
        for _ in range(steps):
            step()
        return gc.collect() / steps
    finally:
        gc.enable()


def run(steps=STEPS):
    x, labels, weights = w3_mlp.problem()
    results = {}
    for name, (step, _) in w3_mlp.contenders(x, labels, weights).items():
        # Fresh models for each measurement, so each starts from step 1.
        figures = {"cyclic garbage objects per step": cyclic_garbage_per_step(step)}
        if name != "PyTorch":
            fresh = w3_mlp.contenders(x, labels, weights)[name][0]
            growth, peak = traced_growth(fresh, steps)
            figures["tracemalloc growth MiB"] = growth / MIB
            figures["tracemalloc peak above step-10 MiB"] = peak / MIB
        fresh = w3_mlp.contenders(x, labels, weights)[name][0]
        growth = rss_growth(fresh, steps)
        figures["RSS growth MiB"] = None if growth is None else growth / MIB
        results[name] = figures
    print(f"\n== W6 memory over {steps} W3 steps: growth from step {MARK} to step {steps} ==")
    for name, figures in results.items():
        shown = "   ".join(f"{label} {value:8.3f}" for label, value in figures.items() if value is not None)
        print(f"  {name:<16} {shown}")
    print("  (PyTorch's tensors are invisible to tracemalloc: its figure is RSS only)")
    return results


if __name__ == "__main__":
    from bench.common import pin_allocator, pin_threads
    pin_threads()
    pin_allocator()
    run()
