"""Primitive operations by family: each class holds its forward and its gradient rule.

Tensor binds the op functions as its methods when tensor.py loads, so the package loads
tensor.py first: then any op module can be imported first, and import order does not matter."""
from .. import tensor  # noqa: F401
