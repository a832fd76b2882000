"""PyTorch training scripts run on graphgrad with only their imports changed, and print the
same results as under PyTorch (within float32 rounding)."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = sorted((Path(__file__).parent / "porting").glob("*.py"))
IMPORTS = [  # the only edits a port needs (API.md, "Porting PyTorch code")
    (r"^import torch$", "import autograd as torch"),
    (r"^from torch import nn, optim$", "import nn, optim"),
    (r"^from torch import nn$", "import nn"),
    (r"^from torch.utils.data import", "from autograd.data import"),
]


def ported(source):
    for pattern, replacement in IMPORTS:
        source = re.sub(pattern, replacement, source, flags=re.M)
    return source


def run(source, tmp_path, name):
    path = tmp_path / name
    path.write_text(source)
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def numbers(text):
    return [float(v) for v in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", text)]


def test_only_import_lines_change():
    for script in SCRIPTS:
        before, after = script.read_text().splitlines(), ported(script.read_text()).splitlines()
        changed = [a for a, b in zip(before, after) if a != b]
        assert changed and all("import" in line for line in changed), script.name


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_ported_script_prints_what_pytorch_prints(script, tmp_path):
    pytest.importorskip("torch")
    reference = run(script.read_text(), tmp_path, "reference.py")
    ours = run(ported(script.read_text()), tmp_path, "ported.py")
    assert re.sub(r"-?\d+\.\d+(?:e-?\d+)?", "#", ours) == re.sub(r"-?\d+\.\d+(?:e-?\d+)?", "#", reference)
    expected, found = numbers(reference), numbers(ours)
    assert found == pytest.approx(expected, rel=2e-4, abs=2e-4), (ours, reference)
