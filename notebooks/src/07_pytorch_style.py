"""Builds notebooks/07_pytorch_style.ipynb: article 003's three experiments, PyTorch code run on graphgrad.

    python notebooks/src/07_pytorch_style.py
    python scripts/execute_notebooks.py notebooks/07_pytorch_style.ipynb
"""
import difflib
from _build import code, md, write

NAME = "07_pytorch_style"


# Article 003's experiment 3, exactly as published (seeds/003, section 3.4).
ARTICLE_EXPERIMENT_3 = '''\
# 使用Pytorch内置函数
import torch
from torch import nn
from torch import optim
from matplotlib import pyplot as plt
# Define the dataset
x = torch.rand([50, 1])
y = x * 4 + 0.6
# Define the module
class Lr(nn.Module):
    def __init__(self):
        super(Lr, self).__init__()
        self.linear = nn.Linear(1, 1)
    def forward(self, x):
        out = self.linear(x)
        return out
# Instantiate the model, loss and optimizer
device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
x, y = x.to(device), y.to(device)
model = Lr().to(device)
criterion = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=1e-3)
# Train the module
for i in range(30000):
    out = model(x)  # Get the prediction
    loss = criterion(y, out)  # Calculate loss
    optimizer.zero_grad()  # Gradient zeroing
    loss.backward()  # Calculate Gradient
    optimizer.step()  # Update the Gradient
    if (i + 1) % 20 == 0:
        print('Epoch[{}/{}],loss:{:.6f}'.format(i, 30000, loss.data))
# Module evaluation
model.eval()  # Set module as evaluation mode
predict = model(x)
predict = predict.cpu().detach().numpy()
plt.scatter(x.cpu().data.numpy(), y.cpu().data.numpy(), c="r")
plt.plot(x.cpu().data.numpy(), predict, )
plt.show()
'''
IMPORTS = {"import torch": "import autograd as torch", "from torch import nn": "import nn",
           "from torch import optim": "import optim"}
PORTED_EXPERIMENT_3 = "\n".join(IMPORTS.get(line, line) for line in ARTICLE_EXPERIMENT_3.splitlines())
CHANGED = [line for line in difflib.unified_diff(ARTICLE_EXPERIMENT_3.splitlines(), PORTED_EXPERIMENT_3.splitlines(),
                                                 "article", "graphgrad", lineterm="", n=0)]
assert sum(line.startswith("-") and not line.startswith("---") for line in CHANGED) == len(IMPORTS) == 3

md(r"""
# 07 · PyTorch-style training: article 003's three experiments

Article 003 ("The backpropagation algorithm") ends with three experiments, written in PyTorch:

1. **$y = w x$ by hand**: three data points, one weight, per-sample SGD, gradients printed;
2. **linear regression with manual updates**: $y = 4x + 0.6$, `w.data -= lr * w.grad.data`;
3. **the same with `nn.Linear`, `nn.MSELoss` and `optim.SGD`**.

graphgrad follows PyTorch's API, so the article's code runs here with its imports changed:
`import torch` becomes `import autograd as torch`, and `from torch import nn, optim` becomes
`import nn, optim`. Each experiment's numbers are asserted: the gradients against hand
computation, the fitted parameters against the article's and against an independent NumPy
replay of the same updates in float64.
""")

code("""
%matplotlib inline
%config InlineBackend.figure_formats = ["png"]
import re

import numpy as np
import matplotlib.pyplot as plt

plt.rcParams.update({"figure.figsize": (7, 4), "figure.dpi": 90})
""")

md(r"""
## Experiment 1: $y = w x$, one gradient at a time

The data are $(1, 2), (2, 4), (3, 6)$, so the true weight is 2; training starts from $w = 1$.
The loss of one sample is $(wx - y)^2$, its gradient $\partial l/\partial w = 2x(wx - y)$, and
SGD updates after every sample with learning rate 0.01. The article's code, with its comments
translated; the only additions (marked `# added`) print just the first and the last of the
100 epochs (the article prints all 300 gradients) and record every gradient for the checks below.
""")

code("""
import autograd as torch   # the article: import torch

x_data = [1.0, 2.0, 3.0]
y_data = [2.0, 4.0, 6.0]
w = torch.tensor([1.0])
w.requires_grad = True  # tensors need no gradient by default, as in PyTorch

def forward(x):
    return x * w  # w is a Tensor: * is overloaded

def loss(x, y):
    y_pred = forward(x)
    return (y_pred - y) ** 2

gradients, weights = [], []                        # added
for epoch in range(100):
    for x, y in zip(x_data, y_data):  # SGD: one sample at a time
        l = loss(x, y)  # forward pass: the loss
        l.backward()  # backward pass; it frees the graph of l
        if epoch in (0, 99):                       # added
            print('\\tgrad:', x, y, w.grad.item())
        gradients.append(w.grad.item())            # added
        w.data = w.data - 0.01 * w.grad.data  # update through .data: no new graph is recorded
        w.grad.data.zero_()  # zero the gradient, or the next backward() would add to it
    weights.append(w.item())                       # added
    if epoch in (0, 99):                           # added
        print('progress:', epoch, l.item())  # l.item(): a Python number, not a graph node
print("predict (after training)", 4, forward(4).item())
""")

md(r"""
The first epoch by hand: $w = 1$, $\partial l/\partial w = 2\cdot1\cdot(1-2) = -2$; then
$w = 1.02$ and $2\cdot2\cdot(2.04 - 4) = -7.84$; then $w = 1.0984$ and
$2\cdot3\cdot(3.2952 - 6) = -16.2288$. Each sample multiplies the error $w - 2$ by
$1 - 0.02x^2$, so an epoch multiplies it by $0.98 \cdot 0.92 \cdot 0.82 \approx 0.739$. We replay all
300 updates in float64 with that formula and compare. The article reports the prediction
7.99999 for $x = 4$; float32 gives the same.
""")

code("""
w_exact, expected = 1.0, []
for epoch in range(100):
    for x, y in zip(x_data, y_data):
        expected.append(2 * x * (w_exact * x - y))
        w_exact -= 0.01 * expected[-1]

np.testing.assert_allclose(gradients[:3], [-2.0, -7.84, -16.2288], rtol=1e-6)
np.testing.assert_allclose(gradients, expected, rtol=1e-4, atol=1e-5)
prediction = forward(4).item()
assert abs(prediction - 8) < 1e-5, prediction        # the article: 7.99999
print(f"prediction {prediction:.7f}; float64 replay {4 * w_exact:.12f}")

fig, ax = plt.subplots()
ax.semilogy(np.arange(1, 101), np.abs(2 - np.array(weights)), marker=".", label="graphgrad (float32)")
ax.semilogy(np.arange(1, 101), 0.98 ** np.arange(1, 101) * 0.92 ** np.arange(1, 101) * 0.82 ** np.arange(1, 101),
            "--", label="exact: 0.739 per epoch")
ax.set(title="Experiment 1: distance of w from 2", xlabel="epoch", ylabel="|w − 2| (log scale)")
ax.legend()
plt.show()

# The stall below: the last updates are smaller than half a float32 step near 2.
assert 0.01 * max(abs(g) for g in gradients[-3:]) < np.spacing(np.float32(1.99)) / 2 and weights[-1] == weights[60]
""")

md(r"""
The error shrinks by the predicted factor per epoch until epoch 50, then stops at
$w = 1.99999964$: the last epoch's gradients are at most $5.7 \cdot 10^{-6}$ (printed above), so an
update moves $w$ by at most $5.7 \cdot 10^{-8}$, less than half the spacing of float32 numbers just
below 2 ($2^{-23} \approx 1.2 \cdot 10^{-7}$), and $w$ rounds back to itself. That is why the prediction
is $4w = 7.9999986$ and not 8, in the article (PyTorch, float32) as here.

## Experiment 2: linear regression with manual updates

100 random $x$ in $[0, 1)$, $y = 4x + 0.6$, random initial $w$ and $b$, mean squared error,
3000 gradient steps with learning rate 0.01 written by hand as `w.data -= lr * w.grad.data`.
The article's code with `import autograd as torch`; added lines fix the seed, remember the
initial parameters for the check below, and label the plot.
""")

code("""
# Linear propagation via BP
import autograd as torch   # the article: import torch
import numpy
from matplotlib import pyplot as plt
torch.manual_seed(0)                                   # added
# Prepare for the dataset
x=torch.rand([100])
y=4*x+0.6
w=torch.rand(1,requires_grad=True)
b=torch.rand(1,requires_grad=True)
w0, b0 = w.item(), b.item()                            # added
# Define the loss function
def loss_fn(y,y_predict):
    loss=(y_predict-y).pow(2).mean()
    # Set the grad as zero every BP
    for i in [w,b]:
        if i.grad is not None:
            i.grad.data.zero_()
    loss.backward()
    return loss.data
# Define the optimizer
def optimize(learning_rate):
    w.data-=learning_rate*w.grad.data
    b.data-=learning_rate*b.grad.data
for i in range(3000):
    y_predict=x*w+b
    loss=loss_fn(y,y_predict)
    if i%500==0:
        print(i,loss)
    optimize(0.01)
# Draw the image
predict=x*w+b
plt.scatter(x.data.numpy(),y.data.numpy(),c="r", label="data: y = 4x + 0.6")   # added: label
plt.plot(x.data.numpy(),predict.data.numpy(), label="fitted w x + b")           # added: label
plt.title("Experiment 2: manual updates, 3000 steps"); plt.xlabel("x"); plt.ylabel("y"); plt.legend()   # added
plt.show()
print("w",w)
print("b",b)
""")

md(r"""
As the article says, $w$ and $b$ end very close to 4 and 0.6. To check that every one of the
3000 gradients was right, the same updates are replayed in float64 NumPy from the same start,
with the gradients of the mean squared error written out:
$\partial L/\partial w = \tfrac{2}{n}\sum (wx + b - y)x$, $\partial L/\partial b = \tfrac{2}{n}\sum (wx + b - y)$.
""")

code("""
xs = x.numpy().astype(np.float64)
ys = 4 * xs + 0.6
w_np, b_np = w0, b0
for step in range(3000):
    residual = w_np * xs + b_np - ys
    w_np, b_np = w_np - 0.01 * 2 * np.mean(residual * xs), b_np - 0.01 * 2 * np.mean(residual)

print(f"graphgrad: w = {w.item():.5f}, b = {b.item():.5f}; float64 replay: w = {w_np:.5f}, b = {b_np:.5f}")
np.testing.assert_allclose([w.item(), b.item()], [w_np, b_np], atol=1e-4)
assert abs(w.item() - 4) < 0.1 and abs(b.item() - 0.6) < 0.05
""")

md(rf"""
## Experiment 3: `nn.Linear`, `nn.MSELoss`, `optim.SGD`

The article's PyTorch version, run unchanged except for its imports: the code cell below is
the article's code with exactly {len(IMPORTS)} lines changed,

```diff
{chr(10).join(CHANGED[2:])}
```

Everything else runs as written: `super(Lr, self).__init__()`, `torch.device("cuda:0" if
torch.cuda.is_available() else "cpu")` (graphgrad runs on the CPU, so it picks `"cpu"`), `.to(device)`,
`model.eval()`, `.cpu().detach().numpy()`, and formatting `loss.data` with `{{:.6f}}`. Note that the
article calls `criterion(y, out)` with target and prediction swapped; the mean squared error is
symmetric, so the result is the same.

The loop prints the loss every 20 of its 30000 steps: 1500 lines. The cell magic `%%capture
--no-display article_log` keeps them in `article_log.stdout` (and still shows the plot); we
print the first and last lines below and plot them. The seed is fixed in the cell before, so
that the notebook is reproducible (the article does not fix it). The article's first comment
says "using PyTorch's built-in functions"; its plot has no title or labels (a labelled one follows).
""")

code("""
import autograd
_ = autograd.manual_seed(0)
""")

code("%%capture --no-display article_log\n" + PORTED_EXPERIMENT_3)

code("""
printed = article_log.stdout.splitlines()
print(len(printed), "lines printed; the first three and the last three:")
print("\\n".join(printed[:3] + ["..."] + printed[-3:]))
w_fit, b_fit = model.linear.weight.item(), model.linear.bias.item()
print(f"w = {w_fit:.4f}, b = {b_fit:.4f}")
""")

md(r"""
With learning rate $10^{-3}$ (ten times smaller than experiment 2's) the 30000 steps bring
$w$ and $b$ close to 4 and 0.6. The loss falls fast at first and then slowly: the slow direction
is the one where changing $w$ and changing $b$ nearly cancel on $x \in [0, 1)$ (the two columns
$x$ and $1$ of the design matrix are correlated). The check replays the 30000 SGD steps in
float64 NumPy from the same initial parameters (re-created with the same seed).
""")

code("""
losses = np.array([float(re.search(r"loss:([0-9.]+)", line).group(1)) for line in printed])
steps = np.arange(20, 30001, 20)

autograd.manual_seed(0)                      # the same x and initial parameters as the article's cell
x0 = torch.rand([50, 1])
start = Lr()
w_np, b_np = start.linear.weight.item(), start.linear.bias.item()
xs = x0.numpy()[:, 0].astype(np.float64)
ys = 4 * xs + 0.6
replay = []
for step in range(30000):
    residual = w_np * xs + b_np - ys
    replay.append(np.mean(residual ** 2))
    w_np, b_np = w_np - 1e-3 * 2 * np.mean(residual * xs), b_np - 1e-3 * 2 * np.mean(residual)

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
left.semilogy(steps, losses, label="printed by the article's loop")
left.semilogy(steps, np.array(replay)[steps - 1], "--", label="float64 NumPy replay")
left.set(title="Experiment 3: MSE loss", xlabel="step", ylabel="loss (log scale)")
left.legend()
order = np.argsort(xs)
right.scatter(xs, ys, c="r", s=12, label="data: y = 4x + 0.6")
right.plot(xs[order], (w_fit * xs + b_fit)[order], label=f"nn.Linear: {w_fit:.3f} x + {b_fit:.3f}")
right.set(title="Experiment 3: the fit", xlabel="x", ylabel="y")
right.legend()
plt.tight_layout()
plt.show()

print(f"graphgrad: w = {w_fit:.5f}, b = {b_fit:.5f}; float64 replay: w = {w_np:.5f}, b = {b_np:.5f}")
assert len(printed) == 1500
np.testing.assert_allclose(losses, np.array(replay)[steps - 1], rtol=2e-3, atol=2e-6)   # printed to 6 decimals
np.testing.assert_allclose([w_fit, b_fit], [w_np, b_np], atol=1e-3)
assert abs(w_fit - 4) < 0.1 and abs(b_fit - 0.6) < 0.05
""")

md(r"""
## Summary

1. **$y = wx$, per-sample SGD**: the article's code with `import autograd as torch`, printing
   only epochs 0 and 99. Asserted: the first gradients $-2, -7.84, -16.2288$; all 300 gradients
   against a float64 replay; the prediction for $x = 4$ within $10^{-5}$ of 8 (the article:
   7.99999), and why float32 stops at 7.9999986.
2. **Manual `.data` updates**: the article's code, seeded, its plot labelled. Asserted: $w, b$
   within 0.1 / 0.05 of 4 / 0.6, and within $10^{-4}$ of a float64 replay of the 3000 steps.
3. **`nn.Linear`, `nn.MSELoss`, `optim.SGD`**: the article's code with only its 3 import lines
   changed. Asserted: the 1500 printed losses and the final $w, b$ against a float64 replay,
   and $w, b$ near 4 and 0.6.
""")

write(NAME)
