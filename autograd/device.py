"""Devices: only the CPU exists here, so that device-agnostic PyTorch code runs unchanged."""


class device:
    """ag.device("cpu"); any other device raises a clear error."""

    def __init__(self, name="cpu", index=None):
        if isinstance(name, device):
            name = name.type
        kind = str(name).split(":")[0]
        if kind != "cpu":
            raise RuntimeError(f"device: graphgrad runs on the CPU only; got {name!r}. "
                               f"Use 'cpu' (ag.cuda.is_available() is False)")
        self.type = "cpu"
        self.index = index

    def __eq__(self, other):
        return isinstance(other, (device, str)) and str(other).split(":")[0] == "cpu"

    def __hash__(self):
        return hash("cpu")

    def __repr__(self):
        return "device(type='cpu')"

    def __str__(self):
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
    def manual_seed(seed):
        return None

    manual_seed_all = manual_seed
