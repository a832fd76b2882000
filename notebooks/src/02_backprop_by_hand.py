"""Builds notebooks/02_backprop_by_hand.ipynb: article 004's hand-written backward pass and article
001's equations BP1-BP4, each checked against the engine.

    python notebooks/src/02_backprop_by_hand.py
    python scripts/execute_notebooks.py notebooks/02_backprop_by_hand.ipynb
"""
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

NOTEBOOK = Path(__file__).resolve().parent.parent / "02_backprop_by_hand.ipynb"

CELLS = [
    ("md", r"""
# 2. Backpropagation by hand, and by the engine

Backpropagation is the chain rule applied layer by layer, from the loss back to the inputs. Before
trusting an engine to do it, it helps to do it once by hand. This notebook

1. reproduces article 004's small network with its exact numbers, runs the article's hand-written
   NumPy backward pass next to `loss.backward()`, and asserts both give the article's gradients;
2. implements article 001's four equations BP1-BP4 for a layered sigmoid network in NumPy and
   checks them against the engine (plain tensors and `nn`), and against finite differences.
"""),
    ("code", r"""
import numpy as np

import autograd as ag
import nn
import nn.functional as F
"""),
    ("md", r"""
## 2.1 Article 004: the forward pass

One hidden layer, no biases, ReLU:

$$h = W_1 x,\qquad z = \mathrm{ReLU}(h),\qquad y = W_2 z,\qquad L = \tfrac12\lVert y - y_\text{true}\rVert^2,$$

with $x = [1, 2]$, $W_1 = \begin{bmatrix}0.5 & 0.2\\ 0.3 & 0.7\end{bmatrix}$, $W_2 = [0.6, 0.8]$ and
$y_\text{true} = [1.5]$. The article's NumPy code, unchanged (its comments translated):
"""),
    ("code", r"""
# inputs, weights and target
x = np.array([1.0, 2.0])                  # input vector
W1 = np.array([[0.5, 0.2], [0.3, 0.7]])   # hidden-layer weights
W2 = np.array([[0.6, 0.8]])               # output-layer weights
y_true = np.array([1.5])                  # target

def relu(x):
    return np.maximum(0, x)

# forward pass
h = np.dot(W1, x)          # hidden pre-activation
print(h)                   # [0.9 1.7]
z = relu(h)                # activation
print(z)                   # [0.9 1.7]
y_pred = np.dot(W2, z)     # output
loss = 0.5 * np.sum((y_pred - y_true) ** 2)
print(f"prediction: {y_pred}, loss: {loss}")

np.testing.assert_allclose(h, [0.9, 1.7])
np.testing.assert_allclose(z, [0.9, 1.7])
np.testing.assert_allclose(y_pred, [1.9])
np.testing.assert_allclose(loss, 0.08)
"""),
    ("md", r"""
The loss prints as `0.08000000000000006`, as in the article: $1.9 - 1.5$ is not exactly $0.4$ in
binary floating point. Every comparison below therefore uses `assert_allclose` (relative tolerance
$10^{-7}$), never `==`.

## 2.2 Article 004: the backward pass by hand

The article's four steps (its $y$ is the prediction, $\hat y$ the target; $\sigma'$ stands for the
derivative of the activation, here ReLU):

$$\frac{\partial L}{\partial y} = y - \hat y,\qquad
\frac{\partial L}{\partial W_2} = \frac{\partial L}{\partial y}\, z^\top,\qquad
\frac{\partial L}{\partial z} = W_2^\top \frac{\partial L}{\partial y},\qquad
\frac{\partial L}{\partial h} = \frac{\partial L}{\partial z} \odot \sigma'(h),\qquad
\frac{\partial L}{\partial W_1} = \frac{\partial L}{\partial h}\, x^\top.$$

> **Note: the article's code calls `relu_grad` but never defines it**, so as printed it stops with a
> `NameError`. It is the derivative of ReLU: 1 where the input is positive, 0 elsewhere (at exactly 0
> ReLU has no derivative; 0 is the usual choice, and PyTorch's and this engine's). We define it here;
> the rest of the cell is the article's code.
"""),
    ("code", r"""
def relu_grad(x):
    # added: the article uses relu_grad without defining it
    return (x > 0).astype(x.dtype)

# backward pass (the article's code)
grad_y_pred = y_pred - y_true                                   # output gradient
grad_W2 = np.dot(grad_y_pred.reshape(-1, 1), z.reshape(1, -1))  # output-layer weight gradient
grad_z = np.dot(W2.T, grad_y_pred)                              # gradient of the hidden output
grad_h = grad_z * relu_grad(h)                                  # gradient of the hidden pre-activation
grad_W1 = np.dot(grad_h.reshape(-1, 1), x.reshape(1, -1))       # hidden-layer weight gradient
print(f"hidden-layer weight gradient:\n{grad_W1}")
print(f"output-layer weight gradient: {grad_W2}")

np.testing.assert_allclose(grad_W2, [[0.36, 0.68]])
np.testing.assert_allclose(grad_W1, [[0.24, 0.48], [0.32, 0.64]])
"""),
    ("md", r"""
## 2.3 The same network with the engine

The engine records the same forward pass and `loss.backward()` runs the chain rule for us.
`retain_grad()` keeps the gradients of the intermediate values too, so every line of the
hand-written backward pass can be compared with the engine's.
"""),
    ("code", r"""
x_t = ag.tensor([1.0, 2.0], dtype=ag.float64)
W1_t = ag.tensor([[0.5, 0.2], [0.3, 0.7]], dtype=ag.float64, requires_grad=True)
W2_t = ag.tensor([[0.6, 0.8]], dtype=ag.float64, requires_grad=True)
y_true_t = ag.tensor([1.5], dtype=ag.float64)

h_t = W1_t @ x_t
z_t = ag.relu(h_t)
y_t = W2_t @ z_t
residual_t = y_t - y_true_t
squared_t = residual_t ** 2
total_t = squared_t.sum()
loss_t = 0.5 * total_t
for t in (h_t, z_t, y_t):
    t.retain_grad()
names = {"x": x_t, "W1": W1_t, "W2": W2_t, "y_true": y_true_t, "h": h_t, "z": z_t, "y": y_t,
         "y − y_true": residual_t, "(y − y_true)²": squared_t, "‖y − y_true‖²": total_t, "L": loss_t}
drawing = ag.draw(loss_t, names=names)             # drawn before backward() frees the saved values
steps = ag.draw_backward_steps(loss_t, names=names)
loss_t.backward()

side_by_side = [("h", h, h_t.detach()), ("y", y_pred, y_t.detach()), ("L", loss, loss_t.detach()),
                ("dL/dy", grad_y_pred, y_t.grad), ("dL/dz", grad_z, z_t.grad), ("dL/dh", grad_h, h_t.grad),
                ("dL/dW2", grad_W2, W2_t.grad), ("dL/dW1", grad_W1, W1_t.grad)]
print(f"{'':8}{'NumPy, by hand':>26}{'engine':>26}")
for name, by_hand, engine in side_by_side:
    print(f"{name:8}{np.array2string(np.ravel(by_hand), precision=4):>26}{np.array2string(np.ravel(engine.numpy()), precision=4):>26}")
    np.testing.assert_allclose(engine.numpy(), by_hand, rtol=1e-12)

np.testing.assert_allclose(h_t.detach().numpy(), [0.9, 1.7])
np.testing.assert_allclose(y_t.detach().numpy(), [1.9])
np.testing.assert_allclose(loss_t.item(), 0.08)
np.testing.assert_allclose(W2_t.grad.numpy(), [[0.36, 0.68]])
np.testing.assert_allclose(W1_t.grad.numpy(), [[0.24, 0.48], [0.32, 0.64]])
"""),
    ("md", r"""
The graph the engine recorded, drawn before `backward()` with every value and
$\partial L/\partial(\text{box})$. The article's ASCII diagram is the same chain:
$x \to W_1 \to h \to \text{ReLU} \to z \to W_2 \to y \to \text{Loss}$.
"""),
    ("code", r"""
drawing
"""),
    ("md", r"""
And the backward pass written out as the chain rule, one node at a time: each row is one line of the
hand-written code above (upstream gradient × local derivative = gradient passed on). Both $h$
entries are positive, so ReLU passes its upstream gradient through unchanged.
"""),
    ("code", r"""
print(steps)
upstream = {step.name: step.upstream for step in steps.steps}
np.testing.assert_allclose(upstream["h"], grad_h)
np.testing.assert_allclose(upstream["z"], grad_z)
np.testing.assert_allclose(upstream["W1"], grad_W1)
"""),
    ("md", r"""
The same steps as frames you can step through (a slider, and a play button), each captioned with
its row of the chain rule. `steps.save("backprop.gif")` writes them as an animation (the README's
is this one).
"""),
    ("code", r"""
assert len(steps) == 9 and steps.caption(8).startswith("step 9 of 9: ∂/∂")
steps
"""),
    ("md", r"""
Nobody has to name the intermediate values for the drawing to show them. Written as one line,
with only the inputs named, every box still has its value (the drawing runs each operation's
forward again on its inputs' values) and is named by the expression that made it, shortened with
"…" past 24 characters.
"""),
    ("code", r"""
one_line = 0.5 * ((W2_t @ (W1_t @ x_t).relu() - y_true_t) ** 2).sum()
drawing = ag.draw(one_line, names={"x": x_t, "W1": W1_t, "W2": W2_t, "y_true": y_true_t})
for expected in ("W1 @ x (2)\\n[0.9, 1.7]", "ReLU(W1 @ x) (2)\\n[0.9, 1.7]", "W2 @ ReLU(W1 @ x) (1)\\n[1.9]"):
    assert expected in drawing.source, expected
drawing
"""),
    ("md", r"""
## 2.4 Article 001: the four equations BP1-BP4

Article 001 writes a layered network as

$$z^l = W^l a^{l-1} + b^l,\qquad a^l = \sigma(z^l),\qquad a^0 = x,\qquad C = \tfrac12\lVert y - a^L\rVert^2,$$

and defines the *error* of layer $l$ as $\delta^l = \partial C/\partial z^l$. Four equations give every
gradient from one forward and one backward sweep:

| | equation | meaning |
|---|---|---|
| BP1 | $\delta^L = (a^L - y)\odot\sigma'(z^L)$ | error of the last layer |
| BP2 | $\delta^l = \big((W^{l+1})^\top\delta^{l+1}\big)\odot\sigma'(z^l)$ | error moved one layer back |
| BP3 | $\partial C/\partial W^l = \delta^l\,(a^{l-1})^\top$ | weight gradients |
| BP4 | $\partial C/\partial b^l = \delta^l$ | bias gradients |

For the sigmoid, $\sigma'(z) = \sigma(z)(1 - \sigma(z)) = a(1 - a)$: the forward pass's stored
activations are all the backward pass needs. Below, a network like the article's figure 3.1: 3 inputs,
two hidden layers of 4 sigmoid units, 2 sigmoid outputs, in float64.
"""),
    ("code", r"""
rng = np.random.default_rng(0)
sizes = [3, 4, 4, 2]
Ws = [rng.normal(0, 1, (n_out, n_in)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
bs = [rng.normal(0, 0.1, (n_out, 1)) for n_out in sizes[1:]]
x = rng.normal(0, 1, (3, 1))      # one sample, a column vector as in the article
y = np.array([[0.0], [1.0]])


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward(Ws, bs, x):
    '''Returns the pre-activations z^1..z^L and the activations a^0..a^L.'''
    zs, activations = [], [x]
    for W, b in zip(Ws, bs):
        zs.append(W @ activations[-1] + b)
        activations.append(sigmoid(zs[-1]))
    return zs, activations


def backprop(Ws, bs, x, y):
    '''The gradients of C = 1/2 ||y - a^L||^2 by BP1-BP4, summed over the columns (samples) of x.'''
    zs, activations = forward(Ws, bs, x)
    sigmoid_prime = [a * (1 - a) for a in activations[1:]]           # sigma'(z^l) = a^l (1 - a^l)
    deltas = [(activations[-1] - y) * sigmoid_prime[-1]]              # BP1
    for l in range(len(Ws) - 2, -1, -1):
        deltas.insert(0, (Ws[l + 1].T @ deltas[0]) * sigmoid_prime[l])  # BP2
    grad_Ws = [delta @ a_prev.T for delta, a_prev in zip(deltas, activations[:-1])]  # BP3
    grad_bs = [delta.sum(axis=1, keepdims=True) for delta in deltas]                 # BP4
    return grad_Ws, grad_bs, deltas


grad_Ws, grad_bs, deltas = backprop(Ws, bs, x, y)
C = 0.5 * np.sum((y - forward(Ws, bs, x)[1][-1]) ** 2)
print(f"C = {C:.6f}")
for l, (gW, gb) in enumerate(zip(grad_Ws, grad_bs), start=1):
    print(f"layer {l}: dC/dW{l} {gW.shape}, dC/db{l} {gb.shape}, |delta^{l}| = {np.linalg.norm(deltas[l - 1]):.4f}")
"""),
    ("md", r"""
### Checked against the engine

The same parameters as leaf tensors, the same forward pass written with tensor operations, and
`C.backward()`. The engine never sees BP1-BP4: it only knows the local derivative of each operation
(`@`, `+`, `sigmoid`, `-`, `**2`, `sum`) and chains them, so agreement to rounding error is a real
check of both.
"""),
    ("code", r"""
W_t = [ag.tensor(W, requires_grad=True) for W in Ws]
b_t = [ag.tensor(b, requires_grad=True) for b in bs]
z_t = []
a_t = ag.tensor(x)
for W, b in zip(W_t, b_t):
    z_t.append(W @ a_t + b)
    z_t[-1].retain_grad()
    a_t = ag.sigmoid(z_t[-1])
C_t = 0.5 * ((ag.tensor(y) - a_t) ** 2).sum()
C_t.backward()

np.testing.assert_allclose(C_t.item(), C, rtol=1e-12)
for l in range(len(Ws)):
    np.testing.assert_allclose(W_t[l].grad.numpy(), grad_Ws[l], rtol=1e-10, atol=1e-14)  # BP3
    np.testing.assert_allclose(b_t[l].grad.numpy(), grad_bs[l], rtol=1e-10, atol=1e-14)  # BP4
    np.testing.assert_allclose(z_t[l].grad.numpy(), deltas[l], rtol=1e-10, atol=1e-14)   # BP1, BP2: delta = dC/dz
print("BP1-BP4 agree with the engine: every delta^l, dC/dW^l and dC/db^l")
"""),
    ("md", r"""
### The same network with `nn`, and a batch

Article 001 derives the equations for one sample and notes that with a batch one averages the
per-sample gradients. With the samples as the columns of $X$, BP1-BP4 hold column by column, and the
products in BP3 sum over the batch. Here a batch of 8 samples goes through an `nn.Sequential` of
`nn.Linear` and `nn.Sigmoid` layers holding the same weights; `nn.Linear` works on rows
($x W^\top + b$), so the batch is passed as $X^\top$. The loss is the batch mean of
$\frac12\lVert y - a^L\rVert^2$, which is `F.mse_loss(..., reduction="sum") / 2` divided by the batch size.
"""),
    ("code", r"""
batch = 8
X = rng.normal(0, 1, (3, batch))
Y = rng.uniform(0, 1, (2, batch))

layers = []
for W, b in zip(Ws, bs):
    linear = nn.Linear(W.shape[1], W.shape[0]).double()
    with ag.no_grad():
        linear.weight.copy_(ag.tensor(W))
        linear.bias.copy_(ag.tensor(b[:, 0]))
    layers += [linear, nn.Sigmoid()]
model = nn.Sequential(*layers)

loss = F.mse_loss(model(ag.tensor(X.T)), ag.tensor(Y.T), reduction="sum") / 2 / batch
loss.backward()

grad_Ws_batch, grad_bs_batch, _ = backprop(Ws, bs, X, Y)
linears = [module for module in model if isinstance(module, nn.Linear)]
for linear, gW, gb in zip(linears, grad_Ws_batch, grad_bs_batch):
    np.testing.assert_allclose(linear.weight.grad.numpy(), gW / batch, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(linear.bias.grad.numpy(), gb[:, 0] / batch, rtol=1e-10, atol=1e-14)

# the batch gradient is the average of the per-sample gradients
per_sample = [backprop(Ws, bs, X[:, [i]], Y[:, [i]])[0][0] for i in range(batch)]
np.testing.assert_allclose(np.mean(per_sample, axis=0), grad_Ws_batch[0] / batch, rtol=1e-12)
print(f"batch loss {loss.item():.6f}; nn's gradients equal BP1-BP4's for all {len(linears)} layers")
"""),
    ("md", r"""
### Gradient checking

Article 001 recommends checking a backward pass against finite differences,
$\partial C/\partial\theta \approx \big(C(\theta + \varepsilon) - C(\theta - \varepsilon)\big)/2\varepsilon$.
`ag.gradcheck` does that for every input element in float64; here it checks the tensor version of the
network with respect to all six parameter tensors at once, and a direct central difference on one
weight checks the NumPy BP3 value.
"""),
    ("code", r"""
def network_loss(*params):
    a = ag.tensor(x)
    for W, b in zip(params[:3], params[3:]):
        a = ag.sigmoid(W @ a + b)
    return 0.5 * ((ag.tensor(y) - a) ** 2).sum()

params = tuple(ag.tensor(p, requires_grad=True) for p in Ws + bs)
assert ag.gradcheck(network_loss, params)

eps = 1e-6
W_plus = [W.copy() for W in Ws]
W_minus = [W.copy() for W in Ws]
W_plus[0][1, 2] += eps
W_minus[0][1, 2] -= eps
def cost(Ws_):
    return 0.5 * np.sum((y - forward(Ws_, bs, x)[1][-1]) ** 2)


numeric = (cost(W_plus) - cost(W_minus)) / (2 * eps)
print(f"dC/dW1[1, 2]: BP3 {grad_Ws[0][1, 2]:.10f}, central difference {numeric:.10f}")
np.testing.assert_allclose(grad_Ws[0][1, 2], numeric, rtol=1e-6)
"""),
    ("md", r"""
**What to remember.** BP1-BP4 are the chain rule organised by layer: the error $\delta$ flows backwards
through $(W^{l+1})^\top$ and is scaled at each layer by $\sigma'(z^l)$. An engine arrives at the same
numbers without knowing anything about layers, one local derivative at a time. And because each
step multiplies by $\sigma'(z) \le 1/4$ for the sigmoid, the errors of early layers in a deep sigmoid
network shrink geometrically: the vanishing gradients article 001 warns about.
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
