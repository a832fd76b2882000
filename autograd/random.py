"""One seeded source of randomness for every random function, as torch.manual_seed."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from . import compiler
from .tensor import Tensor


class Generator:
    """A random number generator; `manual_seed(n)` makes its draws reproducible."""

    def __init__(self, seed: int | None = None) -> None:
        self.numpy_generator = np.random.default_rng(seed)
        self._seed = seed

    def manual_seed(self, seed: int) -> Generator:
        self._seed = int(seed)
        self.numpy_generator = np.random.default_rng(self._seed)
        return self

    def initial_seed(self) -> int | None:
        return self._seed

    def get_state(self) -> Mapping[str, Any]:
        return self.numpy_generator.bit_generator.state

    def set_state(self, state: Mapping[str, Any]) -> None:
        self.numpy_generator.bit_generator.state = state


_default = Generator()


def default_generator() -> Generator:
    return _default


def draw_from(generator: Generator | None, sample: Callable[..., np.ndarray], *operands: Any) -> np.ndarray:
    """`sample(numpy_generator, *operands)` on `generator` (None: the default), Tensors among the
    operands passed as their arrays: the door every random draw goes through. While ag.compile
    records, the recorder notes the draw, so that each replay calls `sample` again on the
    generator in force then (looked up afresh: manual_seed gives the default a new NumPy
    generator) and advances it as eager does. `sample` must be a module-level function of its
    arguments alone (no captured state), as its replay takes the same operands."""
    rng = (generator or _default).numpy_generator
    values = sample(rng, *[o._data if isinstance(o, Tensor) else o for o in operands])
    if compiler.recorder is not None:
        compiler.recorder.draw(sample, generator, operands, values)
    return values


def manual_seed(seed: int) -> Generator:
    """Seeds the generator behind rand, randn, randint, normal, dropout, shuffling and init."""
    return _default.manual_seed(seed)


def seed() -> int:
    value = int(np.random.SeedSequence().entropy % (2**63))  # type: ignore[operator]  # drawn here: an int
    _default.manual_seed(value)
    return value
