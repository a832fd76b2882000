"""Benchmarks of graphgrad against PyTorch and hand-written NumPy: `python -m bench`."""
