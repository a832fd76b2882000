"""Primitive operations by family: each class holds its forward and its gradient rule."""
