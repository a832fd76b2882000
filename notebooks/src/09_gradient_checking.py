"""Builds notebooks/09_gradient_checking.ipynb: gradcheck, check_module, and a broken custom Function caught.

    python notebooks/src/09_gradient_checking.py
    python scripts/execute_notebooks.py notebooks/09_gradient_checking.ipynb
"""
from _build import code, md, write

NAME = "09_gradient_checking"


md(r"""
# 09 · Gradient checking

Article 001 recommends *gradient checking* to make sure backpropagation works: compute the
derivatives a second, independent way, from the definition of the derivative, and compare. A
backward rule with a missing factor still trains *something*, the loss may even go down, so
only a check like this finds it.

graphgrad has three tools for it (as PyTorch's `torch.autograd.gradcheck`):

* `ag.gradcheck(fn, inputs)`: every input that requires grad, every element, against finite
  differences, in float64; raises (or returns `False`) with a readable message on a mismatch;
* `ag.numerical_jacobian(fn, inputs)`: the finite-difference Jacobians themselves;
* `ag.check_module(module, *inputs)`: the same for every parameter of an `nn.Module`, with a
  per-parameter report.

This notebook explains how the check works, and shows it catching broken gradients.
""")

code("""
%matplotlib inline
%config InlineBackend.figure_formats = ["png"]
import numpy as np
import matplotlib.pyplot as plt

import autograd as ag
import nn
import nn.functional as F

plt.rcParams.update({"figure.figsize": (7, 4), "figure.dpi": 90})
_ = ag.manual_seed(0)
""")

md(r"""
## 1. Central differences, and why $\varepsilon \approx 10^{-6}$ in float64

The derivative is a limit: $f'(x) = \lim_{\varepsilon\to0} \big(f(x+\varepsilon) - f(x)\big)/\varepsilon$. With a
small but finite $\varepsilon$, Taylor's formula gives the error of two estimates:

$$\frac{f(x+\varepsilon) - f(x)}{\varepsilon} = f'(x) + \tfrac{\varepsilon}{2} f''(x) + O(\varepsilon^2)
\qquad \text{(forward difference: error} \propto \varepsilon),$$

$$\frac{f(x+\varepsilon) - f(x-\varepsilon)}{2\varepsilon} = f'(x) + \tfrac{\varepsilon^2}{6} f'''(x) + O(\varepsilon^4)
\qquad \text{(central difference: error} \propto \varepsilon^2).$$

In the central difference the $f''$ terms cancel, so it is far more accurate for the same
$\varepsilon$; it costs two evaluations per input element instead of one.

But $\varepsilon$ cannot be made arbitrarily small: $f(x\pm\varepsilon)$ are computed with a relative
rounding error of about the machine epsilon $u$ ($2.2\cdot10^{-16}$ in float64, $1.2\cdot10^{-7}$ in
float32), and dividing their difference by $2\varepsilon$ magnifies it to about $u\,|f|/\varepsilon$. The
total error $\approx \varepsilon^2|f'''|/6 + u|f|/\varepsilon$ is smallest near $\varepsilon \approx u^{1/3}$:
about $6\cdot10^{-6}$ in float64 (error $\sim10^{-11}$), but $5\cdot10^{-3}$ in float32 (error
$\sim10^{-5}$, and no $\varepsilon$ does better). That is why `gradcheck` computes in **float64**
with $\varepsilon = 10^{-6}$: there the finite difference is good to about 10 digits, so the
tolerances can be tight (`atol=1e-5`, `rtol=1e-3`) and a real mistake stands out.

Measured on $f = \tanh$ at $x = 0.7$, where $f'(x) = 1 - \tanh^2 x$ is known exactly:
""")

code("""
x0 = 0.7
exact = 1 - np.tanh(x0) ** 2
epsilons = np.logspace(-12, -1, 45)

def difference_errors(dtype):
    x = ag.tensor(x0, dtype=dtype)
    f = lambda t: t.tanh().item()
    central, forward = [], []
    for eps in map(float, epsilons):   # Python floats: a NumPy float64 scalar would promote a float32 tensor
        central.append(abs((f(x + eps) - f(x - eps)) / (2 * eps) - exact))
        forward.append(abs((f(x + eps) - f(x)) / eps - exact))
    return np.array(central), np.array(forward)

errors = {str(dtype): difference_errors(dtype) for dtype in (ag.float64, ag.float32)}

fig, ax = plt.subplots()
for (name, (central, forward)), color in zip(errors.items(), ("C0", "C3")):
    ax.loglog(epsilons, np.maximum(central, 1e-17), color=color, label=f"central, {name}")
    ax.loglog(epsilons, np.maximum(forward, 1e-17), color=color, ls="--", label=f"forward, {name}")
ax.axvline(1e-6, color="gray", lw=0.8, ls=":")
ax.text(1.3e-6, 3e-15, "gradcheck's ε", color="gray")
ax.set(title="Finite-difference error for tanh'(0.7)", xlabel="ε", ylabel="|estimate − exact| (log scale)",
       ylim=(1e-15, 10))
ax.legend(fontsize=8, loc="lower left")
plt.show()

c64, f64 = errors["float64"]
c32, f32 = errors["float32"]
at = np.argmin(abs(epsilons - 1e-6))
print(f"float64: best central error {c64.min():.1e} at ε = {epsilons[c64.argmin()]:.0e}; at ε = 1e-6: {c64[at]:.1e}")
print(f"float32: best central error {c32.min():.1e} at ε = {epsilons[c32.argmin()]:.0e}; at ε = 1e-6: {c32[at]:.1e}")
assert c64.min() < 1e-10 and c64[at] < 1e-9           # float64, ε = 1e-6: about 10 correct digits
assert c64.min() < 1e-2 * f64.min()                   # central beats forward by orders of magnitude
assert c32.min() > 1e-7 and c32[at] > 1e-3            # float32 cannot do that; at ε = 1e-6 it is useless
assert 1e-3 < epsilons[c32.argmin()] < 3e-2           # its best ε is near u^(1/3) ≈ 5e-3
""")

md(r"""
The V shapes are the two error terms: to the right of the minimum the truncation error
($\propto\varepsilon^2$ for central, $\propto\varepsilon$ for forward differences), to the left the
rounding error ($\propto 1/\varepsilon$). In float32 the floor is so high that a check could not tell a
correct gradient from one that is off by $10^{-6}$; and below $\varepsilon \approx 3\cdot10^{-8}$ (half the
spacing of float32 numbers near 0.7), $x \pm \varepsilon$ rounds back to $x$, the estimate is 0 and the
error is the whole derivative (the flat red lines on the left).

## 2. `ag.gradcheck`

`gradcheck(fn, inputs)` converts the inputs that require grad to float64, builds the
Jacobian of `fn` twice (row by row with backward passes, and column by column with central
differences: one pair of evaluations per input element) and compares them element by element:
$|a - n| \le \text{atol} + \text{rtol}\cdot|n|$. For instance, for $f(x) = \tanh(x) \cdot x$ both
Jacobians are diagonal:
""")

code("""
x = ag.randn(4, dtype=ag.float64, requires_grad=True)
fn = lambda t: t.tanh() * t
analytic = ag.func.jacobian(fn)(x.detach()).numpy()
(numerical,) = ag.numerical_jacobian(fn, (x,))
np.set_printoptions(precision=6, suppress=True)
print("analytic (backward):\\n", analytic)
print("numerical (central differences):\\n", numerical)
print(f"largest difference: {np.abs(analytic - numerical).max():.1e}")
assert np.abs(analytic - numerical).max() < 1e-9
""")

md(r"""
A few functions from across the library. Inputs are random: a check at one special point (0,
or equal values) can miss a bug or, at a kink, raise a false alarm (section 4).
""")

code("""
def f64(*shape):
    return ag.randn(*shape, dtype=ag.float64, requires_grad=True)

checks = {
    "tanh(x) * x": (lambda x: x.tanh() * x, (f64(5),)),
    "softmax over rows": (lambda x: x.softmax(dim=-1), (f64(3, 4),)),
    "sigmoid(A @ B) / (1 + B.sum())": (lambda a, b: (a @ b).sigmoid() / (1 + b.sum() ** 2), (f64(2, 3), f64(3, 2))),
    "logsumexp, norm": (lambda x: x.logsumexp(dim=0) + x.norm(), (f64(3, 3),)),
    "conv2d": (lambda img, w: F.conv2d(img, w, padding=1), (f64(1, 2, 4, 4), f64(3, 2, 3, 3))),
    "cross_entropy": (lambda z: F.cross_entropy(z, ag.tensor([0, 2, 1])), (f64(3, 4),)),
}
for name, (fn, inputs) in checks.items():
    result = ag.gradcheck(fn, inputs)
    print(f"{name:32s} {result}")
    assert result is True
""")

md(r"""
### A wrong gradient, caught

A classic bug: a value is `.detach()`ed (or taken through `.data`, or converted to NumPy) in
the middle of a computation, so backpropagation treats it as a constant. $f(x) = x \cdot x$
written as `x * x.detach()` has the right *value*, but backward returns $x$ instead of $2x$.
`raise_exception=False` gives a boolean:
""")

code("""
x = f64(5)
square = lambda t: t * t
buggy_square = lambda t: t * t.detach()   # the bug: one factor is cut out of the graph
print("x * x:          ", ag.gradcheck(square, (x,), raise_exception=False))
print("x * x.detach(): ", ag.gradcheck(buggy_square, (x,), raise_exception=False))
assert ag.gradcheck(square, (x,), raise_exception=False) is True
assert ag.gradcheck(buggy_square, (x,), raise_exception=False) is False
""")

md(r"""
By default it raises `ag.GradcheckError`, whose message says where: which input, which
element, which output element, both values and the tolerance. Here the analytic value is
half the numerical one, exactly the missing factor 2:
""")

code("""
try:
    ag.gradcheck(buggy_square, (x,))
except ag.GradcheckError as error:
    message = str(error)
    print(message)
else:
    raise AssertionError("gradcheck did not catch x * x.detach()")

import re
analytic, numerical = map(float, re.search(r"analytic (\\S+), numerical (\\S+) ", message).groups())
np.testing.assert_allclose(numerical, 2 * analytic, rtol=1e-5)
""")

md(r"""
## 3. A custom `ag.Function` with a broken backward

`ag.Function` is how you add an operation with your own gradient rule (as
`torch.autograd.Function`). Here is the sigmoid, $s = 1/(1 + e^{-x})$, whose derivative is
$s(1 - s)$, written twice: once with the factor $(1 - s)$ forgotten, once correctly.
""")

code("""
class BrokenSigmoid(ag.Function):
    @staticmethod
    def forward(ctx, x):
        s = 1 / (1 + (-x).exp())
        ctx.save_for_backward(s)
        return s

    @staticmethod
    def backward(ctx, grad_output):
        (s,) = ctx.saved_tensors
        return grad_output * s            # BUG: the derivative is s * (1 - s)


class Sigmoid(ag.Function):
    @staticmethod
    def forward(ctx, x):
        s = 1 / (1 + (-x).exp())
        ctx.save_for_backward(s)
        return s

    @staticmethod
    def backward(ctx, grad_output):
        (s,) = ctx.saved_tensors
        return grad_output * s * (1 - s)


x = f64(6)
np.testing.assert_allclose(BrokenSigmoid.apply(x).detach().numpy(), ag.sigmoid(x).detach().numpy())   # forward is right
try:
    ag.gradcheck(BrokenSigmoid.apply, (x,))
    raise AssertionError("gradcheck did not catch BrokenSigmoid")
except ag.GradcheckError as error:
    print("BrokenSigmoid:", error)
print("Sigmoid:      ", ag.gradcheck(Sigmoid.apply, (x,)))
assert ag.gradcheck(BrokenSigmoid.apply, (x,), raise_exception=False) is False
assert ag.gradcheck(Sigmoid.apply, (x,)) is True
""")

md(r"""
The backward of `Sigmoid` is itself written with tensor operations, so it can be differentiated
again (`create_graph=True`); `ag.gradgradcheck` checks those second derivatives the same way:
""")

code("""
assert ag.gradgradcheck(Sigmoid.apply, (x,)) is True
print("second derivatives of Sigmoid: ok")
""")

md(r"""
## 4. False alarms at kinks

Finite differences assume the function is smooth within $\pm\varepsilon$. ReLU is not, at 0: the
central difference there is $\big(\varepsilon - 0\big)/(2\varepsilon) = 1/2$, while backward uses the
convention $\mathrm{ReLU}'(0) = 0$ (as PyTorch). Neither is wrong, and gradcheck reports a
mismatch. The same happens for `max` with ties, `abs` at 0, and so on; with random inputs the
chance of landing within $10^{-6}$ of a kink is negligible.
""")

code("""
at_kink = ag.tensor([0.0, 1.5, -2.0], dtype=ag.float64, requires_grad=True)
away = ag.tensor([0.3, 1.5, -2.0], dtype=ag.float64, requires_grad=True)
print("ReLU at [0, 1.5, -2]:  ", ag.gradcheck(ag.relu, (at_kink,), raise_exception=False))
print("ReLU at [0.3, 1.5, -2]:", ag.gradcheck(ag.relu, (away,), raise_exception=False))
(numerical,) = ag.numerical_jacobian(ag.relu, (at_kink,))
print("numerical derivative at 0:", numerical[0, 0])
assert numerical[0, 0] == 0.5 and not ag.gradcheck(ag.relu, (at_kink,), raise_exception=False)
assert ag.gradcheck(ag.relu, (away,))
""")

md(r"""
## 5. `ag.check_module`: every parameter of a layer

`check_module(module, *inputs)` switches the module's parameters to float64 copies, gradchecks
each parameter (and each floating-point input), restores the parameters, and returns a report:
one line per parameter with its largest error. `report.passed` (or `bool(report)`) is the
verdict. Some of `nn`'s layers:
""")

code("""
layers = {
    "Linear(3, 2)": (nn.Linear(3, 2), ag.randn(4, 3)),
    "Conv2d(2, 3, 3, padding=1)": (nn.Conv2d(2, 3, 3, padding=1), ag.randn(2, 2, 5, 5)),
    "MaxPool2d(2)": (nn.MaxPool2d(2), ag.randn(1, 2, 4, 4)),
    "LayerNorm(4)": (nn.LayerNorm(4), ag.randn(3, 4)),
    "BatchNorm1d(3), training": (nn.BatchNorm1d(3), ag.randn(5, 3)),
    "PReLU()": (nn.PReLU(), ag.randn(4, 3)),
    "MLP: Linear, Tanh, Linear": (nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)), ag.randn(5, 3)),
}
for name, (layer, inputs) in layers.items():
    report = ag.check_module(layer, inputs)
    print(f"{name}\\n{report}\\n")
    assert report.passed, name
    assert all(p.dtype == ag.float32 for p in layer.parameters())   # parameters restored to float32
""")

md(r"""
`check_module` runs the module's forward many times (twice per checked element). A
`BatchNorm` in training mode updates its running statistics on every one of those calls;
`check_module` puts the parameters *and* the buffers back as it found them when it is done.

### A module built on the broken Function

A layer that uses `BrokenSigmoid` gets a wrong gradient for *every* parameter upstream of it,
and the report shows each one failing, with the worst element. The same layer with the fixed
`Sigmoid` passes.
""")

code("""
class SigmoidLayer(nn.Module):
    \"\"\"Linear followed by a custom sigmoid Function.\"\"\"

    def __init__(self, function):
        super().__init__()
        self.linear = nn.Linear(3, 2)
        self.function = function

    def forward(self, x):
        return self.function.apply(self.linear(x))


inputs = ag.randn(4, 3)
broken_report = ag.check_module(SigmoidLayer(BrokenSigmoid), inputs)
fixed_report = ag.check_module(SigmoidLayer(Sigmoid), inputs)
print("with BrokenSigmoid:", broken_report, sep="\\n")
print("\\nwith Sigmoid:", fixed_report, sep="\\n")

assert not broken_report.passed
assert [ok for _, _, ok, _ in broken_report.rows] == [False, False, False]   # weight, bias, input: all caught
assert fixed_report.passed
""")

md(r"""
## Summary

* Central differences have error $O(\varepsilon^2)$; rounding adds $O(u/\varepsilon)$. In float64 the
  best $\varepsilon$ is near $10^{-5}$ to $10^{-6}$ and gives about 10 correct digits; in float32 no
  $\varepsilon$ gives more than about 5, too few for a tight check. Hence `gradcheck` in float64,
  `eps=1e-6`, `atol=1e-5`, `rtol=1e-3`.
* `ag.gradcheck` found a `.detach()` in the middle of a computation and a custom `Function`
  whose backward forgot a factor; its message names the input, element, both values.
* `ag.check_module` checks every parameter of a layer; a module built on the broken
  `Function` fails for all of them, the fixed one passes.
* Check at random points: at a kink (ReLU at 0) the finite difference is not a derivative.
""")

write(NAME)
