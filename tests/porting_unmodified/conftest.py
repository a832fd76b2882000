"""These are PyTorch programs, run by tests/test_porting_unmodified.py (under PyTorch and under
`python -m graphgrad.run`), not test modules: pytest never imports them, not even for doctests."""
collect_ignore_glob = ["*.py"]
