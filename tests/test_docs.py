"""The documentation site's API pages name every public name (docs/hooks.py checks the built
pages too, in `mkdocs build --strict`); this runs without MkDocs installed."""
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _hooks():
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "docs" / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_public_name_has_an_api_entry():
    hooks = _hooks()
    documented = hooks.directive_paths(sorted((ROOT / "docs" / "api").glob("*.md")))
    assert hooks.missing_entries(documented) == []


def test_the_check_can_fail():
    hooks = _hooks()
    documented = hooks.directive_paths(sorted((ROOT / "docs" / "api").glob("*.md")))
    assert "nn.Linear" in hooks.missing_entries(documented - {"nn.Linear"})


def test_every_notebook_is_in_the_site_nav():
    nav = (ROOT / "mkdocs.yml").read_text()
    assert [p.name for p in sorted((ROOT / "notebooks").glob("*.ipynb")) if f"notebooks/{p.name}" not in nav] == []
