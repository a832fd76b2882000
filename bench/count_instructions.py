"""CPU instructions per op for W2's loop, counted by valgrind's callgrind: a figure that does
not move with other processes on the cores, for judging a change to the per-op overhead on a
busy machine (timings there swing by 1.5x; these counts by about 5%, from address layout).

    python -m bench.count_instructions          # needs valgrind (apt-get install valgrind)

Each figure is the difference between runs of 2 and 7 steps of 1000 ops, divided by 5000, so
start-up (imports, first calls) cancels out. PyTorch is not counted: its thread pools make
callgrind's totals meaningless.
"""
import os
import shutil
import subprocess
import sys

_CHILD = r"""
import sys
from bench.w2_per_op import chain, numpy_forward, problem
steps, contender = int(sys.argv[1]), sys.argv[2]
if contender == "NumPy fwd":
    step = numpy_forward(*problem())
else:
    import autograd as ag
    step = chain(ag, *problem(), backward=contender == "graphgrad fwd+bwd")
step()
for _ in range(steps):
    step()
"""

CONTENDERS = ("graphgrad fwd+bwd", "graphgrad fwd", "NumPy fwd")
# BLAS threads spin while they wait, and what they count depends on the machine's load (seen: NumPy's
# own figure moved 1.4k-6.5k per op): with one thread the counts repeat to within 0.1%.
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def instructions(steps, contender):
    run = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                          sys.executable, "-c", _CHILD, str(steps), contender],
                         capture_output=True, text=True, env={**os.environ, **ONE_THREAD, "PYTHONHASHSEED": "0"})
    if run.returncode != 0:
        raise RuntimeError(f"{contender}: {run.stderr.strip().splitlines()[-1]}")
    for line in run.stderr.splitlines():
        if "Collected" in line:
            return int(line.split()[-1])
    raise RuntimeError(f"{contender}: callgrind printed no total")


def main():
    if shutil.which("valgrind") is None:
        sys.exit("count_instructions: valgrind is not installed (apt-get install valgrind)")
    for contender in CONTENDERS:
        per_op = (instructions(7, contender) - instructions(2, contender)) / 5000
        print(f"{contender:20s} {per_op:10,.0f} instructions per op")


if __name__ == "__main__":
    main()
