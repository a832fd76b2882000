"""Devices: only the CPU exists here, so that device-agnostic PyTorch code runs unchanged."""
from __future__ import annotations


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
