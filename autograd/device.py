"""Devices: only the CPU exists here, so that device-agnostic PyTorch code runs unchanged; and
set_num_threads / get_num_threads, which record a thread count (see below)."""
from __future__ import annotations

import os


class device:
    """ag.device("cpu"); any other device raises a clear error."""

    type: str
    index: int | None

    def __init__(self, name: str | device = "cpu", index: int | None = None) -> None:
        if isinstance(name, device):
            name = name.type
        kind = str(name).split(":")[0]
        if kind != "cpu":
            raise RuntimeError(f"device: graphgrad runs on the CPU only; got {name!r}. "
                               f"Use 'cpu' (ag.cuda.is_available() is False)")
        self.type = "cpu"
        self.index = index

    def __eq__(self, other: object) -> bool:
        return isinstance(other, (device, str)) and str(other).split(":")[0] == "cpu"

    def __hash__(self) -> int:
        return hash("cpu")

    def __repr__(self) -> str:
        return "device(type='cpu')"

    def __str__(self) -> str:
        return "cpu"


class cuda:
    """ag.cuda.is_available() is always False: there is no GPU backend."""

    @staticmethod
    def is_available() -> bool:
        return False

    @staticmethod
    def device_count() -> int:
        return 0

    @staticmethod
    def manual_seed(seed: int) -> None:
        return None

    manual_seed_all = manual_seed


# ---- threads ------------------------------------------------------------------------------------
# NumPy's BLAS reads its thread count once, from OMP_NUM_THREADS / OPENBLAS_NUM_THREADS /
# MKL_NUM_THREADS, when it loads; graphgrad itself runs on one thread. So set_num_threads records
# the number (for get_num_threads) and changes nothing else.
_num_threads: list[int] = []


def set_num_threads(num: int) -> None:
    """Records `num` as the intra-op thread count that get_num_threads reports; a no-op otherwise.
    graphgrad's own code runs on one thread, and NumPy's BLAS keeps the thread count it read from
    OMP_NUM_THREADS (or OPENBLAS_NUM_THREADS, MKL_NUM_THREADS) when it loaded: set one of those
    before starting Python to change it."""
    if int(num) < 1:
        raise ValueError(f"set_num_threads: the number of threads must be positive, got {num}")
    _num_threads[:] = [int(num)]


def get_num_threads() -> int:
    """The number last given to set_num_threads; before any, OMP_NUM_THREADS (or
    OPENBLAS_NUM_THREADS, MKL_NUM_THREADS) if set, else the number of CPUs this process may use
    (what NumPy's BLAS starts with)."""
    if _num_threads:
        return _num_threads[0]
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
