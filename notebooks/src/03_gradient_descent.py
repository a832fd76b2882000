"""Builds notebooks/03_gradient_descent.ipynb: article 000's gradient-descent example on
J(x, y) = x^2 + 2y^2, its surface, and the effect of the learning rate.

    python notebooks/src/03_gradient_descent.py
    python scripts/execute_notebooks.py notebooks/03_gradient_descent.ipynb
"""
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

NOTEBOOK = Path(__file__).resolve().parent.parent / "03_gradient_descent.ipynb"

CELLS = [
    ("md", r"""
# 3. Gradient descent

Gradient descent repeats one step: from the current parameters $\theta_n$, move against the gradient,

$$\theta_{n+1} = \theta_n - \eta\,\nabla J(\theta_n),$$

because $-\nabla J$ is the direction in which $J$ falls fastest; the learning rate $\eta$ sets how far.
Article 000 runs it on the convex bowl

$$J(x, y) = x^2 + 2y^2,\qquad \nabla J = (2x,\ 4y),$$

from $(-3, -3)$ with $\eta = 0.1$, for at most 50 steps, stopping once $J < 5\times10^{-3}$. Here the
engine computes the gradients (the article wrote $\nabla J$ by hand), the path is drawn on the surface
and on a contour map, and four learning rates show the four behaviours of the article's last figure.
"""),
    ("code", r"""
%matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

import autograd as ag

plt.rcParams.update({"figure.figsize": (7, 4), "figure.dpi": 90})
"""),
    ("md", r"""
## 3.1 The article's run, with the engine computing $\nabla J$

The loop follows the article's exactly: record the point and $J$ there, take the gradient step, and
stop once the recorded $J$ is below the threshold. The parameters are one 2-element tensor; each
iteration builds the graph of $J$, `backward()` fills `theta.grad`, and the update runs under
`no_grad()` so that it is not itself recorded.
"""),
    ("code", r"""
def J(theta):
    return theta[0] ** 2 + 2 * theta[1] ** 2


eta, error, max_steps = 0.1, 5e-3, 50
theta = ag.tensor([-3.0, -3.0], dtype=ag.float64, requires_grad=True)
path, values = [], []
for i in range(max_steps):
    z = J(theta)
    path.append(theta.detach().numpy().copy())
    values.append(z.item())
    z.backward()
    if i < 3:
        print(f"{i}: x={path[-1][0]:.6f}, y={path[-1][1]:.6f}, z={values[-1]:.6f}   grad {theta.grad.numpy()}")
    with ag.no_grad():
        theta -= eta * theta.grad
    theta.grad = None
    if values[-1] < error:
        break
print("   ...")
print(f"{i}: x={path[-1][0]:.6f}, y={path[-1][1]:.6f}, z={values[-1]:.6f}   (J < {error}: stop)")
path, values = np.array(path), np.array(values)
"""),
    ("md", r"""
Each step multiplies $x$ by $1 - 2\eta = 0.8$ and $y$ by $1 - 4\eta = 0.6$, so the whole path is known in
closed form: $x_k = -3\cdot0.8^k$, $y_k = -3\cdot0.6^k$, and $J_k = 9\cdot0.64^k + 18\cdot0.36^k$. $J_{16} \approx 7.1\times10^{-3}$
is still above the threshold and $J_{17} \approx 4.6\times10^{-3}$ is the first below it: the run stops at step 17,
after 18 recorded points.
"""),
    ("code", r"""
k = np.arange(len(path))
np.testing.assert_allclose(path[:, 0], -3 * 0.8 ** k, rtol=1e-12)
np.testing.assert_allclose(path[:, 1], -3 * 0.6 ** k, rtol=1e-12)
np.testing.assert_allclose(values, 9 * 0.64 ** k + 18 * 0.36 ** k, rtol=1e-12)
assert i == 17 and len(path) == 18
assert values[16] >= error > values[17]
print(f"stopped at step {i}: J_16 = {values[16]:.2e}, J_17 = {values[17]:.2e}")
"""),
    ("md", r"""
### The same with `ag.func.grad`

`ag.func.grad(J)` turns $J$ into the function $\theta \mapsto \nabla J(\theta)$ (as `torch.func.grad` and
`jax.grad` do), so the loop is the formula itself, on plain NumPy arrays, with no `.grad` to clear.
"""),
    ("code", r"""
grad_J = ag.func.grad(J)
theta = np.array([-3.0, -3.0])
functional_path = []
for _ in range(max_steps):
    functional_path.append(theta)
    if J(theta) < error:
        break
    theta = theta - eta * grad_J(theta)

print(f"grad_J at the start: {grad_J(np.array([-3.0, -3.0]))}")
np.testing.assert_allclose(grad_J(np.array([-3.0, -3.0])), [-6.0, -12.0])
np.testing.assert_allclose(np.array(functional_path), path, rtol=1e-12)
"""),
    ("md", r"""
## 3.2 The path on the surface

> **Note: the article's plotting code draws the wrong surface.** Its `show_3d_surface` fills the grid with
> `pow(X, 2) + 4*pow(Y, 2)`, i.e. $x^2 + 4y^2$, while the path it plots on top was computed for
> $x^2 + 2y^2$; at the start $(-3, -3)$ that surface is at $45$ while the path is at $J = 27$, so the path
> does not lie on the surface drawn. (Its `Axes3D(fig)` also no longer adds the axes to the figure in
> current matplotlib; `fig.add_subplot(projection="3d")` does.) Below is the correct surface, $x^2 + 2y^2$,
> evaluated with the same `J` that produced the path.
"""),
    ("code", r"""
def article_surface(x, y):
    return x ** 2 + 4 * y ** 2


assert J(np.array([-3.0, -3.0])) == values[0] == 27.0 and article_surface(-3.0, -3.0) == 45.0

u = np.linspace(-3.5, 3.5, 141)
X, Y = np.meshgrid(u, u)
Z = J(np.stack([X, Y]))

fig = plt.figure(figsize=(7, 5))
ax = fig.add_subplot(projection="3d")
ax.computed_zorder = False  # draw the path over the surface, not hidden behind it
ax.plot_surface(X, Y, Z, cmap="rainbow", alpha=0.6, linewidth=0)
ax.plot(path[:, 0], path[:, 1], values, c="black", linewidth=1.5, marker="o", markersize=3, label="gradient descent, η = 0.1")
ax.set(xlabel="x", ylabel="y", zlabel="J(x, y)", title="J(x, y) = x² + 2y² and the descent path from (−3, −3)")
ax.view_init(elev=35, azim=-60)
ax.legend(loc="upper left")
plt.show()
"""),
    ("md", r"""
## 3.3 The contour view

Seen from above, each step is perpendicular to the contour line it starts on. The bowl is twice as
steep along $y$ as along $x$ (curvatures $4$ and $2$), so $y$ shrinks faster ($\times0.6$ per step against
$\times0.8$) and the path bends: it first drops towards the $x$ axis, then runs along it to the minimum.
"""),
    ("code", r"""
fig, ax = plt.subplots(figsize=(7, 4))
contours = ax.contour(X, Y, Z, levels=[0.1, 0.5, 1, 2, 4, 8, 16, 27, 40], cmap="viridis", linewidths=1)
ax.clabel(contours, fontsize=7)
ax.plot(path[:, 0], path[:, 1], "o-", color="black", markersize=3, label=f"η = {eta}: {len(path) - 1} steps")
ax.plot(0, 0, "r*", markersize=12, label="minimum (0, 0)")
ax.set(xlabel="x", ylabel="y", title="Contours of J(x, y) = x² + 2y² with the descent path", aspect="equal")
ax.legend(loc="upper right")
plt.show()
"""),
    ("md", r"""
## 3.4 How the learning rate changes the run

On this $J$ gradient descent acts on each coordinate separately:

$$x_{k+1} = (1 - 2\eta)\,x_k,\qquad y_{k+1} = (1 - 4\eta)\,y_k.$$

A coordinate converges when its factor lies strictly between $-1$ and $1$. The $y$ direction, with
curvature $4$, is the binding one: $|1 - 4\eta| < 1$ needs $\eta < 0.5$ (in general $\eta < 2/\lambda_\max$,
with $\lambda_\max$ the largest curvature, the Hessian's largest eigenvalue). Four learning rates, 50 steps
each, no early stop:

| $\eta$ | factor on $x$ | factor on $y$ | behaviour |
|---|---|---|---|
| 0.01 | 0.98 | 0.96 | too small: converges, slowly |
| 0.1 | 0.8 | 0.6 | good: fast, monotone |
| 0.45 | 0.1 | −0.8 | oscillating: $y$ flips sign every step while shrinking |
| 0.55 | −0.1 | −1.2 | diverging: $y$ flips sign and grows by 1.2 each step |

On this symmetric bowl $J$ depends on $y^2$, so at $\eta = 0.45$ the loss itself still falls smoothly;
the oscillation shows in the parameter (right panel). On a loss that is not symmetric about its
minimum the same overshooting makes the loss curve zigzag, as in the article's sketch.
"""),
    ("code", r"""
def descend(eta, steps=50, start=(-3.0, -3.0)):
    '''Gradient descent on J with the engine; returns the points visited and J at each.'''
    theta = ag.tensor(start, dtype=ag.float64, requires_grad=True)
    points, losses = [], []
    for _ in range(steps + 1):
        loss = J(theta)
        points.append(theta.detach().numpy().copy())
        losses.append(loss.item())
        loss.backward()
        with ag.no_grad():
            theta -= eta * theta.grad
        theta.grad = None
    return np.array(points), np.array(losses)


rates = {0.01: "too small", 0.1: "good", 0.45: "oscillating", 0.55: "diverging"}
runs = {rate: descend(rate) for rate in rates}

fig, (ax_loss, ax_y) = plt.subplots(1, 2, figsize=(11, 4))
for rate, (points, losses) in runs.items():
    ax_loss.semilogy(losses, label=f"η = {rate}: {rates[rate]}")
    ax_y.plot(points[:21, 1], ".-", markersize=4)
ax_loss.axhline(error, color="grey", linestyle=":", label="stopping threshold 5e-3")
ax_loss.set(xlabel="step", ylabel="J (log scale)", title="Loss J(x, y) = x² + 2y²")
ax_y.set(xlabel="step", ylabel="y", ylim=(-8, 8), title="The y coordinate, first 20 steps")
fig.legend(loc="lower center", ncol=5, fontsize=9)
fig.suptitle("Four learning rates, 50 steps each from (−3, −3)")
fig.tight_layout(rect=(0, 0.08, 1, 1))
plt.show()
"""),
    ("code", r"""
fig, axes = plt.subplots(1, 4, figsize=(11, 3.2), sharey=True)
for ax, (rate, (points, _)) in zip(axes, runs.items()):
    ax.contour(X, Y, Z, levels=[0.5, 2, 8, 27], colors="lightgrey", linewidths=0.8)
    shown = points[:16]
    ax.plot(shown[:, 0], shown[:, 1], "o-", markersize=2.5, linewidth=1)
    ax.set(title=f"η = {rate}: {rates[rate]}", xlabel="x", xlim=(-4, 4), ylim=(-4, 4), aspect="equal")
axes[0].set_ylabel("y")
fig.suptitle("The first 15 steps from (−3, −3)")
fig.tight_layout()
plt.show()
"""),
    ("md", r"""
Every run follows the closed form $x_k = -3(1 - 2\eta)^k$, $y_k = -3(1 - 4\eta)^k$ exactly, and the
behaviours in the table are asserted: the small rate still has $J > 5\times10^{-3}$ after 50 steps, the good
rate gets there in 17, $\eta = 0.45$ converges while $y$ alternates in sign, and $\eta = 0.55$ ends far above
where it started.
"""),
    ("code", r"""
for rate, (points, _) in runs.items():
    k = np.arange(len(points))
    np.testing.assert_allclose(points[:, 0], -3 * (1 - 2 * rate) ** k, rtol=1e-10)
    np.testing.assert_allclose(points[:, 1], -3 * (1 - 4 * rate) ** k, rtol=1e-10)

first_below = {rate: int(np.argmax(losses < error)) if (losses < error).any() else None for rate, (_, losses) in runs.items()}
print("first step with J < 5e-3:", first_below)
assert first_below[0.01] is None and first_below[0.1] == 17

small, good, oscillating, diverging = (runs[rate] for rate in rates)
assert np.all(np.diff(small[1]) < 0) and np.all(np.diff(good[1]) < 0)          # monotone descent
assert np.all(np.sign(oscillating[0][1:, 1]) == -np.sign(oscillating[0][:-1, 1]))  # y flips every step
assert oscillating[1][-1] < error                                                 # ... and still converges
assert diverging[1][-1] > 1e6 * diverging[1][0]                                   # 1.2^100 growth in J
"""),
    ("md", r"""
**What to remember.** The largest stable learning rate is set by the steepest direction of the loss
($\eta < 2/\lambda_\max$), while progress along the flattest direction is what takes the time: with
$\eta = 0.1$ the $x$ coordinate, not $y$, decides when the run stops. That tension, one rate for directions
of very different curvature, is what momentum and the adaptive optimisers of notebook 5 address.
"""),
]


def build(path: Path = NOTEBOOK) -> None:
    """Writes the notebook (without outputs; scripts/execute_notebooks.py fills them in)."""
    cells = [new_markdown_cell(text.strip()) if kind == "md" else new_code_cell(text.strip()) for kind, text in CELLS]
    notebook = new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}})
    nbformat.write(notebook, path)


if __name__ == "__main__":
    build()
