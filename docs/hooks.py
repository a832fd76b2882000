"""MkDocs hooks for graphgrad's site (mkdocs.yml: `hooks: [docs/hooks.py]`).

- The notebooks stay in notebooks/ (where CI runs them); they join the site as
  notebooks/NN_name.ipynb pages, rendered by mkdocs-jupyter from their committed outputs.
- Every public name must have an entry on an API page and a docstring: after the build,
  the names in `__all__` of the documented modules (for nn.init and nn.utils, which have no
  `__all__`, the functions and classes they define) are looked up among the anchors the API
  pages rendered, and any missing one fails the build. A public name without a docstring
  fails it too, unless docs/undocumented.txt lists it (the names that had none when the site
  was made: that list may only shrink).

tests/test_docs.py runs the same name checks on the `:::` directives without building.
"""
from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
UNDOCUMENTED = Path(__file__).resolve().parent / "undocumented.txt"

# The modules whose public names the API pages must cover.
DOCUMENTED_MODULES = ("autograd", "autograd.func", "autograd.linalg", "autograd.data", "nn", "nn.functional",
                      "nn.init", "nn.utils", "nn.utils.rnn", "optim", "optim.lr_scheduler")


def public_names(modname: str) -> list[str]:
    """`__all__`, or else the functions, classes and submodules the module itself defines."""
    module = importlib.import_module(modname)
    if hasattr(module, "__all__"):
        return list(module.__all__)
    names = []
    for name, obj in vars(module).items():
        if name.startswith("_"):
            continue
        if inspect.ismodule(obj):
            if obj.__name__.startswith(modname + "."):
                names.append(name)
        elif (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == modname:
            names.append(name)
    return names


def accepted_paths(modname: str, name: str) -> set[str]:
    """The anchors that count as an entry for `modname.name`: that path, or the path of the
    object it names (for a name that a submodule of the same name shadows in static analysis,
    e.g. `autograd.tensor` the function is documented as `autograd.creation.tensor`)."""
    obj = getattr(importlib.import_module(modname), name)
    paths = {f"{modname}.{name}"}
    if inspect.ismodule(obj):
        paths.add(obj.__name__)
    elif inspect.isfunction(obj) or inspect.isclass(obj):  # not a bound method such as `Exp.apply`
        paths.add(f"{obj.__module__}.{obj.__qualname__}")
    return paths


def missing_entries(documented: set[str]) -> list[str]:
    """The public names (as module.name) with no entry among the documented paths."""
    return [f"{modname}.{name}" for modname in DOCUMENTED_MODULES for name in public_names(modname)
            if not accepted_paths(modname, name) & documented]


def directive_paths(pages: list[Path]) -> set[str]:
    """The objects named by `::: path` directives in the given Markdown pages."""
    return {m.group(1) for page in pages for m in re.finditer(r"^::: *([\w.]+)", page.read_text(), re.M)}


def undocumented_names() -> list[str]:
    """The public names (as module.name) whose object has no docstring (read statically,
    as mkdocstrings reads it: `exp = Exp.apply` has none even though Exp.apply has one)."""
    import griffe

    packages = {top: griffe.load(top, search_paths=[str(ROOT)]) for top in {m.split(".")[0] for m in DOCUMENTED_MODULES}}
    result = []
    for modname in DOCUMENTED_MODULES:
        for name in public_names(modname):
            obj = None
            for path in sorted(accepted_paths(modname, name), key=lambda p: p != f"{modname}.{name}"):
                try:
                    candidate = packages[path.split(".")[0]][path.split(".", 1)[1]]
                except (KeyError, IndexError):
                    continue
                # A submodule shadowing the name statically is not the object: try its real path.
                if candidate.is_module and not inspect.ismodule(getattr(importlib.import_module(modname), name)):
                    continue
                obj = candidate
                break
            try:
                documented = obj is not None and bool(obj.docstring and obj.docstring.value.strip())
            except Exception:  # an alias griffe cannot resolve: mkdocstrings would fail on it anyway
                documented = False
            if not documented:
                result.append(f"{modname}.{name}")
    return result


def allowed_undocumented() -> set[str]:
    lines = UNDOCUMENTED.read_text().splitlines() if UNDOCUMENTED.exists() else []
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


# ---- MkDocs events -------------------------------------------------------------------------------

_anchors: set[str] = set()


def on_files(files, config):
    from mkdocs.structure.files import File

    for notebook in sorted(NOTEBOOKS.glob("*.ipynb")):
        # src_dir is the repository's root, so the page's path is notebooks/NN_name.ipynb in both.
        files.append(File(f"notebooks/{notebook.name}", src_dir=str(ROOT), dest_dir=config.site_dir,
                          use_directory_urls=config.use_directory_urls))
    return files


# Run before mkdocs-jupyter's on_files, which turns the .ipynb files it finds into notebook pages.
try:
    from mkdocs.plugins import event_priority

    on_files = event_priority(100)(on_files)
except ImportError:  # outside MkDocs (tests/test_docs.py imports this file for its checks)
    pass


def on_pre_build(config):
    _anchors.clear()


def on_page_content(html, page, config, files):
    if page.file.src_uri.startswith("api/"):
        _anchors.update(re.findall(r'\bid="([\w.]+)"', html))
    return html


def on_post_build(config):
    from mkdocs.exceptions import PluginError

    problems = []
    missing = missing_entries(_anchors)
    if missing:
        problems.append("public names with no entry on an API page (add a `::: path` line to the page of their "
                        "module under docs/api/): " + ", ".join(missing))
    undocumented = sorted(set(undocumented_names()) - allowed_undocumented())
    if undocumented:
        problems.append("public names without a docstring (write one; docs/undocumented.txt lists only those that "
                        "had none when the site was made): " + ", ".join(undocumented))
    if problems:
        raise PluginError("\n".join(problems))
