"""Builds notebooks/05_optimisers.ipynb: article 002's optimisers (SGD, momentum, Nesterov, Adagrad,
RMSProp, Adam), their formulas mapped onto `optim`, and their trajectories on two 2-D surfaces.

    python notebooks/src/05_optimisers.py
    python scripts/execute_notebooks.py notebooks/05_optimisers.ipynb
"""
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

NOTEBOOK = Path(__file__).resolve().parent.parent / "05_optimisers.ipynb"

# Article 002's update rules next to the optim call that reproduces each (rows too long for one source line).
OPTIM_TABLE = "\n".join([
    r"| article 002 | update | `optim` |",
    r"|---|---|---|",
    r"| SGD | $w \gets w - \alpha g$ | `SGD(lr=α)` |",
    r"| Momentum | $v \gets n v - \alpha g,\ w \gets w + v$ | `SGD(lr=α, momentum=n)` |",
    r"| Nesterov (NAG) | $v \gets n v - \alpha \nabla J(w + n v),\ w \gets w + v$ | `SGD(lr=α, momentum=n, nesterov=True)` |",
    r"| Adagrad | $c \gets c + g^2,\ w \gets w - \alpha g / (\sqrt c + \varepsilon)$ | `Adagrad(lr=α, eps=ε)` |",
    r"| RMSProp | $c \gets \gamma c + (1 - \gamma) g^2,\ w \gets w - \alpha g / (\sqrt c + \varepsilon)$ "
    r"| `RMSprop(lr=α, alpha=γ, eps=ε)` |",
    r"| Adam | $m \gets \beta_1 m + (1 - \beta_1) g,\ c \gets \beta_2 c + (1 - \beta_2) g^2,\ "
    r"w \gets w - \alpha m / (\sqrt c + \varepsilon)$ | `Adam(lr=α, betas=(β1, β2), eps=ε)`, with bias correction |",
])

CELLS = [
    ("md", r"""
# 5. Optimisers, made visible

Article 002 walks from plain SGD to Adam, each method fixing a weakness of the one before: SGD
stops in the first valley it finds, **momentum** rolls through it, **Nesterov** looks ahead before
stepping, **Adagrad** gives every weight its own learning rate, **RMSProp** stops Adagrad's rates
from dying out, and **Adam** combines momentum with RMSProp. This notebook

1. writes each of the article's update formulas in NumPy and shows which `optim` class and
   hyper-parameters reproduce it (asserted step by step);
2. runs all six on a surface with a local minimum, where SGD gets stuck and momentum escapes;
3. runs them on the Rosenbrock function, a curved narrow valley, with trajectories and loss curves.

Every optimiser here is used the PyTorch way: the parameters are one 2-element tensor `p`,
`opt = optim.X([p], lr=...)`, and each step is `opt.zero_grad(); f(p).backward(); opt.step()`.
"""),
    ("code", r"""
%matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

import autograd as ag
import optim

plt.rcParams.update({"figure.figsize": (7, 4), "figure.dpi": 90})
"""),
    ("md", r"""
## 5.1 The article's formulas and `optim`

With $g$ the gradient at the current weight $w$ and $\alpha$ the learning rate:

{table}

Three of these need a word:

* **Momentum.** PyTorch stores $b = -v/\alpha$ and steps $b \gets n\,b + g$, $w \gets w - \alpha b$: with a
  constant learning rate this is the same sequence of weights. The article's $n$ (0.9 is usual) is `momentum`.
* **Nesterov.** The gradient is taken at the look-ahead point $w + n\,v$, where momentum is about to carry
  the weight. PyTorch rewrites the method so that *the parameter it stores is that look-ahead point*:
  `p` $= w + n\,v$, and only one gradient, at `p`, is needed per step. Same method, shifted bookkeeping.
* **RMSProp and Adam.** The article's decay rate $\gamma$ (0.9 or 0.99) is RMSprop's `alpha` (PyTorch's
  default 0.99). The article gives Adam $\beta_1 = 0.9$, $\beta_2 = 0.99$, $\varepsilon = 10^{-8}$; the Adam paper
  (Kingma and Ba, 2015) recommends $\beta_2 = 0.999$ and divides $m$ and $c$ by $1 - \beta_1^t$ and $1 - \beta_2^t$
  (*bias correction*: both start at zero, so early on they underestimate the gradient's moments).
  `optim.Adam` always applies the correction, as PyTorch does.

The cell below implements the article's formulas in NumPy and runs each next to its `optim`
counterpart for 100 steps on the double-well surface of section 5.2, asserting the weights agree.
""".replace("{table}", OPTIM_TABLE)),
    ("code", r"""
def surface(p):
    '''A valley with two basins: a local minimum near (0.96, 0) and the global one near (-1.04, 0).'''
    x, y = p[0], p[1]
    return (x ** 2 - 1) ** 2 + 0.3 * x + y ** 2


gradient = ag.func.grad(surface)   # NumPy array in, NumPy array out


def article_momentum(w, alpha, n, steps, nesterov=False):
    v, ws, lookaheads = np.zeros_like(w), [w], [w]
    for _ in range(steps):
        g = gradient(w + n * v) if nesterov else gradient(w)
        v = n * v - alpha * g
        w = w + v
        ws.append(w)
        lookaheads.append(w + n * v)
    return np.array(ws), np.array(lookaheads)


def article_adaptive(w, alpha, steps, rule, eps=1e-8, gamma=0.9, betas=(0.9, 0.99), bias_correction=False):
    m, c, ws = np.zeros_like(w), np.zeros_like(w), [w]
    for t in range(1, steps + 1):
        g = gradient(w)
        if rule == "adagrad":
            c = c + g ** 2
            w = w - alpha * g / (np.sqrt(c) + eps)
        elif rule == "rmsprop":
            c = gamma * c + (1 - gamma) * g ** 2
            w = w - alpha * g / (np.sqrt(c) + eps)
        else:  # adam
            m = betas[0] * m + (1 - betas[0]) * g
            c = betas[1] * c + (1 - betas[1]) * g ** 2
            m_hat, c_hat = (m / (1 - betas[0] ** t), c / (1 - betas[1] ** t)) if bias_correction else (m, c)
            w = w - alpha * m_hat / (np.sqrt(c_hat) + eps)
        ws.append(w)
    return np.array(ws)


def run(make_optimizer, f, start, steps):
    '''The optim loop: returns the points visited (steps + 1) and the loss before each step.'''
    p = ag.tensor(start, dtype=ag.float64, requires_grad=True)
    opt = make_optimizer([p])
    points, losses = [p.detach().numpy().copy()], []
    for _ in range(steps):
        opt.zero_grad()
        loss = f(p)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        points.append(p.detach().numpy().copy())
    return np.array(points), np.array(losses)


start, steps = np.array([2.0, 1.0]), 100
def same(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)

ws, _ = article_momentum(start, alpha=0.01, n=0.9, steps=steps)
same(run(lambda ps: optim.SGD(ps, lr=0.01, momentum=0.9), surface, start, steps)[0], ws)

ws, lookaheads = article_momentum(start, alpha=0.01, n=0.9, steps=steps, nesterov=True)
ps = run(lambda ps: optim.SGD(ps, lr=0.01, momentum=0.9, nesterov=True), surface, start, steps)[0]
same(ps, lookaheads)                       # optim's parameter is the look-ahead point w + n v ...
assert np.abs(ps - ws).max() > 1e-3        # ... not the article's w

same(run(lambda ps: optim.Adagrad(ps, lr=0.3, eps=1e-8), surface, start, steps)[0],
     article_adaptive(start, 0.3, steps, "adagrad"))
for gamma in (0.9, 0.99):
    same(run(lambda ps, gamma=gamma: optim.RMSprop(ps, lr=0.01, alpha=gamma, eps=1e-8), surface, start, steps)[0],
         article_adaptive(start, 0.01, steps, "rmsprop", gamma=gamma))
for betas in ((0.9, 0.99), (0.9, 0.999)):
    same(run(lambda ps, betas=betas: optim.Adam(ps, lr=0.1, betas=betas, eps=1e-8), surface, start, steps)[0],
         article_adaptive(start, 0.1, steps, "adam", betas=betas, bias_correction=True))
print("momentum, Nesterov (as its look-ahead point), Adagrad, RMSProp (γ = 0.9, 0.99) and bias-corrected Adam "
      "match optim for 100 steps")
"""),
    ("md", r"""
What bias correction changes. On the first step $m = (1 - \beta_1) g$ and $c = (1 - \beta_2) g^2$, so the
uncorrected step is $\alpha\,\frac{1 - \beta_1}{\sqrt{1 - \beta_2}}\,\mathrm{sign}(g)$. With the article's betas
$\frac{0.1}{\sqrt{0.01}} = 1$: by coincidence the first step has the corrected size $\alpha$. With the paper's
$\beta_2 = 0.999$ it would be $\frac{0.1}{\sqrt{0.001}} \approx 3.16\,\alpha$, an early overshoot the correction
exists to prevent. After a few hundred steps the correction factors tend to 1 and both versions agree.
"""),
    ("code", r"""
alpha = 0.1


def first_step(betas, corrected):
    return article_adaptive(start, alpha, 1, "adam", betas=betas, bias_correction=corrected)[1] - start


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-6)  # eps = 1e-8 shifts the 8th digit


for betas in ((0.9, 0.99), (0.9, 0.999)):
    print(f"betas {betas}: first step without correction {first_step(betas, False)}, with {first_step(betas, True)}")
close(first_step((0.9, 0.99), False), -alpha * np.sign(gradient(start)))
close(first_step((0.9, 0.999), True), -alpha * np.sign(gradient(start)))
close(first_step((0.9, 0.999), False), -alpha * 0.1 / np.sqrt(0.001) * np.sign(gradient(start)))
"""),
    ("md", r"""
## 5.2 A local minimum: SGD stops, momentum rolls on

The surface $f(x, y) = (x^2 - 1)^2 + 0.3x + y^2$ is a valley along $x$ with two basins: a **local**
minimum near $x = 0.96$ ($f \approx 0.29$) and the **global** one near $x = -1.04$ ($f \approx -0.31$), separated
by a ridge near $x = 0.08$. Everyone starts at $(2, 1)$, on the local basin's side, and takes 300 steps.

Plain SGD follows the slope down into the nearest basin and stops there: at a minimum the gradient is
zero, and so is its step. Momentum arrives at the bottom with speed, and the velocity $v$ it has built up
carries it over the ridge into the deeper basin (the article's ball rolling along a corridor). The
learning rates are chosen so that each method converges: 0.01 for the SGD family and RMSProp, 0.3 for
Adagrad, 0.1 for Adam.
"""),
    ("code", r"""
optimisers = {
    "SGD": lambda ps, lr: optim.SGD(ps, lr=lr),
    "Momentum": lambda ps, lr: optim.SGD(ps, lr=lr, momentum=0.9),
    "Nesterov": lambda ps, lr: optim.SGD(ps, lr=lr, momentum=0.9, nesterov=True),
    "Adagrad": lambda ps, lr: optim.Adagrad(ps, lr=lr, eps=1e-8),
    "RMSProp": lambda ps, lr: optim.RMSprop(ps, lr=lr, alpha=0.9, eps=1e-8),
    "Adam": lambda ps, lr: optim.Adam(ps, lr=lr, betas=(0.9, 0.99), eps=1e-8),
}
colors = dict(zip(optimisers, plt.rcParams["axes.prop_cycle"].by_key()["color"]))


def race(f, start, steps, rates):
    return {name: run(lambda ps, make=make, lr=rates[name]: make(ps, lr), f, start, steps) for name, make in optimisers.items()}


well_rates = {"SGD": 0.01, "Momentum": 0.01, "Nesterov": 0.01, "Adagrad": 0.3, "RMSProp": 0.01, "Adam": 0.1}
well_runs = race(surface, [2.0, 1.0], 300, well_rates)

u, v = np.linspace(-2, 2.3, 200), np.linspace(-1.3, 1.3, 120)
X, Y = np.meshgrid(u, v)
Z = surface(np.stack([X, Y]))
profile = surface(np.stack([u, np.zeros_like(u)]))

fig, (ax, ax_profile) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [3, 2]})
ax.contourf(X, Y, Z, levels=np.r_[np.linspace(-0.3, 1.5, 10), 2, 3, 4, 6, 10], cmap="Blues_r", alpha=0.5)
for name, (points, _) in well_runs.items():
    ax.plot(points[:, 0], points[:, 1], "-", color=colors[name], linewidth=1.3, label=name)
    ax.plot(*points[-1], "o", color=colors[name], markersize=5)
ax.plot(2, 1, "k^", label="start (2, 1)")
ax.set(xlabel="x", ylabel="y", title="f(x, y) = (x² − 1)² + 0.3x + y²: 300 steps")
ax.legend(fontsize=8, loc="lower left", ncol=2)

ax_profile.plot(u, profile, color="grey")
for name, (points, _) in well_runs.items():
    x_end = points[-1, 0]
    ax_profile.plot(x_end, surface(np.array([x_end, 0.0])), "o", color=colors[name], markersize=7, alpha=0.8, label=name)
ax_profile.set(xlabel="x", ylabel="f(x, 0)", title="Where each one ends, on the cross-section y = 0", ylim=(-0.6, 3))
ax_profile.legend(fontsize=8)
fig.tight_layout()
plt.show()
"""),
    ("code", r"""
ridge = 0.08  # the local maximum of f(x, 0) between the basins
x_ridge = u[np.argmax(np.where((u > -0.5) & (u < 0.5), profile, -np.inf))]
assert abs(x_ridge - ridge) < 0.03
for name, (points, _) in well_runs.items():
    basin = "global" if points[-1, 0] < ridge else "local"
    print(f"{name:9} ends at ({points[-1, 0]:+.3f}, {points[-1, 1]:+.3f}), f = {surface(points[-1]):+.4f}: {basin} basin")

global_x = well_runs["Momentum"][0][-1, 0]
assert 0.9 < well_runs["SGD"][0][-1, 0] < 1.0                  # SGD: stuck in the local minimum
assert -1.1 < global_x < -1.0                                   # momentum: escaped to the global one
assert -1.1 < well_runs["Nesterov"][0][-1, 0] < -1.0            # Nesterov too
for name in ("Adagrad", "RMSProp", "Adam"):
    assert well_runs[name][0][-1, 0] > ridge                    # the adaptive ones stay where they started
np.testing.assert_allclose(gradient(well_runs["Momentum"][0][-1]), 0, atol=1e-4)  # a true minimum, not a passing point
"""),
    ("md", r"""
Momentum and Nesterov end in the global minimum; SGD, Adagrad, RMSProp and Adam end in the local one
(their four markers overlap on the right).
The adaptive methods divide each step by the recent gradient size, so their steps are about $\alpha$ long
whatever the slope: they neither accelerate down the long slope nor keep speed at the bottom. Adam does
have momentum ($\beta_1 = 0.9$), but its normalised steps stay about $\alpha = 0.1$ long, which is not enough
to climb the ridge. Which basin a method reaches depends on its learning rate and start, not only on the
method: momentum is no guarantee of the global minimum, only a way past shallow ones.

## 5.3 The Rosenbrock function

$$f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2$$

has its minimum $0$ at $(1, 1)$, at the end of a long, narrow, curved valley: steep walls (curvature about
1000 across the valley) and an almost flat floor (curvature about 1 along it). Plain gradient descent
must use a learning rate small enough for the walls ($\alpha < 2/1000$), and then crawls along the floor.
Start $(-1.2, 1)$, 2000 steps. Learning rates: $10^{-3}$ for the SGD family (the walls allow no more), 0.5 for
Adagrad, $3\times10^{-3}$ for RMSProp ($\gamma = 0.9$), 0.02 for Adam (the article's betas 0.9, 0.99).
"""),
    ("code", r"""
def rosenbrock(p):
    x, y = p[0], p[1]
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


rosen_rates = {"SGD": 1e-3, "Momentum": 1e-3, "Nesterov": 1e-3, "Adagrad": 0.5, "RMSProp": 3e-3, "Adam": 0.02}
rosen_runs = race(rosenbrock, [-1.2, 1.0], 2000, rosen_rates)

u, v = np.linspace(-2, 2, 300), np.linspace(-1, 3, 300)
X, Y = np.meshgrid(u, v)
Z = rosenbrock(np.stack([X, Y]))

fig, (ax, ax_loss) = plt.subplots(1, 2, figsize=(11, 4.5))
ax.contourf(X, Y, Z, levels=np.r_[0, np.logspace(-1, 3.5, 19)], cmap="Blues_r", alpha=0.5, norm="log")
for name, (points, _) in rosen_runs.items():
    ax.plot(points[:, 0], points[:, 1], "-", color=colors[name], linewidth=1.2, label=name)
ax.plot(-1.2, 1, "k^", label="start (−1.2, 1)")
ax.plot(1, 1, "k*", markersize=12, label="minimum (1, 1)")
ax.set(xlabel="x", ylabel="y", title="Rosenbrock: 2000 steps", xlim=(-2, 2), ylim=(-1, 3))
ax.legend(fontsize=8, loc="upper center", ncol=3)

for name, (_, losses) in rosen_runs.items():
    ax_loss.semilogy(losses, color=colors[name], label=f"{name} (lr {rosen_rates[name]:g})")
ax_loss.set(xlabel="step", ylabel="f (log scale)", title="Loss against steps")
ax_loss.legend(fontsize=8)
fig.tight_layout()
plt.show()
"""),
    ("code", r"""
final = {name: rosenbrock(points[-1]) for name, (points, _) in rosen_runs.items()}
distance = {name: np.linalg.norm(points[-1] - 1) for name, (points, _) in rosen_runs.items()}
for name in rosen_runs:
    print(f"{name:9} f = {final[name]:.2e}, distance to (1, 1) = {distance[name]:.2e}")

assert final["Momentum"] < 1e-6 and final["Nesterov"] < 1e-6    # momentum runs along the valley floor
assert final["SGD"] > 1e3 * final["Momentum"]                   # plain SGD is still crawling along it
assert distance["Adam"] < 0.01                                  # Adam gets there too ...
adam_losses = rosen_runs["Adam"][1]
assert adam_losses[1000:].min() < 1e-2 * adam_losses[-1]        # ... but hovers: a constant lr keeps its steps ~lr long
assert all(distance[name] < distance["SGD"] for name in ("Adagrad", "RMSProp", "Adam"))
"""),
    ("md", r"""
What the curves show:

* **SGD** creeps: its learning rate is capped by the steep walls, so along the flat floor each step is tiny.
* **Momentum and Nesterov** accumulate velocity along the floor, where successive gradients agree, while the
  back-and-forth across the walls cancels out; they reach the minimum to many digits. Nesterov's look-ahead
  damps the swings across the valley a little earlier.
* **Adagrad** takes big first steps (each is $\alpha$ long in every coordinate) and then slows down for good:
  its cache only grows, so its effective learning rate keeps shrinking (the weakness article 002 notes).
* **RMSProp** forgets old gradients ($\gamma = 0.9$), so its steps stay lively; **Adam** adds momentum to that and
  gets close fastest among the adaptive methods, but with a constant learning rate its normalised steps stay
  about $\alpha$ long, so it keeps bouncing around the minimum instead of settling; in practice its learning
  rate is decayed by a scheduler (`optim.lr_scheduler`).

No optimiser wins everywhere: on the double well the adaptive methods stopped in the local minimum, on
Rosenbrock they beat plain SGD by orders of magnitude. Momentum did well on both.
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
