"""The PyTorch bridge: a `torch` namespace made of graphgrad's packages, and what installs it.

`TORCH` is the tree of namespaces an unmodified PyTorch CPU script sees as `torch`: `torch` itself
is autograd's public API, `torch.nn` is nn, `torch.utils.data` is autograd.data, and so on (the
table below). Each namespace forwards a public name to its graphgrad module and fails on any other
with an error that names the PyTorch feature graphgrad lacks, so a port stops at the first missing
piece with a message saying what it is. Dunder names are never forwarded: tools that probe a
module (doctest's `__test__`, pickle, inspect) see an ordinary module.

`install()` puts the tree into `sys.modules` as `torch`, `torch.nn`, ... and adds an import
finder that answers `import torch.<missing>` with the same message; `python -m graphgrad.run`
calls it (graphgrad/run.py). `import graphgrad.torch as torch` gives the same namespace without
touching `sys.modules`.
"""
from __future__ import annotations

import difflib
import importlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import sys
import types
from collections.abc import Sequence
from typing import Any

REFERENCE = "2.13.0"  # the PyTorch release graphgrad's API and tests follow


def _version() -> str:
    try:
        ours = importlib.metadata.version("graphgrad")
    except importlib.metadata.PackageNotFoundError:
        ours = "0"
    return f"{REFERENCE}+graphgrad.{ours}"


# torch.__version__: PyTorch's release whose API graphgrad follows, with graphgrad's own version
# as the local part (PEP 440), so version checks in scripts take the modern path and a reader
# can still tell the two apart: "2.13.0+graphgrad.0.1.0".
VERSION = _version()

# torch name -> graphgrad module; an entry whose module is absent (not written yet) is skipped,
# and then reads as a missing feature.
MODULES = {
    "torch": "autograd",
    "torch.nn": "nn",
    "torch.nn.functional": "nn.functional",
    "torch.nn.init": "nn.init",
    "torch.nn.utils": "nn.utils",
    "torch.nn.utils.rnn": "nn.utils.rnn",
    "torch.optim": "optim",
    "torch.optim.lr_scheduler": "optim.lr_scheduler",
    "torch.utils": None,  # only a parent: torch.utils.data
    "torch.utils.data": "autograd.data",
    "torch.autograd": "autograd.autograd",
    "torch.autograd.functional": "autograd.autograd.functional",
    "torch.func": "autograd.func",
    "torch.linalg": "autograd.linalg",
    "torch.accelerator": None,  # the shims below: no accelerator, as on a CPU-only PyTorch
    "torch.backends": None,
    "torch.backends.cudnn": None,
    "torch.backends.mps": None,
}
PACKAGES = ("autograd", "nn", "optim")
# Libraries built on PyTorch itself: under the bridge they would load half of a real PyTorch.
COMPANIONS = ("torchvision", "torchaudio", "torchtext", "torchdata", "lightning", "pytorch_lightning")


def _no() -> bool:
    return False


def _none() -> None:
    return None


def _compile(model: Any = None, **options: Any) -> Any:
    """torch.compile under the bridge: the module or function itself, run eagerly (the same
    results; compiling is an optimisation). graphgrad's own ag.compile records whole training
    steps (forward, backward and update in one function); a script can opt into it."""
    return model if model is not None else (lambda fn: fn)


SHIMS: dict[str, dict[str, Any]] = {
    "torch": {"compile": _compile},
    "torch.accelerator": {"is_available": _no, "current_accelerator": _none, "device_count": lambda: 0},
    "torch.backends.cudnn": {"is_available": _no, "enabled": False, "deterministic": False, "benchmark": False},
    "torch.backends.mps": {"is_available": _no, "is_built": _no},
}


def missing(qualified: str, near: Sequence[str] = ()) -> str:
    """The message for a PyTorch name graphgrad does not have."""
    message = f"graphgrad does not have the PyTorch feature {qualified} yet"
    parent, _, name = qualified.rpartition(".")
    close = difflib.get_close_matches(name, [n for n in near if n != name], n=3, cutoff=0.7) if parent else []
    if close:
        message += f" (nearby: {', '.join(f'{parent}.{c}' for c in close)})"
    return message + " (see API.md, 'Porting PyTorch code')"


class Namespace(types.ModuleType):
    """One torch module (`torch`, `torch.nn`, ...): forwards public names to its graphgrad module."""

    def __init__(self, name: str, target: types.ModuleType | None) -> None:
        super().__init__(name, target.__doc__ if target is not None else f"{name} on graphgrad")
        self.__path__: list[str] = []  # a package, so `import torch.x` consults the finder
        self.__spec__ = importlib.machinery.ModuleSpec(name, None, is_package=True)
        self.__dict__["_target"] = target

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        target = self.__dict__["_target"]
        if target is not None and _exported(target, name):
            return getattr(target, name)
        raise AttributeError(missing(f"{self.__name__}.{name}", dir(self)))

    def __dir__(self) -> list[str]:
        target = self.__dict__["_target"]
        names = [n for n in self.__dict__ if not n.startswith("_")]
        if target is not None:
            names += [n for n in dir(target) if _exported(target, n)]
        return sorted(set(names))

    def __repr__(self) -> str:
        target = self.__dict__["_target"]
        return f"<module {self.__name__!r} (graphgrad: {target.__name__ if target else 'namespace'})>"


def _exported(target: types.ModuleType, name: str) -> bool:
    """A public name of a graphgrad module: in its __all__, or a function, class or value defined in
    graphgrad's packages (never a submodule, nor what the module itself imported, such as np)."""
    if name.startswith("_"):
        return False
    value = getattr(target, name, None)
    if value is None or isinstance(value, types.ModuleType):
        return False  # submodules are reached through the tree's namespaces only
    if name in getattr(target, "__all__", ()):
        return True
    return str(getattr(value, "__module__", "")).split(".")[0] in PACKAGES


def _module(name: str | None) -> types.ModuleType | None:
    """The graphgrad module by dotted name, a submodule file or a module attribute
    (autograd.autograd.functional is autograd.func.functional); None where it is not written yet."""
    if name is None:
        return None
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name is None or not name.startswith(error.name):
            raise  # a module that exists failed to import: not ours to hide
    parent, _, attr = name.rpartition(".")
    value = getattr(_module(parent), attr, None) if parent else None
    return value if isinstance(value, types.ModuleType) else None


def build() -> dict[str, Namespace]:
    """The namespaces by torch name, each child set as an attribute of its parent."""
    tree: dict[str, Namespace] = {}
    for name, source in MODULES.items():
        target = _module(source)
        if source is not None and target is None:
            continue
        tree[name] = Namespace(name, target)
        for attr, value in SHIMS.get(name, {}).items():
            setattr(tree[name], attr, value)
    for name, space in tree.items():
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(tree[parent], child, space)
    tree["torch"].__version__ = VERSION  # type: ignore[attr-defined]
    return tree


TREE = build()
TORCH = TREE["torch"]


class MissingFeatureFinder(importlib.abc.MetaPathFinder):
    """Answers `import torch.<anything not in the tree>` (and PyTorch's companion libraries) with
    the missing-feature message instead of Python's 'No module named ...'."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None) -> None:
        if fullname.split(".")[0] in COMPANIONS:
            raise ModuleNotFoundError(f"{fullname} is built on PyTorch itself and does not run on graphgrad; "
                                      f"use graphgrad's own data and models instead")
        if fullname.startswith("torch.") and fullname not in TREE:
            parent = TREE.get(fullname.rpartition(".")[0])
            # the name must not be fullname: for `from torch.nn import Foo` Python swallows a
            # ModuleNotFoundError named after the submodule and reports 'cannot import name'
            raise ModuleNotFoundError(missing(fullname, dir(parent) if parent is not None else ()))
        return None


FINDER = MissingFeatureFinder()


def install() -> None:
    """Make `import torch` (and every `torch.x` in the tree) give graphgrad's namespaces."""
    loaded = sys.modules.get("torch")
    if loaded is not None and loaded is not TORCH:
        raise RuntimeError("graphgrad.bridge.install: the real PyTorch is already imported in this process; "
                           "run the script with `python -m graphgrad.run script.py` in a fresh interpreter")
    sys.modules.update(TREE)
    if FINDER not in sys.meta_path:
        sys.meta_path.insert(0, FINDER)


def torch_attribute(name: str) -> Any:
    """graphgrad.torch's module __getattr__ (PEP 562): the same names as `torch` under the bridge."""
    if name.startswith("__") and name.endswith("__"):
        raise AttributeError(f"module 'graphgrad.torch' has no attribute {name!r}")
    return getattr(TORCH, name)


def torch_names() -> list[str]:
    return dir(TORCH)
