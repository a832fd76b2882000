"""`python -m bench [--quick] [--only W3,W4]`: runs the workloads W1-W8 in this process (W5 in
child processes), prints each as it finishes, then prints every figure with its ratio and goal
as one markdown table and writes it to bench/results.md."""
import argparse
import datetime
import gc
import json
import os
import platform
import re
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np  # before pin_threads: threadpoolctl can only limit libraries already loaded

from bench import w1_micrograd, w2_per_op, w3_mlp, w4_cnn, w5_chain, w6_memory, w7_lstm, w8_gpt
from bench.common import optional_torch, pin_allocator, pin_threads, thread_summary

RESULTS = Path(__file__).with_name("results.md")
GOAL = re.compile(r"\s*\(goal ([<>]=) ([0-9.]+)\)")
NOISY = 1.3  # a median this many times the min means other processes competed for the cores


@dataclass
class Line:
    """One row of the results table."""

    workload: str
    figure: str
    median: str = ""
    best: str = ""
    ratio: str = ""
    goal: str = ""
    met: str = ""
    note: str = ""


def _met(value, comparison, target):
    return "yes" if (value <= target if comparison == "<=" else value >= target) else "**no**"


def timing_lines(workload, timings, ratios, unit="ms"):
    """Rows for run() results: one per contender, then one per ratio; a ratio's goal is
    written in its label as "(goal <= 1.1)", the convention every workload's run() follows.

    Where the label names two contenders, the ratio of their minimum times is shown too: on a
    loaded machine medians swing far more than minimums. Sample spreads (median / min) above
    NOISY are flagged, and so is a goal whose verdict the minimums would reverse.
    """
    scale = {"ms": 1e3, "us": 1e6}[unit]
    lines = [Line(workload, name, f"{t.median * scale:.3f} {unit}", f"{t.best * scale:.3f} {unit}",
                  note=f"noisy: median {t.median / t.best:.1f}x min" if t.median > NOISY * t.best else "")
             for name, t in timings.items()]
    for label, value in ratios.items():
        if value is None:
            continue
        goal = GOAL.search(label)
        label = GOAL.sub("", label)
        by_min = _min_ratio(label, timings)
        line = Line(workload, label, ratio=f"{value:.2f}x" + ("" if by_min is None else f" (min {by_min:.2f}x)"))
        if goal:
            comparison, target = goal[1], float(goal[2])
            line.goal, line.met = f"{comparison} {target:g}x", _met(value, comparison, target)
            if by_min is not None and _met(by_min, comparison, target) != line.met:
                line.note = "median and min verdicts differ"
        lines.append(line)
    return lines


def _min_ratio(label, timings):
    """The ratio of minimum times for a label "a / b" that names two contenders, else None."""
    names = label.split(" / ")
    if len(names) != 2 or not all(name in timings for name in names):
        return None
    return timings[names[0]].best / timings[names[1]].best


def chain_lines(results, full):
    """W5 rows: one run each, so the value goes in the median column. The time and memory goals
    are for the full 10^6-op chain (`full`); a --quick run only checks for RecursionError."""
    lines = []
    for kind, r in results.items():
        ours = kind.startswith("graphgrad")
        goal = "no RecursionError" if ours else ""
        if "forward_s" not in r:
            lines.append(Line("W5", f"{kind}: not run ({r['error']})", goal=goal, met="**no**" if goal else ""))
            continue
        total = r["forward_s"] + r["backward_s"]
        status = f" ({r['error']})" if r["error"] else ""
        lines.append(Line("W5", f"{kind}: forward + backward{status}", f"{total:.2f} s",
                          goal=goal, met=("yes" if r["error"] is None else "**no**") if goal else ""))
        if full and kind == "graphgrad Scalar" and not r["error"]:
            lines.append(Line("W5", f"{kind}: forward + backward, time goal", f"{total:.2f} s", goal="<= 3 s",
                              met=_met(total, "<=", 3)))
        lines.append(Line("W5", f"{kind}: peak RSS", f"{r['peak_mb']:.0f} MB", goal="<= 1 GB" if full and ours else "",
                          met=_met(r["peak_mb"], "<=", 1024) if full and ours else ""))
    totals = {kind: r["forward_s"] + r["backward_s"] for kind, r in results.items() if "forward_s" in r and not r["error"]}
    for ours in ("graphgrad Scalar", "graphgrad Tensor"):
        if ours in totals and "PyTorch" in totals:
            value = totals[ours] / totals["PyTorch"]
            judged = full and ours == "graphgrad Tensor"
            lines.append(Line("W5", f"{ours} / PyTorch (total time)", ratio=f"{value:.2f}x",
                              goal="<= 1x" if judged else "", met=_met(value, "<=", 1) if judged else ""))
    return lines


def run_chain_from_small_process(steps):
    """Runs W5 from a fresh, small Python process. On Linux a child's ru_maxrss (W5's peak
    figure) starts from its parent's resident size, which here (NumPy, torch, every model)
    would hide the chain's own peak."""
    code = "import json, sys; from bench import w5_chain; print(json.dumps(w5_chain.run(int(sys.argv[1]))))"
    out = subprocess.run([sys.executable, "-c", code, str(steps)], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parent.parent)
    if out.returncode != 0:
        raise RuntimeError(f"W5 failed: {out.stderr.strip()}")
    *report, results = out.stdout.rstrip("\n").split("\n")
    print("\n".join(report))
    return json.loads(results)


def memory_lines(results):
    """W6 rows: one measurement each; the goal applies to graphgrad's tracemalloc growth."""
    lines = []
    for name, figures in results.items():
        for label, value in figures.items():
            if value is None:
                continue
            unit = "" if "per step" in label else " MiB"
            line = Line("W6", f"{name}: {label.replace(' MiB', '')}", f"{value:.3f}{unit}")
            if name == "graphgrad" and label == "tracemalloc growth MiB":
                line.goal, line.met = "<= 1 MiB", _met(value, "<=", 1.0)
            lines.append(line)
    return lines


def workloads(quick):
    """name -> zero-argument callable returning that workload's table rows."""
    return {
        "W1": lambda: timing_lines("W1", *w1_micrograd.run(repeats=3 if quick else 7)),
        "W2": lambda: timing_lines("W2", *w2_per_op.run(repeats=10 if quick else 30), unit="us"),
        "W3": lambda: timing_lines("W3", *(w3_mlp.run(repeats=10, inner=3) if quick else w3_mlp.run())),
        "W4": lambda: timing_lines("W4", *(w4_cnn.run(repeats=6, inner=2) if quick else w4_cnn.run())),
        "W5": lambda: chain_lines(run_chain_from_small_process(50_000 if quick else w5_chain.STEPS), not quick),
        "W6": lambda: memory_lines(w6_memory.run()),
        "W7": lambda: timing_lines("W7", *w7_lstm.run(repeats=3 if quick else 10)),
        "W8": lambda: timing_lines("W8", *w8_gpt.run(repeats=3 if quick else 10)),
    }


def header(threads, allocator, quick):
    """Markdown bullet points: when, where, which versions, how many threads, how busy the machine was."""
    torch = optional_torch()
    versions = f"Python {platform.python_version()}, NumPy {np.__version__}, " + \
        (f"PyTorch {torch.__version__}" if torch is not None else "PyTorch not installed")
    lines = [f"- Generated by `python -m bench{' --quick' if quick else ''}` on "
             f"{datetime.datetime.now().isoformat(timespec='seconds')}.",
             f"- {platform.platform()}, {os.cpu_count()} CPUs; {versions}.",
             f"- Threads pinned to {threads} (BENCH_THREADS): " + "; ".join(thread_summary()) + ".",
             f"- Allocator: {allocator} (bench/common.py pin_allocator says why)."]
    if hasattr(os, "getloadavg"):
        lines.append(f"- Load average at the start: {os.getloadavg()[0]:.2f} "
                     f"(other processes on these cores make the timings noisy).")
    return lines


def table(lines):
    rows = ["| workload | figure | median | min | ratio | goal | met | note |", "|---|---|---:|---:|---:|---|---|---|"]
    rows += [f"| {x.workload} | {x.figure} | {x.median} | {x.best} | {x.ratio} | {x.goal} | {x.met} | {x.note} |"
             for x in lines]
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and a 10^5-op W5 chain (about a minute)")
    parser.add_argument("--only", help="comma-separated workloads to run, e.g. W3,W4 (default: all)")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"markdown file to write (default {RESULTS})")
    args = parser.parse_args(argv)
    available = workloads(args.quick)
    chosen = [w.strip().upper() for w in args.only.split(",")] if args.only else list(available)
    unknown = [w for w in chosen if w not in available]
    if unknown:
        parser.error(f"unknown workload(s) {unknown}; choose from {list(available)}")

    threads, allocator = pin_threads(), pin_allocator()
    top = header(threads, allocator, args.quick)
    print("\n".join(top))
    gc.freeze()  # the imports' objects (torch's are many) stay out of every gc.collect the timings make
    lines, failed = [], []
    for name in chosen:
        try:
            lines += available[name]()
        except Exception as error:  # a failed workload (a wrong loss included) is reported, the rest still run
            traceback.print_exc()
            failed.append(name)
            lines.append(Line(name, f"FAILED: {type(error).__name__}: {error}".replace("|", "/").replace("\n", " ")))
    if hasattr(os, "getloadavg"):
        top.append(f"- Load average at the end: {os.getloadavg()[0]:.2f}.")
    text = "\n".join(["# graphgrad benchmarks", "", *top, "",
                      "Times are per training step (W2: per op); median and min over interleaved samples. "
                      "W5 and W6 are single measurements, in the median column. "
                      "A ratio is the first contender's median over the second's (in brackets: of their minimums): "
                      "below 1 the first is faster. Goals are judged on medians.", "",
                      *table(lines)]) + "\n"
    print("\n" + text)
    args.output.write_text(text)
    print(f"written to {args.output}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
