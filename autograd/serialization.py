"""ag.save / ag.load: tensors and nested containers in NumPy's .npz format or, for a path ending
in .safetensors, in the safetensors format that PyTorch and Hugging Face share; never pickle.

.npz: the arrays go into the archive as they are; the structure around them (dicts, lists,
tuples, numbers, strings, None) is written as JSON in one text entry. Loading uses
allow_pickle=False, so a malicious file cannot run code.

.safetensors (needs `pip install safetensors`): a flat dict of named tensors. Nested dicts are
flattened with PyTorch's dotted keys ({"encoder": {"0.weight": w}} is stored as
"encoder.0.weight") and come back flat, as `safetensors.torch.load_file` returns them, so a
model's `state_dict()` moves to and from PyTorch unchanged. Anything else a dict holds
(numbers, strings, lists, int keys: an optimiser's `state_dict()`) is kept too: its tensors are
stored under their dotted paths ("state.0.exp_avg") and the structure around them as JSON in
the file's metadata under "graphgrad.structure", and `load` rebuilds the object exactly.
"""
from __future__ import annotations

import json
import numbers
import os
import zipfile
from typing import Any

import numpy as np

from .tensor import Tensor

_STRUCTURE = "__graphgrad_structure__"
_FORMAT = "graphgrad-npz-1"
_ST_STRUCTURE = "graphgrad.structure"  # the safetensors metadata key of a non-flat object's structure
_ST_FORMAT = "graphgrad-safetensors-1"
# NumPy dtypes that safetensors (from 0.4 on) holds; it also has bfloat16 and float8, which NumPy lacks.
_ST_DTYPES = {np.dtype(t) for t in (np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64,
                                     np.uint8, np.uint16, np.uint32, np.uint64, np.bool_)}
_ST_CODES = ("F16", "F32", "F64", "I8", "I16", "I32", "I64", "U8", "U16", "U32", "U64", "BOOL")  # the same, as the header names them


def _encode(obj, arrays, path=None):
    """The JSON structure of `obj`; its arrays go into `arrays`, named by counter (.npz) or,
    given a `path`, by their dotted path (.safetensors)."""
    if isinstance(obj, (Tensor, np.ndarray)):
        name = f"a{len(arrays)}" if path is None else path
        if name in arrays:
            raise ValueError(f"save: two tensors would be stored under the key {name!r}; rename one of the dict keys")
        if isinstance(obj, Tensor):
            arrays[name] = obj.detach().numpy()
            return {"tensor": name, "requires_grad": obj.requires_grad}
        if obj.dtype == object:
            raise TypeError("save: object arrays cannot be saved without pickle")
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
        return {"dict": [[_encode(k, arrays), _encode(v, arrays, _join(path, k))] for k, v in obj.items()]}
    if isinstance(obj, tuple):
        return {"tuple": [_encode(v, arrays, _join(path, i)) for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [_encode(v, arrays, _join(path, i)) for i, v in enumerate(obj)]
    raise TypeError(f"save: cannot save an object of type {type(obj).__name__}; save tensors, arrays, "
                    f"numbers, strings, None, and dicts/lists/tuples of them (e.g. a state_dict())")


def _join(path, key):
    if path is None:
        return None
    if isinstance(key, (Tensor, np.ndarray)):
        raise TypeError("save: a tensor cannot be a dict key")
    return f"{path}.{key}" if path else str(key)


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


def _is_suffix_safetensors(path) -> bool:
    return os.fspath(path).lower().endswith(".safetensors")


def save(obj: Any, path: str | os.PathLike[str], metadata: dict[str, str] | None = None) -> None:
    """Saves tensors and nested state dicts to exactly `path`: as safetensors when it ends in
    .safetensors (`metadata`, str to str, goes into the file's header; Hugging Face's loaders
    want `metadata={"format": "pt"}`), as .npz otherwise.

    Example:
        >>> import autograd as ag, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "model.pt")
        >>> ag.save({"w": ag.ones(2), "step": 3}, path)
        >>> ag.load(path)
        {'w': tensor([1., 1.]), 'step': 3}
    """
    if _is_suffix_safetensors(path):
        _save_safetensors(obj, path, metadata)
        return
    if metadata is not None:
        raise ValueError(f"save: metadata is kept in .safetensors files only; {os.fspath(path)!r} is saved as .npz")
    arrays: dict[str, np.ndarray] = {}
    structure = _encode(obj, arrays)
    header = json.dumps({"format": _FORMAT, "root": structure})
    with open(path, "wb") as f:
        np.savez(f, **arrays, **{_STRUCTURE: np.array(header)})  # type: ignore[arg-type]  # no key is allow_pickle


def load(path: str | os.PathLike[str], map_location: Any = None, weights_only: bool = True) -> Any:
    """Loads what `save` wrote (.npz, or .safetensors from any writer: a flat dict of Tensors).
    Never unpickles; a file that is not a graphgrad archive or a valid safetensors file raises."""
    if map_location not in (None, "cpu") and str(map_location) != "cpu":
        raise RuntimeError(f"load: graphgrad runs on the CPU only; got map_location={map_location!r}")
    if _is_suffix_safetensors(path):
        return _load_safetensors(path)
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


# ---- safetensors -----------------------------------------------------------------------------

def _safetensors() -> Any:
    try:
        import safetensors
        import safetensors.numpy
    except ImportError:
        raise ImportError("ag.save/ag.load: .safetensors files need the safetensors package: "
                          "pip install safetensors (or pip install graphgrad[safetensors])") from None
    return safetensors


def _is_flat(node) -> bool:
    """Whether a structure is dicts with str keys down to tensors only (stored as dotted keys alone)."""
    if isinstance(node, dict) and ("tensor" in node or "array" in node):
        return True
    return (isinstance(node, dict) and "dict" in node
            and all(isinstance(k, str) and _is_flat(v) for k, v in node["dict"]))


def _save_safetensors(obj: Any, path: str | os.PathLike[str], metadata: dict[str, str] | None) -> None:
    st = _safetensors()
    if not isinstance(obj, dict):
        raise TypeError(f"save: a .safetensors file holds a dict of named tensors (e.g. a state_dict()); "
                        f"got {type(obj).__name__}")
    header = dict(metadata or {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in header.items()):
        raise TypeError("save: safetensors metadata must map str to str")
    if _ST_STRUCTURE in header:
        raise ValueError(f"save: the metadata key {_ST_STRUCTURE!r} is graphgrad's own; choose another")
    arrays: dict[str, np.ndarray] = {}
    structure = _encode(obj, arrays, path="")
    for key, array in arrays.items():
        if array.dtype not in _ST_DTYPES:
            raise TypeError(f"save: {key!r} has dtype {array.dtype}, which safetensors cannot hold; "
                            f"it holds {', '.join(sorted(str(d) for d in _ST_DTYPES))}")
        arrays[key] = array if array.flags.c_contiguous else array.copy(order="C")  # it writes the raw buffer
    if not _is_flat(structure):
        header[_ST_STRUCTURE] = json.dumps({"format": _ST_FORMAT, "root": structure})
    st.numpy.save_file(arrays, os.fspath(path), metadata=header or None)


def _load_safetensors(path: str | os.PathLike[str]) -> Any:
    st = _safetensors()
    arrays: dict[str, np.ndarray] = {}
    try:
        with st.safe_open(os.fspath(path), framework="np") as f:
            header = f.metadata() or {}
            for key in f.keys():
                dtype = f.get_slice(key).get_dtype()
                if dtype not in _ST_CODES:
                    name = {"BF16": "bfloat16", "F8_E4M3": "float8_e4m3fn", "F8_E5M2": "float8_e5m2"}.get(dtype, dtype)
                    raise TypeError(f"load: {path}: tensor {key!r} has dtype {name}, which graphgrad cannot hold (NumPy "
                                    f"has no {name}); convert it before saving, e.g. with .float() in PyTorch")
                arrays[key] = np.array(f.get_tensor(key))  # a copy of our own, writable
        if _ST_STRUCTURE not in header:
            return {key: Tensor._make(array) for key, array in arrays.items()}
        structure = json.loads(header[_ST_STRUCTURE])
        if structure.get("format") != _ST_FORMAT:
            raise ValueError(f"unknown graphgrad structure format {structure.get('format')!r}")
        return _decode(structure["root"], arrays)
    except FileNotFoundError:
        raise
    except (st.SafetensorError, OSError, ValueError, KeyError, json.JSONDecodeError) as error:
        raise RuntimeError(f"load: {path} is not a readable safetensors file ({error})") from None
