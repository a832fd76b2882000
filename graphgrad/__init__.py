"""graphgrad: the layer above the engine and its libraries (autograd, nn and optim).

It holds the demo (`python -m graphgrad.demo`) and the PyTorch bridge (`import graphgrad.torch as
torch`; `python -m graphgrad.run script.py` runs an unmodified PyTorch script). It may import
autograd, nn and optim; none of them imports it. Importing graphgrad itself stays light: the
demo's dependencies (matplotlib, scikit-learn, tqdm) load only when the demo runs.
"""
