"""W5: a chain of 10^6 operations (`y = y * 1.000001 + 0`, i.e. 5 * 10^5 steps of two ops),
then backward: time and peak memory, each contender in its own process so peaks don't mix."""
import json
import subprocess
import sys

STEPS = 500_000

_CHILD = r"""
import json, resource, sys, time
kind, steps = sys.argv[1], int(sys.argv[2])
start = time.perf_counter()
if kind == "micrograd":
    from micrograd.engine import Value
    x = Value(1.0)
elif kind == "graphgrad Scalar":
    import autograd as ag
    x = ag.Scalar(1.0)
elif kind == "graphgrad Tensor":
    import autograd as ag
    x = ag.tensor(1.0, dtype=ag.float64, requires_grad=True)
else:
    import torch
    torch.set_num_threads(2)
    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
start = time.perf_counter()
y = x
for _ in range(steps):
    y = y * 1.000001 + 0
built = time.perf_counter()
error = None
try:
    y.backward()
except RecursionError as e:
    error = "RecursionError"
done = time.perf_counter()
grad = x.grad if isinstance(x.grad, float) or x.grad is None else float(x.grad)
def peak_mb():
    # VmHWM is this process's own peak; ru_maxrss starts from the parent's peak after fork
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
peak = peak_mb()
print(json.dumps({"forward_s": built - start, "backward_s": done - built, "peak_mb": peak,
                  "grad": grad, "error": error}))
"""


def measure(kind, steps=STEPS):
    out = subprocess.run([sys.executable, "-c", _CHILD, kind, str(steps)], capture_output=True, text=True)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr else f"exit {out.returncode}"}
    return json.loads(out.stdout)


def run(steps=STEPS):
    print(f"\n== W5 chain of {2 * steps:,} ops, then backward (own process each) ==")
    results = {}
    for kind in ("graphgrad Scalar", "graphgrad Tensor", "PyTorch", "micrograd"):
        r = measure(kind, steps)
        results[kind] = r
        if "forward_s" in r:
            total = r["forward_s"] + r["backward_s"]
            status = r["error"] or f"grad {r['grad']:.6f}"
            print(f"  {kind:<18} forward {r['forward_s']:6.2f} s  backward {r['backward_s']:6.2f} s  "
                  f"total {total:6.2f} s  peak {r['peak_mb']:7.0f} MB  ({status})")
        else:
            print(f"  {kind:<18} not run: {r['error']}")
    return results


if __name__ == "__main__":
    run()
