"""ag.save / ag.load: tensors and nested containers in NumPy's .npz format, never pickle.

The arrays go into the archive as they are; the structure around them (dicts, lists,
tuples, numbers, strings, None) is written as JSON in one text entry. Loading uses
allow_pickle=False, so a malicious file cannot run code.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
import numbers
import zipfile

import numpy as np

from .tensor import Tensor

if TYPE_CHECKING:
    import os

_STRUCTURE = "__graphgrad_structure__"
_FORMAT = "graphgrad-npz-1"


def _encode(obj, arrays):
    if isinstance(obj, Tensor):
        name = f"a{len(arrays)}"
        arrays[name] = obj.detach().numpy()
        return {"tensor": name, "requires_grad": obj.requires_grad}
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            raise TypeError("save: object arrays cannot be saved without pickle")
        name = f"a{len(arrays)}"
        arrays[name] = obj
        return {"array": name}
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, numbers.Integral):
        return int(obj)
    if isinstance(obj, numbers.Real):
        value = float(obj)
        return value if np.isfinite(value) else {"float": repr(value)}
    if isinstance(obj, dict):
        return {"dict": [[_encode(k, arrays), _encode(v, arrays)] for k, v in obj.items()]}
    if isinstance(obj, tuple):
        return {"tuple": [_encode(v, arrays) for v in obj]}
    if isinstance(obj, list):
        return [_encode(v, arrays) for v in obj]
    raise TypeError(f"save: cannot save an object of type {type(obj).__name__}; save tensors, arrays, "
                    f"numbers, strings, None, and dicts/lists/tuples of them (e.g. a state_dict())")


def _decode(node, archive):
    if isinstance(node, list):
        return [_decode(v, archive) for v in node]
    if not isinstance(node, dict):
        return node
    if "tensor" in node:
        t = Tensor._make(np.array(archive[node["tensor"]]))
        if node.get("requires_grad"):
            t.requires_grad = True
        return t
    if "array" in node:
        return np.array(archive[node["array"]])
    if "float" in node:
        return float(node["float"])
    if "tuple" in node:
        return tuple(_decode(v, archive) for v in node["tuple"])
    if "dict" in node:
        return {_decode(k, archive): _decode(v, archive) for k, v in node["dict"]}
    raise ValueError(f"load: unknown entry {sorted(node)} in the file's structure")


def save(obj: Any, path: str | os.PathLike[str]) -> None:
    """Saves tensors and nested state dicts to exactly `path` (whatever its suffix), as .npz.

    Example:
        >>> import autograd as ag, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "model.pt")
        >>> ag.save({"w": ag.ones(2), "step": 3}, path)
        >>> ag.load(path)
        {'w': tensor([1., 1.]), 'step': 3}
    """
    arrays: dict[str, np.ndarray] = {}
    structure = _encode(obj, arrays)
    header = json.dumps({"format": _FORMAT, "root": structure})
    with open(path, "wb") as f:
        np.savez(f, **arrays, **{_STRUCTURE: np.array(header)})  # type: ignore[arg-type]  # no key is allow_pickle


def load(path: str | os.PathLike[str], map_location: Any = None, weights_only: bool = True) -> Any:
    """Loads what `save` wrote. Never unpickles; a file that is not a graphgrad archive raises."""
    if map_location not in (None, "cpu") and str(map_location) != "cpu":
        raise RuntimeError(f"load: graphgrad runs on the CPU only; got map_location={map_location!r}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            if not hasattr(archive, "files") or _STRUCTURE not in archive.files:
                raise ValueError("it has no graphgrad structure entry")
            header = json.loads(str(archive[_STRUCTURE]))
            if header.get("format") != _FORMAT:
                raise ValueError(f"unknown format {header.get('format')!r}")
            return _decode(header["root"], archive)
    except FileNotFoundError:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, KeyError, EOFError, json.JSONDecodeError) as error:
        raise RuntimeError(f"load: {path} is not a readable graphgrad file ({error}). Files are NumPy .npz "
                           f"archives written by ag.save; pickled files (e.g. from torch.save) are refused "
                           f"because unpickling can run arbitrary code") from None
