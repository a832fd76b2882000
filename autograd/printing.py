"""How tensors print: torch.set_printoptions's options, read by Tensor.__repr__."""
from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

# PyTorch's PRINT_OPTS and profiles, but for the line width: None is NumPy's (75), the width
# Tensor.__repr__ has always wrapped at, so "default" restores exactly the options at import.
_PROFILES: dict[str, dict[str, Any]] = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": None},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}
_options: dict[str, Any] = {**_PROFILES["default"], "sci_mode": None}


def set_printoptions(precision: int | None = None, threshold: float | None = None, edgeitems: int | None = None,
                     linewidth: int | None = None, profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Sets how tensors print, as torch.set_printoptions: options left None keep their value,
    except `sci_mode`, which is always set (None: scientific notation when NumPy would choose it).

    Args:
        precision: digits after the decimal point of floating-point elements (default 4).
        threshold: tensors with more elements than this print summarized, with `...` (default 1000).
        edgeitems: elements printed at each end of a summarized dimension (default 3).
        linewidth: characters per line before wrapping (default NumPy's 75; 80 in the short and full profiles).
        profile: "default", "short" or "full" (never summarize), applied before the other options.
        sci_mode: True for scientific notation, False for none, None to choose automatically.

    Example:
        >>> import autograd as ag
        >>> ag.set_printoptions(precision=2)
        >>> ag.tensor([1.12345])
        tensor([1.12])
        >>> ag.set_printoptions(profile="default")
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PROFILES)}, got {profile!r}")
        _options.update(_PROFILES[profile])
    given = {"precision": precision, "threshold": threshold, "edgeitems": edgeitems, "linewidth": linewidth}
    _options.update({key: value for key, value in given.items() if value is not None})
    _options["sci_mode"] = sci_mode


def format_array(array: np.ndarray, prefix: str) -> str:
    """The elements of `array` as Tensor.__repr__ shows them, under the current print options."""
    precision = _options["precision"]
    threshold = _options["threshold"]
    formatter: Any = None  # NumPy's _FormatDict
    if array.dtype.kind == "f" and _options["sci_mode"] is not None:
        style = "e" if _options["sci_mode"] else "f"
        formatter = {"float_kind": lambda v: f"{v:.{precision}{style}}"}
    return np.array2string(array, separator=", ", prefix=prefix, precision=precision,
                           threshold=sys.maxsize if math.isinf(threshold) else int(threshold),
                           edgeitems=_options["edgeitems"], max_line_width=_options["linewidth"], formatter=formatter)
