#!/usr/bin/env bash
# The wheel as a user gets it. Builds the sdist and, from it, the wheel (`python -m build`, so
# the sdist must be complete too), installs the wheel (not editable) with its runtime
# dependencies and the demo and safetensors extras into a fresh venv (never torch), and from a
# folder outside the checkout checks: the wheel's contents (every package and its py.typed),
# that the packages import from the venv, a backward, an optimiser step, a drawing's DOT source,
# a .safetensors round trip, and `python -m graphgrad.demo --epochs 1`. Any error fails.
# Needs `build` in the running Python (it is in the dev extra); PYTHON picks another interpreter.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-python}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

if ! "$PY" -c "import build" 2>/dev/null; then
  echo "wheel_smoke: $PY has no 'build' package: pip install build (or the dev extra)" >&2
  exit 1
fi

echo "wheel_smoke: building the sdist and the wheel into $WORK/dist"
"$PY" -m build --outdir "$WORK/dist" "$ROOT" >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
if grep -i "deprecat" "$WORK/build.log"; then
  echo "wheel_smoke: the build printed a deprecation warning (above)" >&2
  exit 1
fi
WHEEL="$(ls "$WORK"/dist/graphgrad-*.whl)"
SDIST="$(ls "$WORK"/dist/graphgrad-*.tar.gz)"
echo "wheel_smoke: built $(basename "$SDIST") and $(basename "$WHEEL") (${SECONDS}s)"

"$PY" - "$WHEEL" <<'EOF'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
for package in ("autograd", "nn", "optim", "graphgrad"):
    for required in ("__init__.py", "py.typed"):
        assert f"{package}/{required}" in names, f"the wheel lacks {package}/{required}"
assert "graphgrad/demo.py" in names and "autograd/drawing/__init__.py" in names, "the wheel lacks a subpackage or module"
assert not any(n.startswith(("tests/", "notebooks/", "bench/")) for n in names), "the wheel ships tests, notebooks or bench"
print(f"wheel_smoke: the wheel holds {len(names)} files, py.typed in all four packages")
EOF

"$PY" -m venv "$WORK/venv"
# --no-compile: byte-compiling all of SciPy and matplotlib up front costs more than the smoke uses
"$WORK/venv/bin/python" -m pip install -q --no-compile "$WHEEL[demo,safetensors]"
echo "wheel_smoke: installed the wheel into a fresh venv (${SECONDS}s)"
if "$WORK/venv/bin/python" -c "import torch" 2>/dev/null; then
  echo "wheel_smoke: torch got into the smoke venv; it must never be a runtime dependency" >&2
  exit 1
fi

mkdir "$WORK/outside"
cd "$WORK/outside"  # nothing from the checkout on sys.path
GRAPHGRAD_ROOT="$ROOT" "$WORK/venv/bin/python" - <<'EOF'
import os, pathlib, sys

import autograd as ag
import graphgrad
import nn
import optim

root = pathlib.Path(os.environ["GRAPHGRAD_ROOT"]).resolve()
for module in (ag, nn, optim, graphgrad):
    where = pathlib.Path(module.__file__).resolve()
    assert root not in where.parents, f"{module.__name__} was imported from the checkout ({where}), not the wheel"
    assert (where.parent / "py.typed").is_file(), f"{module.__name__}: no py.typed installed beside {where}"

ag.manual_seed(0)
model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
x = ag.tensor([[1.0, 2.0]], requires_grad=True)
loss = (model(x) ** 2).sum()
loss.backward()
assert x.grad is not None and model[0].weight.grad.shape == (3, 2)
optim.SGD(model.parameters(), lr=0.1).step()

source = ag.draw(loss).source
assert source.lstrip().startswith("digraph") and "->" in source, source[:200]

path = pathlib.Path.cwd() / "model.safetensors"
ag.save(model.state_dict(), path)
loaded = ag.load(path)
assert sorted(loaded) == sorted(model.state_dict()), sorted(loaded)
print(f"wheel_smoke: imports, backward, DOT ({len(source)} characters) and safetensors work from {sys.prefix}")
EOF

"$WORK/venv/bin/python" -m graphgrad.demo --epochs 1 --out "$WORK/demo" >"$WORK/demo.log" 2>&1 || { cat "$WORK/demo.log"; exit 1; }
tail -n 3 "$WORK/demo.log"
test -n "$(ls -A "$WORK/demo")" || { echo "wheel_smoke: the demo wrote nothing into $WORK/demo" >&2; exit 1; }
echo "wheel_smoke: passed in ${SECONDS}s ($(ls "$WORK/demo" | wc -l) files from the demo)"
