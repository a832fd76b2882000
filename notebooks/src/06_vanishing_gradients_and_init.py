"""Builds notebooks/06_vanishing_gradients_and_init.ipynb: article 001's practical notes, measured.

    python notebooks/src/06_vanishing_gradients_and_init.py
    python scripts/execute_notebooks.py notebooks/06_vanishing_gradients_and_init.ipynb
"""
from _build import code, md, write

NAME = "06_vanishing_gradients_and_init"


md(r"""
# 06 · Vanishing gradients, activations and initialisation

Article 001 ("Backpropagation from the ground up") ends with practical advice: saturating
sigmoids make gradients vanish in deep networks; use ReLU or PReLU in hidden layers and a
sigmoid for a binary-classification output; never initialise all weights to zero, because the
neurons of a layer then stay identical; use He or Xavier initialisation; give ReLU units a
small positive bias. The article states these as rules. This notebook **measures** each one
with graphgrad, and asserts what it measures, so that a wrong gradient fails CI.

It also corrects one formula: the article says Xavier initialisation draws weights with
variance $6/(n_{in}+n_{out})$. That number is the *square of the bound* of Xavier's uniform
range; the variance is $2/(n_{in}+n_{out})$ (section 4).
""")

code("""
%matplotlib inline
%config InlineBackend.figure_formats = ["png"]
import numpy as np
import matplotlib.pyplot as plt

import autograd as ag
import nn
import nn.functional as F
import optim

plt.rcParams.update({"figure.figsize": (7, 4), "figure.dpi": 90})
""")

md(r"""
## 1. Why gradients vanish: the derivative of the activation

The article's equation BP2 carries the error of layer $l$ back to layer $l-1$:

$$\delta^{l-1} = \big((W^{l})^\top \delta^{l}\big) \odot \sigma'(z^{l-1}).$$

Every layer multiplies the error by $\sigma'$. For the sigmoid, $\sigma'(z) = \sigma(z)(1-\sigma(z)) \le 1/4$,
and it is close to 0 wherever the unit saturates. ReLU's derivative is exactly 1 for every
active unit, and PReLU's is 1 or its learned slope $a$ (0.25 at the start) instead of 0.

We let graphgrad compute the derivatives: `y.sum().backward()` puts $dy_i/dx_i$ in `x.grad`,
because each output depends only on its own input.
""")

code("""
def derivative(activation, x):
    x = x.detach().requires_grad_()
    y = activation(x)
    y.sum().backward()
    return y.detach().numpy(), x.grad.numpy()

z = ag.linspace(-6, 6, 601, dtype=ag.float64)
activations = {"sigmoid": ag.sigmoid, "ReLU": ag.relu, "PReLU (a = 0.25)": nn.PReLU().double()}
curves = {name: derivative(f, z) for name, f in activations.items()}

fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
styles = {"sigmoid": dict(lw=2), "ReLU": dict(lw=4, alpha=0.5), "PReLU (a = 0.25)": dict(lw=1.5, ls="--")}
for name, (value, slope) in curves.items():
    left.plot(z.numpy(), value, label=name, **styles[name])
    right.plot(z.numpy(), slope, label=name, **styles[name])
left.set(title="activation", xlabel="z", ylabel="σ(z)", ylim=(-2, 6))
right.set(title="its derivative (computed by backward)", xlabel="z", ylabel="σ'(z)")
for ax in (left, right):
    ax.legend()
    ax.grid(alpha=0.3)
plt.tight_layout()
plt.show()

sig, dsig = curves["sigmoid"]
np.testing.assert_allclose(dsig, sig * (1 - sig), rtol=1e-12)   # σ' = σ(1 − σ)
assert abs(dsig.max() - 0.25) < 1e-12 and z.numpy()[dsig.argmax()] == 0.0   # at most 1/4, at z = 0
assert dsig[0] < 2.5e-3                                                      # saturated at z = −6
_, drelu = curves["ReLU"]
assert set(np.unique(drelu)) <= {0.0, 1.0}
_, dprelu = curves["PReLU (a = 0.25)"]
assert set(np.unique(dprelu)) == {0.25, 1.0}
print(f"max sigmoid'(z) = {dsig.max():.4f}; sigmoid'(-6) = {dsig[0]:.2e}")
""")

md(r"""
### Ten layers deep: sigmoid vs ReLU vs PReLU

Three networks of ten `Linear(64, 64)` layers differ only in their hidden activation. All
use the same weights (He initialisation, zero biases, seed 0), the same batch of 256 random
inputs and a regression loss (`mse_loss` against random targets), so the only difference is
$\sigma'$. One backward pass gives every layer's weight gradient; the bar chart shows its norm
$\lVert \partial L/\partial W^{l}\rVert$ per layer, on a log scale.
""")

code("""
DEPTH, WIDTH = 10, 64

def deep_network(activation, depth=DEPTH, width=WIDTH, seed=0):
    ag.manual_seed(seed)
    layers = []
    for i in range(depth):
        linear = nn.Linear(width, width)
        nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
        nn.init.zeros_(linear.bias)
        layers += [linear, activation()] if i < depth - 1 else [linear]
    return nn.Sequential(*layers)

ag.manual_seed(1)
inputs, targets = ag.randn(256, WIDTH), ag.randn(256, WIDTH)

grad_norms = {}
for activation in (nn.Sigmoid, nn.ReLU, nn.PReLU):
    model = deep_network(activation)
    F.mse_loss(model(inputs), targets).backward()
    grad_norms[activation.__name__] = np.array(
        [layer.weight.grad.norm().item() for layer in model if isinstance(layer, nn.Linear)])

layers = np.arange(1, DEPTH + 1)
fig, ax = plt.subplots()
for k, (name, norms) in enumerate(grad_norms.items()):
    ax.bar(layers + (k - 1) * 0.27, norms, width=0.27, label=name)
ax.set_yscale("log")
ax.set(title="Weight-gradient norm per layer (10 layers, He init)", xlabel="layer (1 = next to the input)",
       ylabel="‖∂L/∂W‖ (log scale)", xticks=layers)
ax.legend()
plt.show()

for name, norms in grad_norms.items():
    print(f"{name:8s} layer 1: {norms[0]:.2e}   layer 10: {norms[-1]:.2e}   ratio {norms[0] / norms[-1]:.1e}")
""")

md(r"""
With sigmoids the gradient shrinks by a factor of about 3 at every layer on its way back (more
at the first layer, whose inputs are the raw data): the first layer receives a gradient about
$10^{-5}$ times the last one's, so it barely learns. This is the
article's "layers far from the output cannot learn effectively". With ReLU and PReLU (and He
initialisation, section 4) the gradient keeps its size through all ten layers.
""")

code("""
sigmoid, relu, prelu = grad_norms["Sigmoid"], grad_norms["ReLU"], grad_norms["PReLU"]
assert sigmoid[0] / sigmoid[-1] < 1e-4                 # vanished: more than four decades
assert np.all(np.diff(np.log(sigmoid)) > 0)            # shrinking at every layer towards the input
for norms in (relu, prelu):
    assert 0.1 < norms[0] / norms[-1] < 10              # within one decade across ten layers
    assert norms.min() > 1e3 * sigmoid[0]
""")

md(r"""
### The same thing, drawn

A smaller version (five `Linear(4, 4)` layers, a batch of 8) of the sigmoid and the ReLU
network, drawn together by `ag.draw(..., color_grads=True, collapse=True)`. Each module is one
rounded box, titled by its name and type, with its parameters' gradient norms; the other boxes are the tensors passed between
layers. The fill encodes the gradient's size on a log scale shared by both networks: deep
orange is the largest, paler boxes received less. In the sigmoid column the colour fades as the
gradient travels back towards `x`; in the ReLU column it does not.
""")

code("""
small = {"sigmoid": deep_network(nn.Sigmoid, depth=5, width=4), "relu": deep_network(nn.ReLU, depth=5, width=4)}
ag.manual_seed(2)
x, y = ag.randn(8, 4), ag.randn(8, 4)
small_losses = [F.mse_loss(model(x), y, reduction="sum") for model in small.values()]
both = nn.ModuleDict(small)  # one module holding both networks: its names say which network a layer is in
small_params = dict(both.named_parameters())
drawing = ag.draw(*small_losses, params=both, names={"x": x, "y": y}, label=["loss (sigmoid)", "loss (ReLU)"],
                  color_grads=True, collapse=True, rankdir="TB")
assert "sigmoid.0: Linear(4→4)" in drawing.source and "relu.8: Linear(4→4)" in drawing.source
drawing
""")

code("""
# The drawing computed its gradients from the graph without touching .grad; backward() now
# stores them, and gives the numbers written in the module boxes.
assert all(p.grad is None for p in small_params.values())
sum(small_losses).backward()
first, last = {}, {}
for kind, model in small.items():
    linears = [m for m in model if isinstance(m, nn.Linear)]
    first[kind], last[kind] = linears[0].weight.grad.norm().item(), linears[-1].weight.grad.norm().item()
    print(f"{kind:8s} first layer ‖grad‖ = {first[kind]:.3g}, last layer ‖grad‖ = {last[kind]:.3g}")
assert first["sigmoid"] / last["sigmoid"] < 0.1 * first["relu"] / last["relu"]
""")

md(r"""
## 2. ReLU and PReLU in hidden layers, a sigmoid at a binary-classification output

The article recommends ReLU for hidden layers, PReLU where ReLU works badly, and a sigmoid
for the output of a classifier: it maps the last layer's score to a probability in (0, 1),
which the binary cross-entropy compares with the 0/1 label. Here a small network with PReLU
hidden units and a sigmoid output separates scikit-learn's two moons (generated, no download).
`nn.BCELoss` takes probabilities; in practice `nn.BCEWithLogitsLoss` (sigmoid and loss fused) is
the numerically safer choice, and computes the same thing.
""")

code("""
from sklearn.datasets import make_moons

points, labels = make_moons(n_samples=400, noise=0.15, random_state=0)
X = ag.tensor(points, dtype=ag.float32)
Y = ag.tensor(labels[:, None], dtype=ag.float32)

ag.manual_seed(0)
classifier = nn.Sequential(nn.Linear(2, 32), nn.PReLU(), nn.Linear(32, 32), nn.PReLU(), nn.Linear(32, 1), nn.Sigmoid())
optimizer = optim.Adam(classifier.parameters(), lr=0.02)
criterion = nn.BCELoss()
for step in range(300):
    optimizer.zero_grad()
    loss = criterion(classifier(X), Y)
    loss.backward()
    optimizer.step()

with ag.no_grad():
    probability = classifier(X).numpy().ravel()
    logits = classifier[:-1](X)
accuracy = ((probability > 0.5) == labels).mean()
same_loss = nn.BCEWithLogitsLoss()(logits, Y).item()
slopes = [m.weight.item() for m in classifier if isinstance(m, nn.PReLU)]
print(f"BCE loss {loss.item():.4f} (BCEWithLogitsLoss on the scores: {same_loss:.4f}); accuracy {accuracy:.1%}")
print("learned PReLU slopes:", [round(s, 3) for s in slopes], "(started at 0.25)")

assert accuracy >= 0.95
assert 0 <= probability.min() and probability.max() <= 1   # probabilities (float32 rounds σ(z > 17) to 1.0)
np.testing.assert_allclose(same_loss, criterion(ag.sigmoid(logits), Y).item(), rtol=1e-5)
""")

code("""
grid_x, grid_y = np.meshgrid(np.linspace(-1.5, 2.5, 200), np.linspace(-1, 1.5, 150))
with ag.no_grad():
    surface = classifier(ag.tensor(np.c_[grid_x.ravel(), grid_y.ravel()], dtype=ag.float32)).numpy()
fig, ax = plt.subplots()
filled = ax.contourf(grid_x, grid_y, surface.reshape(grid_x.shape), levels=20, cmap="RdBu_r", alpha=0.7)
ax.contour(grid_x, grid_y, surface.reshape(grid_x.shape), levels=[0.5], colors="k")
for label, marker, color in ((0, "o", "white"), (1, "s", "black")):
    chosen = labels == label
    ax.scatter(points[chosen, 0], points[chosen, 1], s=12, marker=marker, c=color, edgecolors="k", linewidths=0.5,
               label=f"class {label}")
fig.colorbar(filled, label="sigmoid output = P(class 1)")
ax.set(title="PReLU hidden layers, sigmoid output (black line: p = 0.5)", xlabel="x₁", ylabel="x₂")
ax.legend(loc="lower left")
plt.show()
""")

md(r"""
## 3. Zero initialisation keeps neurons symmetric

The article: if all weights start equal, every neuron of a layer computes the same value in
the forward pass and receives the same error in the backward pass, so they stay equal forever;
the layer behaves like a single neuron. Random initialisation *breaks the symmetry*.

We fit $y = x_1 x_2$ (a function that needs several different hidden units) with 8 sigmoid
hidden units, once with every parameter zero and once with the default random initialisation.
After each training step we check that the zero-initialised network's hidden units are still
exactly identical: every row of the first weight matrix equal to the first row, every output
weight equal. (With zero weights a sigmoid unit outputs 1/2, so the output layer does get a
gradient and the weights do move; they just move together. A tanh unit would output 0 and
nothing would move at all.)
""")

code("""
ag.manual_seed(0)
X2 = ag.rand(128, 2) * 4 - 2
Y2 = X2[:, :1] * X2[:, 1:]

def fit(zero_init, steps=400):
    ag.manual_seed(1)
    model = nn.Sequential(nn.Linear(2, 8), nn.Sigmoid(), nn.Linear(8, 1))
    if zero_init:
        for p in model.parameters():
            nn.init.zeros_(p)
    optimizer = optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for step in range(steps):
        optimizer.zero_grad()
        loss = F.mse_loss(model(X2), Y2)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if zero_init:   # symmetric after every step: all hidden units identical
            W1, W2 = model[0].weight.detach().numpy(), model[2].weight.detach().numpy()
            assert np.array_equal(W1, np.broadcast_to(W1[0], W1.shape)), f"rows differ after step {step}"
            assert np.array_equal(W2, np.full_like(W2, W2[0, 0])), f"output weights differ after step {step}"
    return model, losses

zero_model, zero_losses = fit(zero_init=True)
random_model, random_losses = fit(zero_init=False)
print("zero init, first-layer weights (8 hidden units × 2 inputs):")
print(zero_model[0].weight.detach().numpy().round(3))
print("random init, first-layer weights:")
print(random_model[0].weight.detach().numpy().round(3))
""")

code("""
W1_zero = zero_model[0].weight.detach().numpy()
assert np.abs(W1_zero).min() > 0.1                      # the weights moved away from zero...
assert len(np.unique(W1_zero, axis=0)) == 1             # ...but all 8 units are the same unit
assert len(np.unique(random_model[0].weight.detach().numpy().round(4), axis=0)) == 8
assert random_losses[-1] < 0.1 * zero_losses[-1]

fig, ax = plt.subplots()
ax.semilogy(zero_losses, label=f"all zeros (final {zero_losses[-1]:.3f})")
ax.semilogy(random_losses, label=f"random (final {random_losses[-1]:.4f})")
ax.set(title="Fitting y = x₁x₂ with 8 sigmoid hidden units", xlabel="Adam step", ylabel="MSE (log scale)")
ax.legend()
plt.show()
""")

md(r"""
The zero-initialised network ends up with eight copies of one hidden unit and cannot fit
$x_1 x_2$; the randomly initialised one does. Any optimiser keeps the symmetry (identical
gradients give identical updates, also for Adam, which works element by element).

## 4. He and Xavier initialisation

Random, but how large? Each layer computes $z = W a$, a sum of $n_{in}$ terms, so
$\mathrm{Var}(z) = n_{in}\,\mathrm{Var}(w)\,E[a^2]$. To keep signals from shrinking or growing
layer after layer:

* **He** (for ReLU, which zeroes half of its inputs, so $E[a^2] = \mathrm{Var}(z)/2$):
  $\mathrm{Var}(w) = 2/n_{in}$. The article states this correctly.
* **Xavier/Glorot** (for tanh or sigmoid, compromise between forward and backward passes):
  $\mathrm{Var}(w) = 2/(n_{in} + n_{out})$.

**Correction to the article.** It says Xavier draws from a normal distribution with variance
$6/(n_{in}+n_{out})$. That is three times too large: $\sqrt{6/(n_{in}+n_{out})}$ is the *bound*
$a$ of Xavier's **uniform** version $U(-a, a)$, and a uniform distribution on $(-a, a)$ has
variance $a^2/3 = 2/(n_{in}+n_{out})$. We check this on `nn.init.xavier_uniform_` (as
`torch.nn.init.xavier_uniform_`), `xavier_normal_` and `kaiming_normal_`:
""")

code("""
fan_out, fan_in = 300, 500
ag.manual_seed(0)
w_uniform = nn.init.xavier_uniform_(ag.empty(fan_out, fan_in)).numpy()
w_normal = nn.init.xavier_normal_(ag.empty(fan_out, fan_in)).numpy()
w_he = nn.init.kaiming_normal_(ag.empty(fan_out, fan_in), nonlinearity="relu").numpy()

bound = np.sqrt(6 / (fan_in + fan_out))
print(f"xavier_uniform_: max |w| = {np.abs(w_uniform).max():.5f}   bound sqrt(6/(fan_in+fan_out)) = {bound:.5f}")
print(f"                 variance = {w_uniform.var():.6f}   2/(fan_in+fan_out) = {2 / (fan_in + fan_out):.6f}"
      f"   the article's 6/(fan_in+fan_out) = {6 / (fan_in + fan_out):.6f}")
print(f"xavier_normal_:  variance = {w_normal.var():.6f}")
print(f"kaiming_normal_: variance = {w_he.var():.6f}   2/fan_in = {2 / fan_in:.6f}")

assert np.abs(w_uniform).max() <= bound and np.abs(w_uniform).max() > 0.999 * bound   # the bound is sqrt(6/(in+out))
np.testing.assert_allclose(w_uniform.var(), 2 / (fan_in + fan_out), rtol=0.02)      # the variance is 2/(in+out)
np.testing.assert_allclose(w_uniform.var(), bound**2 / 3, rtol=0.02)                # = bound² / 3
assert w_uniform.var() < 0.5 * 6 / (fan_in + fan_out)                                # not the article's value
np.testing.assert_allclose(w_normal.var(), 2 / (fan_in + fan_out), rtol=0.02)
np.testing.assert_allclose(w_he.var(), 2 / fan_in, rtol=0.02)
""")

md(r"""
### Activation statistics across depth

Now the effect: push 512 random inputs through 30 square layers ($n_{in} = n_{out} = 256$, so
Xavier's variance is $1/256$, He's $2/256$ and the article's formula gives $3/256$) and record
the standard deviation of each layer's activations, for a ReLU and a tanh network.
""")

code("""
DEEP, N = 30, 256
inits = {
    "Xavier, Var = 2/(in+out)": lambda w: nn.init.xavier_uniform_(w),
    "He, Var = 2/in": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
    "article's 'Xavier', Var = 6/(in+out)": lambda w: nn.init.normal_(w, 0.0, np.sqrt(6 / (2 * N))),
}
ag.manual_seed(0)
signal = ag.randn(512, N)

def activation_stds(activation, init):
    ag.manual_seed(1)
    h, stds = signal, []
    with ag.no_grad():
        for _ in range(DEEP):
            h = activation(h @ init(ag.empty(N, N)).T)
            stds.append(h.std().item())
    return np.array(stds)

stds = {(act_name, init_name): activation_stds(act, init)
        for act_name, act in (("ReLU", ag.relu), ("tanh", ag.tanh)) for init_name, init in inits.items()}

fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, act_name in zip(axes, ("ReLU", "tanh")):
    for init_name in inits:
        ax.semilogy(np.arange(1, DEEP + 1), stds[act_name, init_name], marker=".", label=init_name)
    ax.set(title=f"{act_name} network, 30 layers of 256", xlabel="layer", ylabel="std of activations (log scale)")
    ax.grid(alpha=0.3, which="both")
axes[0].legend(fontsize=8)
plt.tight_layout()
plt.show()
for (act_name, init_name), s in stds.items():
    print(f"{act_name:4s} {init_name:38s} layer 1: {s[0]:.3g}   layer 30: {s[-1]:.3g}")
""")

md(r"""
* **ReLU + Xavier**: each layer halves the second moment, so after 30 layers the signal is
  about $2^{-15}$ of its start; the gradients shrink the same way on the way back.
* **ReLU + He** keeps it steady: that factor 2 is exactly what ReLU throws away.
* **ReLU + the article's variance** $6/(n_{in}+n_{out})$ multiplies the second moment by
  1.5 per layer: it explodes.
* **tanh** bounds the activations, so nothing explodes, but with Xavier they still decay slowly
  (tanh squashes a little at every layer), while the larger variances drive the units towards
  saturation at ±1, where tanh's derivative is small again.
""")

code("""
relu_xavier, relu_he, relu_article = (stds["ReLU", name] for name in inits)
assert relu_xavier[-1] < 1e-3 * relu_xavier[0]          # vanishes
assert 0.25 < relu_he[-1] / relu_he[0] < 4              # steady
assert relu_article[-1] > 100 * relu_article[0]         # explodes
tanh_xavier, tanh_he, tanh_article = (stds["tanh", name] for name in inits)
assert tanh_xavier[-1] < 0.5 * tanh_xavier[0]           # slow decay
assert tanh_article[-1] > tanh_he[-1] > tanh_xavier[-1]
""")

md(r"""
## 5. A small positive bias for ReLU units

The article suggests initialising ReLU biases to a small positive number (0.01 to 0.1) "to
avoid neurons whose output is 0". The reason is BP3/BP4: a ReLU unit whose pre-activation is
negative for *every* training example passes no gradient at all, to its weights or to its bias,
so gradient descent can never revive it: it is *dead*. A positive bias shifts every
pre-activation up, so more units start in the active region.

We measure this on the first layer of a digits classifier (scikit-learn's 8×8 digits, 1797
images, pixel values scaled to [0, 1]: non-negative inputs, where dead units are most likely),
for 2048 He-initialised units and several bias values. The effect is real but modest: it
matters most for small fan-ins and non-negative inputs, and many practitioners simply use zero
biases with He initialisation.
""")

code("""
from sklearn.datasets import load_digits

pixels = ag.tensor((load_digits().data / 16.0).astype(np.float32))
biases = [0.0, 0.01, 0.03, 0.1, 0.3]
dead, active = [], []
for b in biases:
    ag.manual_seed(0)   # the same weights for every bias value
    layer = nn.Linear(64, 2048)
    nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
    nn.init.constant_(layer.bias, b)
    z = layer(pixels)
    h = ag.relu(z)
    h.sum().backward()
    pre = z.detach().numpy()
    is_dead = (pre <= 0).all(axis=0)
    # BP3/BP4: a dead unit gets exactly zero gradient, for its weights and its bias.
    assert np.all(layer.weight.grad.numpy()[is_dead] == 0) and np.all(layer.bias.grad.numpy()[is_dead] == 0)
    dead.append(is_dead.mean())
    active.append((pre > 0).mean())

fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
left.plot(biases, 100 * np.array(active), marker="o")
left.set(title="active (z > 0) unit-example pairs", xlabel="initial bias", ylabel="%")
right.plot(biases, 100 * np.array(dead), marker="o", color="C3")
right.set(title="dead units (z ≤ 0 for all 1797 images)", xlabel="initial bias", ylabel="% of 2048 units")
for ax in (left, right):
    ax.grid(alpha=0.3)
plt.tight_layout()
plt.show()
for b, a, d in zip(biases, active, dead):
    print(f"bias {b:<5}: active {a:.1%}, dead units {d:.2%}")

assert np.all(np.diff(active) > 0)          # more active units with every bias increase
assert dead[biases.index(0.1)] < dead[0]    # bias 0.1 leaves fewer dead units than bias 0
""")

md(r"""
## Summary

What the article says, and what was measured here:

* *Sigmoid gradients vanish in deep networks.* With 10 sigmoid layers the first layer's weight
  gradient is about $10^{-5}$ of the last one's; with ReLU or PReLU it stays within a decade.
* *ReLU/PReLU for hidden layers, a sigmoid for a binary output.* PReLU hidden layers and a
  sigmoid output separate the two moons (≥ 95 %).
* *Zero initialisation keeps neurons symmetric.* 8 hidden units stay bit-for-bit identical
  through 400 training steps and cannot fit $x_1 x_2$.
* *He: Var = 2/fan_in.* `kaiming_normal_` has that variance, and keeps a 30-layer ReLU
  network's activations steady.
* *Xavier: Var = 6/(fan_in+fan_out)*: **wrong**. That is the squared bound of the uniform
  version; the variance is 2/(fan_in+fan_out). With 6/(…) a ReLU network's activations explode.
* *A small positive bias for ReLU.* More units start active and fewer are dead; a dead unit
  gets exactly zero gradient.
""")

write(NAME)
