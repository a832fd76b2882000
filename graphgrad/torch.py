"""`import graphgrad.torch as torch`: PyTorch's namespace on graphgrad, for code that changes one line.

`torch.tensor`, `torch.nn.Linear`, `torch.optim.Adam`, `torch.utils.data.DataLoader`, ... are
graphgrad's; a PyTorch name graphgrad lacks raises AttributeError naming it. The namespace is
graphgrad.bridge.TORCH (see there); `python -m graphgrad.run script.py` installs the same one as
`torch` for scripts that stay unmodified.
"""
from graphgrad.bridge import VERSION as __version__  # noqa: F401
from graphgrad.bridge import torch_attribute as __getattr__  # noqa: F401
from graphgrad.bridge import torch_names as __dir__  # noqa: F401
