"""The switch ag.compile records through (PyTorch's torch.compiler namespace).

While `ag.compile` records a call, `recorder` is its Recorder (autograd/compile/recorder.py);
otherwise None. The engine's choke points (Function.apply, run_backward, the optimisers' step,
the Tensor conversions that leave the graph) test it once and hand their array operations to
it; in eager mode that test is all they pay. This module imports nothing, so every module
can test it.
"""
from typing import Any

recorder: Any = None  # the active Recorder of ag.compile, or None


def is_compiling() -> bool:
    """True while ag.compile records a call (as torch.compiler.is_compiling)."""
    return recorder is not None
