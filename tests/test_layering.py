"""DESIGN rule 7: nn and optim use only autograd's public API; autograd never imports nn or
optim; optim never
imports nn."""
import ast
from pathlib import Path

import autograd

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = set(autograd.__all__)


def _modules(package):
    return sorted((ROOT / package).rglob("*.py"))


def _imports(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
                if alias.name == "autograd":
                    aliases[alias.asname or "autograd"] = True
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            for alias in node.names:
                yield node.lineno, module, alias.name
    for node in ast.walk(tree):  # ag.<name> must be public
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            yield node.lineno, f"autograd.{node.attr}", "attribute"


def _violations(package, allowed):
    found = []
    for path in _modules(package):
        for line, module, name in _imports(path):
            problem = allowed(module, name)
            if problem:
                found.append(f"{path.relative_to(ROOT)}:{line}: {problem}")
    return found


def _public_autograd_only(module, name):
    if module.startswith("autograd."):
        attr = module.split(".", 1)[1]
        if name == "attribute" and attr not in PUBLIC:
            return f"uses autograd.{attr}, which is not in autograd.__all__"
        if name != "attribute":
            return f"imports the private module {module}"
    if module == "autograd" and name is not None and name not in PUBLIC:
        return f"imports {name} from autograd, which is not in autograd.__all__"
    return None


def test_nn_uses_only_the_public_autograd_api():
    assert _violations("nn", _public_autograd_only) == []


def test_optim_uses_only_the_public_autograd_api_and_never_nn():
    def rule(module, name):
        if module == "nn" or module.startswith("nn."):
            return "optim must not import nn"
        return _public_autograd_only(module, name)
    assert _violations("optim", rule) == []


def test_autograd_never_imports_nn_or_optim():
    def rule(module, name):
        top = module.split(".")[0]
        return f"autograd imports {module}" if top in ("nn", "optim") else None
    assert _violations("autograd", rule) == []
