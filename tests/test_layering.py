"""The layering rules (DESIGN rule 7), checked on every import statement of the packages,
function-local ones included:
- autograd never imports nn, optim or graphgrad; optim never imports nn; only graphgrad spans them;
- nn and optim use only names in autograd.__all__;
- the engine knows nodes by their protocol: it never imports Tensor, Scalar, Function or the ops;
- the drawing reaches graphs through that protocol too: the engine's walk, node_of and grad mode only;
- no private name (_name) is imported from another module;
and every module can be imported first, before its package's __init__ has run, in a fresh
interpreter: import order is not load-bearing."""
import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import autograd

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd", "nn", "optim", "graphgrad")
PUBLIC = set(autograd.__all__)


def _module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(path, node):
    """The module an ImportFrom names, made absolute."""
    if not node.level:
        return node.module or ""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[:len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(path):
    """(line, absolute module, imported name or None) for every import; for `import autograd as
    ag`, each `ag.<attr>` too, as (line, "autograd", attr)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
                if alias.name == "autograd":
                    aliases.add(alias.asname or "autograd")
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(path, node)
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                if _is_module(submodule):  # from . import anomaly: the module autograd.anomaly
                    yield node.lineno, submodule, None
                else:
                    yield node.lineno, module, alias.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            yield node.lineno, "autograd", node.attr


def _is_module(name):
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _files(package):
    return sorted((ROOT / package).rglob("*.py"))


def _violations(package, rule):
    found = []
    for path in _files(package):
        for line, module, name in _imports(path):
            problem = rule(_module_name(path), module, name)
            if problem:
                found.append(f"{path.relative_to(ROOT)}:{line}: {problem}")
    return found


def _top(module):
    return module.split(".")[0]


def _public_autograd_only(importer, module, name):
    """nn and optim: `import autograd as ag` and names in autograd.__all__; never torch."""
    if _top(module) == "torch":
        return f"imports {module}"
    if module.startswith("autograd."):
        return f"imports the module {module}: use the names in autograd.__all__"
    if module == "autograd" and name is not None and name not in PUBLIC:
        return f"uses autograd.{name}, which is not in autograd.__all__"
    return None


def test_autograd_never_imports_nn_optim_or_graphgrad():
    def rule(importer, module, name):
        return f"autograd imports {module}" if _top(module) in ("nn", "optim", "graphgrad") else None
    assert _violations("autograd", rule) == []


def test_nn_uses_only_the_public_autograd_api_and_never_graphgrad():
    def rule(importer, module, name):
        if _top(module) in ("optim", "graphgrad"):
            return f"nn imports {module}"
        return _public_autograd_only(importer, module, name)
    assert _violations("nn", rule) == []


def test_nn_and_optim_import_autograd_as_a_module_and_never_reach_into_a_tensors_storage():
    for package in ("nn", "optim"):
        for path in _files(package):
            source = path.read_text()
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.ImportFrom) and not node.level:
                    assert _top(node.module) != "autograd", f"{path.name}: from {node.module} import ..."
            assert not re.search(r"\._data\b", source), f"{path.name} reaches into a tensor's private storage"


def test_optim_uses_only_the_public_autograd_api_and_never_nn():
    def rule(importer, module, name):
        if _top(module) in ("nn", "graphgrad"):
            return f"optim imports {module}"
        return _public_autograd_only(importer, module, name)
    assert _violations("optim", rule) == []


def test_the_engine_knows_nodes_only_by_their_protocol():
    def rule(importer, module, name):
        if importer != "autograd.engine" or _top(module) != "autograd":
            return None
        allowed = {"autograd.anomaly", "autograd.compiler", "autograd.grad_mode", "autograd.shapes"}
        return None if module in allowed else f"the engine imports {module}"
    assert _violations("autograd", rule) == []


def test_the_drawing_reaches_graphs_through_the_node_protocol():
    def rule(importer, module, name):
        if not importer.startswith("autograd.drawing") or _top(module) != "autograd":
            return None
        if module.startswith("autograd.drawing") or module in ("autograd.engine", "autograd.grad_mode"):
            return None
        if module == "autograd.leaf" and name == "node_of":  # how a tensor's node is found
            return None
        return f"the drawing imports {module}" + (f".{name}" if name else "")
    assert _violations("autograd", rule) == []


@pytest.mark.parametrize("package", PACKAGES)
def test_no_private_name_is_imported_from_another_module(package):
    def rule(importer, module, name):
        if _top(module) not in PACKAGES or module == importer:
            return None
        private = [part for part in module.split(".") + [name or ""] if part.startswith("_") and part != "__init__"]
        return f"imports the private name {'.'.join(private)} from {module}" if private else None
    assert _violations(package, rule) == []


def _every_module():
    return [_module_name(path) for package in PACKAGES for path in _files(package)
            if path.name != "__main__.py"]


FIRST_IMPORT = """
import importlib, importlib.util, sys
name, root = sys.argv[1], sys.argv[2]
package = name.split(".")[0]
# the package object without its __init__ run, so `name` really is the first module loaded
spec = importlib.util.spec_from_file_location(package, f"{root}/{package}/__init__.py",
                                              submodule_search_locations=[f"{root}/{package}"])
module = importlib.util.module_from_spec(spec)
sys.modules[package] = module
importlib.import_module(name)
spec.loader.exec_module(module)
"""


def test_every_module_can_be_imported_first():
    failed = []
    for name in _every_module():
        run = subprocess.run([sys.executable, "-c", FIRST_IMPORT, name, str(ROOT)], capture_output=True, text=True,
                             cwd=ROOT)
        if run.returncode != 0:
            failed.append(f"{name}: {run.stderr.strip().splitlines()[-1]}")
    assert failed == []
