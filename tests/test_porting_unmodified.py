"""Unmodified PyTorch CPU programs (tests/porting_unmodified/) run under PyTorch and under
`python -m graphgrad.run`, and print the same results (within float32 rounding); a PyTorch name
graphgrad lacks fails with an error naming it."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

FOLDER = Path(__file__).parent / "porting_unmodified"
SCRIPTS = sorted(path for path in FOLDER.glob("*.py") if path.name != "conftest.py")
# what a script still needs; strict=False, so a test that starts passing is reported (XPASS) and
# its entry can be removed
MISSING: dict[str, str] = {}  # script -> the graphgrad feature it still lacks (its test is then an xfail)
NUMBER = r"-?\d+\.\d+(?:e-?\d+)?"
# a dtype prints as torch.float32 under PyTorch and float32 under graphgrad (NumPy's dtypes)
DTYPE = r"\btorch\.(?=(?:float|int|uint|bool|double|long)\w*\b)"


def run(*command):
    done = subprocess.run([sys.executable, *command], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


# PyTorch's import costs more than most of these programs: the references run in one process, each
# program as its own __main__ (the default dtype reset between them: gp_regression changes it)
REFERENCE_RUNNER = """
import contextlib, io, json, os, runpy, sys
import torch
outputs = {}
for path in sys.argv[1:]:
    torch.set_default_dtype(torch.float32)
    sys.argv, sys.path[0], printed = [path], os.path.dirname(path), io.StringIO()
    with contextlib.redirect_stdout(printed):
        try:
            runpy.run_path(path, run_name="__main__")
        except BaseException as error:
            print(f"REFERENCE FAILED: {error!r}")
    outputs[path] = printed.getvalue()
json.dump(outputs, sys.stdout)
"""


@pytest.fixture(scope="module")
def reference():
    pytest.importorskip("torch")
    return json.loads(run("-c", REFERENCE_RUNNER, *map(str, SCRIPTS)))


def masked(text):
    return re.sub(NUMBER, "#", re.sub(DTYPE, "", text))


@pytest.mark.parametrize("script", [
    pytest.param(path, marks=pytest.mark.xfail(strict=False, reason=MISSING[path.stem])) if path.stem in MISSING
    else path for path in SCRIPTS], ids=lambda path: path.stem)
def test_unmodified_script_prints_what_pytorch_prints(script, reference):
    reference = reference[str(script)]
    ours = run("-m", "graphgrad.run", str(script))
    assert masked(ours) == masked(reference)
    expected = [float(v) for v in re.findall(NUMBER, reference)]
    found = [float(v) for v in re.findall(NUMBER, ours)]
    assert found == pytest.approx(expected, rel=2e-4, abs=2e-4), (ours, reference)


BRIDGE_PROBE = '''
import sys
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import nn as nn2, optim
from torch.utils.data import DataLoader, TensorDataset
from torch.optim.lr_scheduler import OneCycleLR
import autograd, nn as our_nn, optim as our_optim
print("same", torch.Tensor is autograd.Tensor, nn is nn2, nn.Linear is our_nn.Linear,
      optim.SGD is our_optim.SGD, F.relu is our_nn.functional.relu, DataLoader is autograd.data.DataLoader,
      OneCycleLR is our_optim.lr_scheduler.OneCycleLR, sys.argv[1:])
print("cpu", torch.cuda.is_available(), str(torch.device("cpu")), torch.randn(2, 3).to("cpu").shape == (2, 3),
      torch.__version__)
for line in ["from torch.distributions import Normal", "from torch.nn import Linaer", "import torch.utils.checkpoint",
             "torch.fancy_new_op", "torch.nn.Linaer", "import torchvision"]:
    try:
        exec(line)
    except (ImportError, AttributeError) as error:
        print(type(error).__name__, error)
'''


def test_the_bridge_gives_graphgrad_modules_and_names_what_is_missing(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(BRIDGE_PROBE)
    out = run("-m", "graphgrad.run", str(probe), "--flag", "1").splitlines()
    assert out[0] == "same True True True True True True True ['--flag', '1']"
    assert out[1].startswith("cpu False cpu True 2.13.0+graphgrad.")
    feature = "graphgrad does not have the PyTorch feature {} yet"
    assert out[2].startswith("ModuleNotFoundError " + feature.format("torch.distributions"))
    assert out[3].startswith("ModuleNotFoundError " + feature.format("torch.nn.Linaer"))
    assert "(nearby: torch.nn.Linear)" in out[3]
    assert out[4].startswith("ModuleNotFoundError " + feature.format("torch.utils.checkpoint"))
    assert out[5].startswith("AttributeError " + feature.format("torch.fancy_new_op"))
    assert out[6].startswith("AttributeError " + feature.format("torch.nn.Linaer"))
    assert out[7].startswith("ModuleNotFoundError torchvision is built on PyTorch itself")


def test_graphgrad_torch_is_the_same_namespace_for_a_one_line_port():
    import graphgrad.torch as torch

    import autograd
    import nn
    import optim
    assert torch.tensor is autograd.tensor and torch.float32 is autograd.float32 and torch.no_grad is autograd.no_grad
    assert torch.nn.Linear is nn.Linear and torch.nn.functional.relu is nn.functional.relu
    assert torch.optim.lr_scheduler.StepLR is optim.lr_scheduler.StepLR
    assert torch.utils.data.DataLoader is autograd.data.DataLoader and torch.autograd.Function is autograd.Function
    assert "torch" not in sys.modules or sys.modules["torch"] is not torch  # importing it installs nothing
    with pytest.raises(AttributeError, match=r"^graphgrad does not have the PyTorch feature torch\.nn\.Transfomer yet"):
        _ = torch.nn.Transfomer
    assert not hasattr(torch, "__test__") and not hasattr(torch.nn, "__wrapped__")  # dunders are not forwarded
    assert not hasattr(torch, "np") and not hasattr(torch.utils.data, "np")  # nor what a module imported
    assert "Linear" in dir(torch.nn) and "functional" in dir(torch.nn)


def test_torch_compile_runs_a_model_or_function_as_it_is():
    import graphgrad.torch as torch

    import nn
    model = nn.Linear(2, 2)
    assert torch.compile(model) is model and torch.compile(model, mode="max-autotune", fullgraph=True) is model

    @torch.compile(dynamic=False)
    def double(x):
        return x * 2
    assert double(torch.tensor([1.0])).tolist() == [2.0]


def test_run_without_a_script_prints_its_usage(capsys):
    from graphgrad.run import main
    assert main([]) == 2
    assert "python -m graphgrad.run script.py" in capsys.readouterr().err
