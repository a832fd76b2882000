"""Gradient checking: analytic Jacobians from the engine against central finite differences."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .backprop import grad as _grad
from .grad_mode import no_grad
from .tensor import Tensor

if TYPE_CHECKING:
    from typing import TypeAlias

    # What gradcheck's fn may be called with: one Tensor, or a sequence of Tensors and constants.
    Inputs: TypeAlias = "Tensor | Sequence[Any]"


def _outputs(result):
    outs = list(result) if isinstance(result, (tuple, list)) else [result]
    return [o for o in outs if isinstance(o, Tensor)]


def _differentiable(outputs):
    return [o for o in outputs if o.requires_grad]


def _numerical(evaluate, leaves, eps):
    """Jacobians by central differences, one (n_out, n_in) float64 array per leaf."""
    jacobians = []
    for leaf in leaves:
        data = leaf._data
        columns = []
        for position in np.ndindex(data.shape):  # C order, as the analytic rows; never a reshaped copy
            original = data[position]
            data[position] = original + eps  # raw writes: fn may itself need the graph (gradgradcheck)
            plus = evaluate()
            data[position] = original - eps
            minus = evaluate()
            data[position] = original
            columns.append((plus - minus) / (2 * eps))
        n_out = columns[0].size if columns else 0
        jacobians.append(np.stack(columns, axis=1) if columns else np.zeros((n_out, 0)))
    return jacobians


def _analytic(outputs, leaves):
    """Jacobians from the engine: one backward pass per output element."""
    sizes = [o.numel() for o in outputs]
    rows = [np.zeros((sum(sizes), leaf.numel())) for leaf in leaves]
    row = 0
    for k, out in enumerate(outputs):
        if not out.requires_grad:
            row += sizes[k]
            continue
        for e in range(sizes[k]):
            seed = np.zeros(out.shape, dtype=out.dtype)
            seed.reshape(-1)[e] = 1
            found = _grad([out], leaves, [Tensor._make(seed)], retain_graph=True, allow_unused=True)
            for i, g in enumerate(found):
                if g is not None:
                    rows[i][row] = g._data.reshape(-1)
            row += 1
    return rows


def _flat_outputs(fn):
    def evaluate():
        return np.concatenate([o._data.astype(np.float64).reshape(-1) for o in _outputs(fn())])
    return evaluate


def numerical_jacobian(fn: Callable[..., Any], inputs: Inputs, eps: float = 1e-6) -> list[np.ndarray]:
    """d fn(*inputs) / d input by central differences, for each input that requires grad.

    Returns one float64 array of shape (outputs' numel, input's numel) per such input.
    """
    inputs = list(inputs) if isinstance(inputs, (tuple, list)) else [inputs]
    leaves = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    return _numerical(_flat_outputs(lambda: fn(*inputs)), leaves, eps)


@dataclass
class Mismatch:
    name: str
    position: tuple
    output_index: int
    analytic: float
    numerical: float

    def __str__(self) -> str:
        err = abs(self.analytic - self.numerical)
        return (f"{self.name}, element {self.position}, output element {self.output_index}: analytic "
                f"{self.analytic:.6g}, numerical {self.numerical:.6g} (|error| {err:.3g})")


def _compare(name, shape, analytic, numerical, atol, rtol):
    error = np.abs(analytic - numerical)
    bad = error > atol + rtol * np.abs(numerical)
    if not bad.any():
        return None, float(error.max(initial=0.0))
    out_i, in_j = np.argwhere(bad)[np.argmax(error[bad])]
    position = tuple(int(p) for p in np.unravel_index(in_j, shape)) if shape else ()
    return Mismatch(name, position, int(out_i), analytic[out_i, in_j], numerical[out_i, in_j]), float(error.max())


def _as_float64_leaves(inputs):
    converted = []
    for t in inputs:
        if isinstance(t, Tensor) and t.requires_grad:
            if t.dtype.kind != "f":
                raise TypeError("gradcheck: inputs that require grad must be floating point")
            t = Tensor._make(np.array(t._data, dtype=np.float64, copy=True), True)
        converted.append(t)
    return converted


def gradcheck(fn: Callable[..., Any], inputs: Inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True) -> bool:
    """Checks the engine's gradients of fn at `inputs` against central finite differences.

    Inputs that require grad are checked, in float64. On failure it raises (or returns False)
    with the input, element, analytic and numerical values and the error.

    Example:
        >>> import autograd as ag
        >>> x = ag.randn(3, dtype=ag.float64, requires_grad=True)
        >>> ag.gradcheck(lambda t: (t.tanh() * t).sum(), (x,))
        True
    """
    inputs = _as_float64_leaves(list(inputs) if isinstance(inputs, (tuple, list)) else [inputs])
    leaves = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    if not leaves:
        raise ValueError("gradcheck: at least one input must be a Tensor with requires_grad=True")
    outputs = _outputs(fn(*inputs))
    analytic = _analytic(outputs, leaves)
    numerical = _numerical(_flat_outputs(lambda: fn(*inputs)), leaves, eps)
    position = {id(t): i for i, t in enumerate(inputs)}
    for leaf, a, n in zip(leaves, analytic, numerical):
        mismatch, _ = _compare(f"input {position[id(leaf)]} (shape {tuple(leaf.shape)})",
                               leaf.shape, a, n, atol, rtol)
        if mismatch is not None:
            if raise_exception:
                raise GradcheckError(f"gradcheck: the analytic and numerical gradients differ for {mismatch}. "
                                     f"Tolerance: atol={atol}, rtol={rtol}.")
            return False
    return True


class GradcheckError(RuntimeError):
    pass


def gradgradcheck(fn: Callable[..., Any], inputs: Inputs, grad_outputs: Sequence[Tensor | np.ndarray] | None = None,
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True,
                  seed: int = 0) -> bool:
    """Checks second derivatives: gradcheck of the vector-Jacobian product of fn."""
    inputs = _as_float64_leaves(list(inputs) if isinstance(inputs, (tuple, list)) else [inputs])
    outputs = _differentiable(_outputs(fn(*inputs)))
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = [Tensor._make(rng.standard_normal(o.shape)) for o in outputs]
    vs = [Tensor._make(np.array(np.asarray(v), dtype=np.float64), True) for v in grad_outputs]
    n = len(inputs)

    def vjp(*args):
        xs, v = list(args[:n]), list(args[n:])
        outs = _differentiable(_outputs(fn(*xs)))
        wanted = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
        grads = _grad(outs, wanted, v, create_graph=True, allow_unused=True)
        return tuple(g if g is not None else x * 0 for g, x in zip(grads, wanted))

    return gradcheck(vjp, tuple(inputs) + tuple(vs), eps, atol, rtol, raise_exception)


@dataclass
class ModuleCheck:
    """The result of check_module: one line per parameter and input."""
    rows: list[tuple[str, float, bool, Mismatch | None]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(ok for _, _, ok, _ in self.rows)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        width = max([len(name) for name, *_ in self.rows] + [9])
        lines = [f"{'parameter':<{width}}  {'max |error|':>12}  result"]
        for name, error, ok, mismatch in self.rows:
            lines.append(f"{name:<{width}}  {error:>12.3g}  {'ok' if ok else 'FAILED: ' + str(mismatch)}")
        return "\n".join(lines)

    __repr__ = __str__


def check_module(module: Any, *inputs: Any, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3) -> ModuleCheck:
    """Gradchecks every parameter of an nn.Module (and every floating input) in float64.

    The module's parameters are switched to float64 copies for the check and restored after.
    Returns a ModuleCheck; `print(report)` shows max error per parameter, `report.passed`.
    """
    named = list(module.named_parameters())
    saved = [(p, p.data, p.grad) for _, p in named]
    buffers = [(b, b.detach().numpy().copy()) for _, b in getattr(module, "named_buffers", list)()]
    try:
        with no_grad():
            for _, p in named:
                p.data = Tensor._make(np.array(p._data, dtype=np.float64, copy=True))
        xs = [Tensor._make(np.array(x._data, dtype=np.float64, copy=True), True)
              if isinstance(x, Tensor) and x.dtype.kind == "f" else x for x in inputs]  # indices stay integers
        leaves = [(name, p) for name, p in named if p.requires_grad]
        leaves += [(f"input {i}", x) for i, x in enumerate(xs) if isinstance(x, Tensor) and x.requires_grad]
        outputs = _outputs(module(*xs))
        analytic = _analytic(outputs, [t for _, t in leaves])
        numerical = _numerical(_flat_outputs(lambda: module(*xs)), [t for _, t in leaves], eps)
        report = ModuleCheck()
        for (name, t), a, n in zip(leaves, analytic, numerical):
            mismatch, error = _compare(name, t.shape, a, n, atol, rtol)
            report.rows.append((name, error, mismatch is None, mismatch))
        return report
    finally:
        for p, data, g in saved:
            p.data, p.grad = data, g
        with no_grad():  # running statistics moved by the many forward passes: put them back
            for b, values in buffers:
                b.copy_(Tensor._make(values))
