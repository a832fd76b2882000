"""Builds notebooks/01_computation_graph.ipynb: the computation graphs of articles 003 and 000.

    python notebooks/src/01_computation_graph.py
    python scripts/execute_notebooks.py notebooks/01_computation_graph.ipynb
"""
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

NOTEBOOK = Path(__file__).resolve().parent.parent / "01_computation_graph.ipynb"

CELLS = [
    ("md", r"""
# 1. The computation graph

Every value an autodiff engine computes remembers **which operation made it and from what**.
Those records form a *computation graph*: variables are **boxes**, operators are **circles**,
data flows **left to right**. Backpropagation walks the same graph right to left, applying the
chain rule at every circle.

This notebook draws the three graphs of the articles with `ag.draw`:

1. article 003's warm-up, $J(a, b, c) = 3(a + bc)$: every partial derivative, with `ag.Scalar`
   and with `ag.Tensor`;
2. article 003's loss graph $\hat y = w x$, $\text{loss} = (\hat y - y)^2$: the forward pass,
   then the backward pass one step at a time, with the chain rule written out as a table;
3. article 000's figure: a one-hidden-layer network with L2 regularisation.
"""),
    ("code", r"""
%matplotlib inline
import numpy as np
from IPython.display import display

import autograd as ag
import nn
"""),
    ("md", r"""
## 1.1 $J(a, b, c) = 3(a + bc)$ with `Scalar`

Article 003 splits $J$ into named intermediate steps, $v = bc$, $u = a + v$, $J = 3u$, and asks
for $\partial J/\partial a$, $\partial J/\partial b$, $\partial J/\partial c$. By the chain rule

$$\frac{\partial J}{\partial a} = \frac{\partial J}{\partial u}\frac{\partial u}{\partial a} = 3 \cdot 1 = 3,\qquad
\frac{\partial J}{\partial b} = \frac{\partial J}{\partial u}\frac{\partial u}{\partial v}\frac{\partial v}{\partial b}
= 3 \cdot 1 \cdot c = 3c,\qquad
\frac{\partial J}{\partial c} = 3b.$$

At $a = 5$, $b = 3$, $c = 2$: $v = 6$, $u = 11$, $J = 33$, and the gradients are $3$, $6$, $9$.
`ag.Scalar` (micrograd's `Value`) is the smallest way to build this graph: one node per number.
"""),
    ("code", r"""
a, b, c = ag.Scalar(5.0, label="a"), ag.Scalar(3.0, label="b"), ag.Scalar(2.0, label="c")
v = b * c
v.label = "v"
u = a + v
u.label = "u"
J = 3 * u
J.label = "J"
J.backward()
print(f"J = {J.data},  dJ/da = {a.grad},  dJ/db = {b.grad},  dJ/dc = {c.grad},  dJ/du = {u.grad},  dJ/dv = {v.grad}")

assert (v.data, u.data, J.data) == (6.0, 11.0, 33.0)
assert a.grad == 3.0
assert b.grad == 3 * c.data == 6.0
assert c.grad == 3 * b.data == 9.0
assert u.grad == 3.0 and v.grad == 3.0
"""),
    ("md", r"""
The drawing writes each value and its gradient $\partial J/\partial(\text{box})$ on the box.
The constant 3 is a box too (a `Scalar` made from the Python number); its "gradient" $u = 11$ is
what $J$ would change by per unit change of that constant.
"""),
    ("code", r"""
ag.draw(J)
"""),
    ("md", r"""
### The forward pass, one operation at a time

`ag.draw_forward_steps` replays the forward pass in the order it ran: each frame computes one
value from values already there and stores it in its box. Those stored values are what the
backward pass will read (article 000's point about memory). In Jupyter the steps show as a
stepper (a slider and play button); `steps.save("forward.gif")` writes the same frames as an
animation, and `print(steps)` as a table.
"""),
    ("code", r"""
forward = ag.draw_forward_steps(J)
print(forward)
assert [step.name for step in forward.steps] == ["v", "u", "J"]  # the Scalars' labels
assert [step.value for step in forward.steps] == [6.0, 11.0, 33.0]
stepper = forward.stepper()
stepper.go(1)  # what the slider does: frame 2 of 3, u = a + v stored
assert stepper.step == 1 and stepper.frame == forward.png_frames()[1]
forward
"""),
    ("md", r"""
### The same graph with `Tensor`

With tensors the graph is recorded the same way; `names=` labels the boxes. A drawing made
*before* `backward()` computes its gradients from the graph itself (the caption says so), so it can
be checked against what `backward()` then stores in `.grad`. Intermediate tensors keep their
`.grad` only if they ask for it with `retain_grad()`, as in PyTorch.
"""),
    ("code", r"""
a = ag.tensor(5.0, dtype=ag.float64, requires_grad=True)
b = ag.tensor(3.0, dtype=ag.float64, requires_grad=True)
c = ag.tensor(2.0, dtype=ag.float64, requires_grad=True)
v = b * c
u = a + v
J = 3 * u
v.retain_grad()
u.retain_grad()
drawing = ag.draw(J, names={"a": a, "b": b, "c": c, "v": v, "u": u, "J": J})
J.backward()

assert J.item() == 33.0
assert (a.grad.item(), b.grad.item(), c.grad.item()) == (3.0, 6.0, 9.0)
assert (u.grad.item(), v.grad.item()) == (3.0, 3.0)
drawing
"""),
    ("md", r"""
## 1.2 The loss graph of $\hat y = w x$, $\text{loss} = (\hat y - y)^2$

Article 003's smallest "neural network" is one weight: $\hat y = w x$, trained with the squared
error $\text{loss} = (\hat y - y)^2$. With $x = 1$, $w = 1$ and the label $y = 2$:

* forward: $\hat y = 1$, $\hat y - y = -1$, $\text{loss} = 1$;
* backward: $\dfrac{\partial\,\text{loss}}{\partial w} = 2(\hat y - y)\cdot x = 2 \cdot (-1) \cdot 1 = -2$.

First the forward pass alone: the values the graph stores for the backward pass (`grads=False`
leaves the gradients off). Grey boxes are data that need no gradient ($x$, $y$); the blue box is
the parameter $w$.
"""),
    ("code", r"""
x = ag.tensor(1.0, dtype=ag.float64)
y = ag.tensor(2.0, dtype=ag.float64)
w = ag.tensor(1.0, dtype=ag.float64, requires_grad=True)
y_hat = w * x
residual = y_hat - y
loss = residual ** 2
names = {"w": w, "x": x, "y": y, "ŷ": y_hat, "ŷ − y": residual, "loss": loss}

assert (y_hat.item(), residual.item(), loss.item()) == (1.0, -1.0, 1.0)
ag.draw(loss, names=names, grads=False)
"""),
    ("md", r"""
### Backward, one node at a time

`ag.draw_backward_steps` replays the backward pass in the order the engine visits the nodes
(reverse topological order). Each frame highlights the node being visited; red dashed edges carry
the gradients passed so far. Step 1 starts at the loss with $\partial\,\text{loss}/\partial\,\text{loss} = 1$.
"""),
    ("code", r"""
steps = ag.draw_backward_steps(loss, names=names)
print(f"{len(steps)} steps")
display(steps[0])
display(steps[2])
"""),
    ("md", r"""
All the steps as a stepper: drag the slider or press play. Each frame's caption is its row of the
chain rule, *upstream × local = passed*.
"""),
    ("code", r"""
assert steps.caption(0) == "step 1 of 4: ∂/∂(ŷ − y) = 1 × -2 = -2"
steps
"""),
    ("md", r"""
The last frame: every gradient is known, and the one we want, $\partial\,\text{loss}/\partial w = -2$,
has arrived at $w$.
"""),
    ("code", r"""
steps[len(steps) - 1]
"""),
    ("md", r"""
The same walk as the chain rule, one row per input of each visited node:
*passed = upstream × local derivative*. At the square, the local derivative is $2(\hat y - y) = -2$;
at the subtraction it is $1$ for $\hat y$; at the product it is $x = 1$ for $w$.
"""),
    ("code", r"""
print(steps)

by_name = {step.name: step for step in steps.steps}
assert by_name["loss"].upstream == 1.0
assert by_name["ŷ − y"].upstream == -2.0
assert by_name["ŷ"].upstream == -2.0
assert by_name["w"].upstream == -2.0
"""),
    ("md", r"""
Both passes on one drawing (`backward=True`): black edges forward, red dashed edges backward,
each labelled with the gradient it carries. Then `loss.backward()` stores the same $-2$ in
`w.grad`, and one step of gradient descent with article 003's learning rate 0.01 moves $w$
towards the answer $w = 2$.
"""),
    ("code", r"""
drawing = ag.draw(loss, names=names, backward=True)
loss.backward()
assert w.grad.item() == 2 * (w.item() * x.item() - y.item()) * x.item() == -2.0

with ag.no_grad():
    w -= 0.01 * w.grad
print(f"after one step: w = {w.item():.2f}")
assert np.isclose(w.item(), 1.02)
drawing
"""),
    ("md", r"""
## 1.3 Article 000's figure: a regularised one-hidden-layer network

Article 000 draws the forward pass of a one-hidden-layer network with an L2 penalty
(**squares are variables, circles are operators, data flows left to right**):

$$z = W_1 x,\quad h = \phi(z),\quad o = W_2 h,\quad L = \ell(o, y),\quad
s = \tfrac{\lambda}{2}\left(\lVert W_1\rVert^2 + \lVert W_2\rVert^2\right),\quad J = L + s.$$

Here $\phi$ is the sigmoid, $\ell(o, y) = \lVert o - y \rVert^2$, $\lambda = 0.1$, two inputs, two
hidden units and one output. Naming the intermediate tensors makes the drawing read like the
article's figure. The objective has two branches: the data term $L$ reaches $W_1$ and $W_2$ through
the network, the penalty $s$ reaches them directly, so each weight's gradient is a sum of two
paths: $\partial J/\partial W = \partial L/\partial W + \lambda W$.
"""),
    ("code", r"""
lam = 0.1
x = ag.tensor([1.0, -1.0], dtype=ag.float64)
y = ag.tensor([1.0], dtype=ag.float64)
W1 = ag.tensor([[0.2, -0.3], [0.4, 0.1]], dtype=ag.float64, requires_grad=True)
W2 = ag.tensor([[0.5, -0.6]], dtype=ag.float64, requires_grad=True)

z = W1 @ x
h = ag.sigmoid(z)
o = W2 @ h
error = o - y
squared = error ** 2
L = squared.sum()
squares_W1, squares_W2 = W1 ** 2, W2 ** 2
norm_W1, norm_W2 = squares_W1.sum(), squares_W2.sum()
norms = norm_W1 + norm_W2
s = lam / 2 * norms
J = L + s

drawing = ag.draw(J, names={"x": x, "y": y, "W1": W1, "W2": W2, "z": z, "h": h, "o": o, "o − y": error,
                            "(o − y)²": squared, "L": L, "W1²": squares_W1, "W2²": squares_W2, "‖W1‖²": norm_W1,
                            "‖W2‖²": norm_W2, "‖W1‖² + ‖W2‖²": norms, "s": s, "J": J})
J.backward()
drawing
"""),
    ("md", r"""
The same numbers by hand in NumPy, backward included, to check the drawing and `.grad`:
$\delta_o = 2(o - y)$, $\partial L/\partial W_2 = \delta_o h^\top$,
$\delta_z = (W_2^\top \delta_o) \odot h(1 - h)$, $\partial L/\partial W_1 = \delta_z x^\top$.
"""),
    ("code", r"""
x_, y_, W1_, W2_ = (np.asarray(t.detach()) for t in (x, y, W1, W2))
z_ = W1_ @ x_
h_ = 1 / (1 + np.exp(-z_))
o_ = W2_ @ h_
L_ = np.sum((o_ - y_) ** 2)
s_ = lam / 2 * (np.sum(W1_ ** 2) + np.sum(W2_ ** 2))
delta_o = 2 * (o_ - y_)
delta_z = (W2_.T @ delta_o) * h_ * (1 - h_)
grad_W2 = np.outer(delta_o, h_) + lam * W2_
grad_W1 = np.outer(delta_z, x_) + lam * W1_
print(f"L = {L_:.4f}, s = {s_:.4f}, J = {L_ + s_:.4f}")

np.testing.assert_allclose(J.item(), L_ + s_, rtol=1e-12)
np.testing.assert_allclose(W1.grad.numpy(), grad_W1, rtol=1e-12)
np.testing.assert_allclose(W2.grad.numpy(), grad_W2, rtol=1e-12)
"""),
    ("md", r"""
### The same network with `nn`

Written with `nn.Linear` layers the graph is the same computation; `params=model` names the
parameters and `collapse=True` draws each layer as one rounded box with its parameters' gradient
norms, which keeps big models readable. (`nn.Linear` computes $x W^\top$, so an uncollapsed
drawing would show a transpose before each product.)

Here the intermediate results are not kept in Python variables, and the graph itself keeps only
what the backward pass needs: the sigmoid's derivative $h(1 - h)$ is written with its *output* $h$,
so $h$ is kept and its input $z$ is not; a sum's derivative needs nothing, so the squared errors it
adds up are gone. The drawing still shows every value: it runs the forward of each operation again
on its inputs' values (the same code on the same numbers), and names each unnamed box by the
expression that made it. Drawn uncollapsed, each `nn.Linear` is a cluster titled by its type.
"""),
    ("code", r"""
model = nn.Sequential(nn.Linear(2, 2, bias=False), nn.Sigmoid(), nn.Linear(2, 1, bias=False)).double()
with ag.no_grad():
    model[0].weight.copy_(W1.detach())
    model[2].weight.copy_(W2.detach())
o = model(x)
L = ((o - y) ** 2).sum()
s = lam / 2 * ((model[0].weight ** 2).sum() + (model[2].weight ** 2).sum())
J = L + s
drawing = ag.draw(J, params=model, names={"x": x, "y": y, "o": o, "L": L, "s": s, "J": J}, collapse=True)
full = ag.draw(J, params=model, names={"x": x, "y": y})
J.backward()
assert "0: Linear(2→2)" in drawing.source and "2: Linear(2→1)" in full.source
assert "not known" not in full.source and "unnamed" not in full.source

np.testing.assert_allclose(model[0].weight.grad.numpy(), grad_W1, rtol=1e-12)
np.testing.assert_allclose(model[2].weight.grad.numpy(), grad_W2, rtol=1e-12)
display(drawing)
full
"""),
    ("md", r"""
**What to remember.** The forward pass stores every intermediate value (the boxes); the backward
pass reuses them, visiting the circles in reverse and multiplying local derivatives. That stored
state is why training needs more memory than inference (article 000), and why a value used on two
paths ($W_1$ and $W_2$ above) receives the sum of the gradients of both paths.
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
