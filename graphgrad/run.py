"""`python -m graphgrad.run script.py [args...]`: run an unmodified PyTorch CPU script on graphgrad.

It installs graphgrad's `torch` namespace (graphgrad.bridge) in `sys.modules`, so the script's
`import torch`, `import torch.nn as nn`, `from torch.utils.data import DataLoader` and
`from torch import nn, optim` reach autograd, nn and optim, sets `sys.argv` and `sys.path[0]` as
`python script.py` would, and runs the script as `__main__`. `python -m graphgrad.run -m pkg.mod`
runs a module the same way. A PyTorch name graphgrad lacks fails with an error naming it.
"""
from __future__ import annotations

import os
import runpy
import sys
from collections.abc import Sequence

from graphgrad.bridge import install

USAGE = "usage: python -m graphgrad.run script.py [args...]  |  python -m graphgrad.run -m module [args...]"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help") or (args[0] == "-m" and len(args) < 2):
        print(USAGE, file=sys.stderr if not args else sys.stdout)
        return 2 if not args else 0
    install()
    if args[0] == "-m":
        sys.argv = [args[1], *args[2:]]
        runpy.run_module(args[1], run_name="__main__", alter_sys=True)
        return 0
    script = args[0]
    if not os.path.isfile(script):
        print(f"graphgrad.run: no such script: {script}", file=sys.stderr)
        return 2
    sys.argv = args
    sys.path[0] = os.path.dirname(os.path.abspath(script))  # as `python script.py` sets it
    runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
