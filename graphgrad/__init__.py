"""graphgrad: the layer above the engine and its libraries (autograd, nn and optim).

Today it holds the demo (`python -m graphgrad.demo`); later, the PyTorch bridge. It may import
autograd, nn and optim; none of them imports it. Importing graphgrad itself stays light: the
demo's dependencies (matplotlib, scikit-learn, tqdm) load only when the demo runs.
"""
