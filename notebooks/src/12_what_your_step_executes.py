"""Builds notebooks/12_what_your_step_executes.ipynb: ag.compile records a training step once and
replays it as generated Python; the code it writes, next to the graph it came from.

    python notebooks/src/12_what_your_step_executes.py
    python scripts/execute_notebooks.py notebooks/12_what_your_step_executes.ipynb
"""
from _build import code, md, write

NAME = "12_what_your_step_executes"


md(r"""
# 12 · What your training step really executes

A training step written in PyTorch's style (`zero_grad()`, forward, `loss.backward()`,
`optimizer.step()`) does two kinds of work every time it runs:

* **the arithmetic**: matrix products, ReLUs, the loss, their gradients, the optimiser's update.
  This is done by NumPy, on arrays;
* **the bookkeeping**: a `Tensor` object for every intermediate value, a graph node for every
  operation, the backward walk working out in which order to visit the nodes, checks of shapes and
  of `requires_grad`... This is done by Python, and for small arrays it costs more than the
  arithmetic.

From one step to the next only the numbers change: the same operations run on arrays of the same
shapes, in the same order. `ag.compile` takes advantage of that. It **records** the arithmetic of
one step and writes it out as a plain Python function, with one statement per array operation and no
graph; later steps **replay** that function. This notebook prints what it writes:

1. for article 004's network (notebook 2), next to the graph drawing of the same loss;
2. for the digits MLP of notebook 8, with its timing against the eager step;
3. what happens when a step no longer fits the recording, and what cannot be recorded at all.
""")

code("""
import re
import statistics
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import autograd as ag
import nn
import optim
from autograd.compile import CompileError
""")

md(r"""
## 12.1 Article 004's step, compiled

The network of article 004: $h = W_1 x$, $z = \mathrm{ReLU}(h)$, $y = W_2 z$,
$L = \tfrac12\lVert y - y_\text{true}\rVert^2$, with the article's numbers. The article stops at the
gradients; to make it a training step we add one plain gradient descent update,
`optim.SGD` with learning rate 0.1.

`ag.compile(train_step)` returns a callable that is used exactly like `train_step`. It
finds the optimiser (and any `nn` module) in the function's arguments or its closure by itself.
""")

code("""
def article_004():
    '''Article 004's x and y_true, fresh weights W1 and W2, SGD on them, and the training step.'''
    x = ag.tensor([1.0, 2.0], dtype=ag.float64)
    y_true = ag.tensor([1.5], dtype=ag.float64)
    W1 = ag.tensor([[0.5, 0.2], [0.3, 0.7]], dtype=ag.float64, requires_grad=True)
    W2 = ag.tensor([[0.6, 0.8]], dtype=ag.float64, requires_grad=True)
    optimizer = optim.SGD([W1, W2], lr=0.1)

    def train_step(x, y_true):
        optimizer.zero_grad()
        loss = 0.5 * ((W2 @ (W1 @ x).relu() - y_true) ** 2).sum()
        loss.backward()
        optimizer.step()
        return loss

    return x, y_true, W1, W2, optimizer, train_step


x, y_true, W1, W2, optimizer, train_step = article_004()
compiled_step = ag.compile(train_step)
print(compiled_step.source)
""")

md(r"""
Nothing has been recorded yet. Calls go like this:

1. **The first call** runs eagerly, as if the step were not compiled. The first step is special:
   the optimiser creates its state, and each parameter's `.grad` appears.
2. **The second call** runs eagerly too, while a *recorder* watches the engine: every array
   operation of the forward pass, every gradient rule of the backward pass, every addition of two
   gradients, every accumulation into a `.grad`, every update of a parameter by the optimiser. At
   the end it writes them out as a function.
3. **From the third call on** the *guards* are checked (same shapes? same parameters? see 12.3);
   if they hold, the generated function runs instead of `train_step`.

So every call does a full training step; only the way it is carried out changes. The first call
gives the article's numbers, as in notebook 2:
""")

code("""
loss = compiled_step(x, y_true)
print(f"call 1: loss {loss.item():.4f}, dL/dW1 {W1.grad.numpy().round(4).tolist()}, dL/dW2 {W2.grad.numpy().round(4).tolist()}")
np.testing.assert_allclose(loss.item(), 0.08)
np.testing.assert_allclose(W1.grad.numpy(), [[0.24, 0.48], [0.32, 0.64]])
np.testing.assert_allclose(W2.grad.numpy(), [[0.36, 0.68]])
# ... and SGD moved each weight by -0.1 times its gradient
np.testing.assert_allclose(W1.detach().numpy(), [[0.5 - 0.024, 0.2 - 0.048], [0.3 - 0.032, 0.7 - 0.064]])

for call in (2, 3, 4):
    print(f"call {call}: loss {compiled_step(x, y_true).item():.10f}")
""")

md(r"""
### The graph, and the code recorded from it

Here is the step's loss drawn by `ag.draw`, at the article's weights (on a fresh copy: the four
calls above have moved `W1` and `W2`). Boxes are values, circles are operations, and each box
shows its value and its gradient $\partial L/\partial(\text{box})$. Right after it, the code that
`ag.compile` wrote while it recorded call 2.
""")

code("""
x0, y_true0, W1_0, W2_0, *_ = article_004()
loss = 0.5 * ((W2_0 @ (W1_0 @ x0).relu() - y_true0) ** 2).sum()     # the step's loss
drawing = ag.draw(loss, names={"x": x0, "W1": W1_0, "W2": W2_0, "y_true": y_true0})
circles = re.findall(r"tooltip=(\\w+)", drawing.source)   # the operation behind each circle
print("circles, left to right:", " → ".join(circles))
assert circles == ["Matmul", "Relu", "Matmul", "Sub", "Pow", "Sum", "Mul"]
drawing
""")

code("""
print(compiled_step.source)
""")

md(r"""
How to read it, top to bottom:

* **The arguments.** `a0` and `a1` are the tensors passed to the step (`x` and `y_true`); the first
  lines take out their NumPy arrays. The weights are not arguments: the generated code reads them
  by reference, under short names (below, `who_is_who` prints which name is which object), so it
  always sees their current values.
* **The forward pass: the circles, left to right.** The seven circles of the drawing are the first
  seven operations, in the same order: `@`, `ReLU`, `@`, `−`, `(·)²`, `Σ`, `× 0.5`. The comment at
  the end of a line names the operation and the line of *your* code that ran it (here a notebook
  cell, which Python names after a temporary file). Each operation computes one box of the drawing
  from the boxes that point into its circle, and nothing else happens: no `Tensor` is made, no
  graph is recorded.
* **The backward pass: the same circles, right to left.** Backpropagation starts at $L$ with
  $\partial L/\partial L = 1$ (a constant the recorder saved) and visits the circles in reverse
  order. For each circle the code takes the gradient of its output and computes the gradients of
  its inputs (the chain rule of notebook 2, one circle at a time). An input that needs no gradient
  (`x`, `y_true`, the constants 0.5 and 2) gets none. At the article's weights, the gradients
  computed here are the `grad = ...` written in the drawing's boxes.
* **Into `.grad`.** When a gradient reaches a leaf, `W1` or `W2`, one line adds it into that
  tensor's `.grad` (the same *accumulate* step the engine runs: a leaf used twice would receive two
  gradients, added together first). Just before it, the code sets that `.grad` to `None`:
  `optimizer.zero_grad()` did so in the recorded call, so the replay does the same, and the
  gradient that arrives becomes a fresh `.grad`. Take `zero_grad()` out of the step
  and that line disappears: the replay then adds to the previous step's `.grad`, as eager does.
* **The update.** Last, under `no_grad`, one line per parameter: the optimiser's own update of that
  parameter (for SGD, $W \leftarrow W - 0.1\,\partial L/\partial W$). It reads the learning rate
  from the optimiser on every call, so changing it, or a learning-rate scheduler, keeps working.
* **The result.** The loss comes back as a fresh tensor without a graph: `.item()` on it, outside
  the step, is fine.
""")

code("""
def who_is_who(compiled, names):
    '''The objects the generated code of the latest recording reads by name, and what they are.'''
    entry = [entry for entries in compiled.entries.values() for entry in entries][-1]
    mine = {id(obj): name for name, obj in names.items()}
    for name, obj in entry.function.__globals__.items():
        if name.startswith("__") or not re.search(rf"\\b{name}\\b", compiled.source):
            continue
        if id(obj) in mine:
            print(f"{name:>16} is {mine[id(obj)]}")
        elif isinstance(obj, ag.autograd.Function):
            print(f"{name:>16} is the {type(obj).__name__} circle (it keeps what its backward needs)")


who_is_who(compiled_step, {"x": x, "y_true": y_true, "W1": W1, "W2": W2, "the optimiser": optimizer})
""")

md(r"""
### Compiled equals eager, bit for bit

The generated code runs the same NumPy operations, on the same arrays, in the same order as the
eager step, and uses the same gradient rules. Only Python's bookkeeping around them is gone. A
floating-point result depends on nothing but the operations and their order, so the two give
**identical** numbers, not merely close ones. We check it with `==`, not with a tolerance: two
fresh copies of the network, ten steps each, one eager and one compiled.
""")

code("""
def ten_steps(compiled):
    x, y_true, W1, W2, optimizer, train_step = article_004()
    step = ag.compile(train_step) if compiled else train_step
    losses = [step(x, y_true).item() for _ in range(10)]
    return losses, W1.detach().numpy(), W2.detach().numpy()


eager_losses, eager_W1, eager_W2 = ten_steps(compiled=False)
compiled_losses, compiled_W1, compiled_W2 = ten_steps(compiled=True)
for i in (0, 1, 2, 9):
    print(f"step {i + 1:>2}: eager {eager_losses[i]!r:<24} compiled {compiled_losses[i]!r}")
assert compiled_losses == eager_losses                  # every bit of all ten losses
assert np.array_equal(compiled_W1, eager_W1) and np.array_equal(compiled_W2, eager_W2)
""")

md(r"""
## 12.2 The digits MLP of notebook 8

Notebook 8's data (scikit-learn's 8×8 digits, standardised), its MLP
(`Flatten`, `Linear(64, 128)`, `ReLU`, `Linear(128, 10)`), `nn.CrossEntropyLoss` and
`optim.Adam(lr=3e-3)`, batches of 32. The step is the usual four lines.
""")

code("""
digits = load_digits()
images = digits.images.astype(np.float32)
train_images, test_images, train_labels, test_labels = train_test_split(
    images, digits.target, test_size=0.25, random_state=0, stratify=digits.target)
mean, std = train_images.mean(), train_images.std()
train_x = ag.tensor((train_images - mean) / std).unsqueeze(1)   # (N, 1, 8, 8)
train_y = ag.tensor(train_labels)
criterion = nn.CrossEntropyLoss()


def mlp_and_step():
    '''A fresh MLP (always the same initial weights), its Adam optimiser, and its training step.'''
    ag.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    optimizer = optim.Adam(model.parameters(), lr=3e-3)

    def train_step(x, y):
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return model, optimizer, train_step


# The same batches for every run: 7 shuffled epochs of full batches of 32 (1347 images: 42 per epoch).
ag.manual_seed(1)
loader = ag.data.DataLoader(ag.data.TensorDataset(train_x, train_y), batch_size=32, shuffle=True, drop_last=True)
batches = [batch for epoch in range(7) for batch in loader]
print(f"{len(train_y)} training images, {len(batches)} batches of {len(batches[0][1])}")
""")

md(r"""
Two copies of the MLP with the same initial weights: one trained eagerly, one compiled, on the same
batches. Each step is timed on its own (`time.perf_counter`), the eager and the compiled step in turn
so that both see the same conditions on the machine; the figure for each is the median over the
steps, leaving out the compiled step's first two calls (eager, then recording).
""")

code("""
def timed(step, *args):
    '''What the step returns, and how long it took in seconds.'''
    start = time.perf_counter()
    result = step(*args)
    return result, time.perf_counter() - start


eager_model, _, eager_step = mlp_and_step()
compiled_model, _, step = mlp_and_step()
compiled_step = ag.compile(step)

eager_times, compiled_times, eager_losses, compiled_losses = [], [], [], []
for x, y in batches:
    loss, seconds = timed(eager_step, x, y)
    eager_losses.append(loss.item())
    eager_times.append(seconds)

    loss, seconds = timed(compiled_step, x, y)
    compiled_losses.append(loss.item())
    compiled_times.append(seconds)

eager_us = 1e6 * statistics.median(eager_times[2:])
compiled_us = 1e6 * statistics.median(compiled_times[2:])
print(f"{len(batches)} steps; median time per step: eager {eager_us:.0f} µs, compiled {compiled_us:.0f} µs "
      f"({eager_us / compiled_us:.2f}× as fast)")
print(f"loss: step 1 {eager_losses[0]:.4f}, step {len(batches)} {eager_losses[-1]:.4f}")

# What must hold on every machine: the same numbers, bit for bit (the timings vary from machine to machine)
assert compiled_losses == eager_losses
for p, q in zip(eager_model.parameters(), compiled_model.parameters()):
    assert np.array_equal(p.detach().numpy(), q.detach().numpy())
assert eager_losses[-1] < 0.5 * eager_losses[0]
""")

md(r"""
The code it runs. The forward pass is five operations: flatten (a reshape), the first linear
layer, ReLU, the second linear layer, and the cross-entropy loss (the engine has one fused operation
for softmax + log + picking the true class + mean). The backward pass walks them back; each
gradient of a weight or a bias goes into its `.grad` as soon as it is ready, and Adam's update of
the four parameter tensors closes the step.
""")

code("""
lines = compiled_step.source.splitlines()
print("\\n".join(lines[:40]))
if len(lines) > 40:
    print(f"... ({len(lines) - 40} more lines)")
""")

md(r"""
`compiled.explain()` lists the recordings ("entries"): why each was made, how many times it has
been replayed, and its *guard key*: the shape, dtype and `requires_grad` of each tensor argument
(here the images and the labels), then whether gradients are enabled, anomaly detection, the default
dtype, and the `training` flag of each module of the model (`Sequential` and its four layers).
""")

code("""
print(compiled_step.explain())
""")

md(r"""
### Where the time goes

The arithmetic is the same in both columns (bit for bit, as asserted), so the difference is what
Python no longer does: creating a `Tensor` and a graph node for each operation, sorting the graph
for the backward walk, the checks. The smaller the arrays, the larger that share: for article
004's network, whose arrays hold two numbers, almost all of an eager step is bookkeeping.
""")

code("""
x, y_true, *_, eager_004_step = article_004()
*_, train_step = article_004()
compiled_004_step = ag.compile(train_step)
eager_004_times, compiled_004_times = [], []
for _ in range(300):
    eager_004_times.append(timed(eager_004_step, x, y_true)[1])
    compiled_004_times.append(timed(compiled_004_step, x, y_true)[1])
eager_004 = 1e6 * statistics.median(eager_004_times[2:])
compiled_004 = 1e6 * statistics.median(compiled_004_times[2:])
print(f"article 004: eager {eager_004:.0f} µs, compiled {compiled_004:.0f} µs per step ({eager_004 / compiled_004:.1f}× as fast)")
print(f"digits MLP:  eager {eager_us:.0f} µs, compiled {compiled_us:.0f} µs per step ({eager_us / compiled_us:.2f}× as fast)")
""")

md(r"""
## 12.3 Guards: when the recording does not fit

A replay repeats the recorded operations exactly, so it is only correct for calls that would have
run the same operations on arrays of the same shapes. Before each replay the **guards** check that:

* every tensor argument has the shape, dtype and `requires_grad` recorded; every other argument
  (a number, a string) the same value;
* gradient mode, anomaly mode, the default dtype, and each module's `training` flag (`train()` /
  `eval()`) are unchanged;
* every parameter still has the same array (it was not replaced) and its `.grad` is `None`, or not,
  as when recorded.

When a guard misses, `ag.compile` makes a new recording (an *entry*) for the new situation and keeps
the old one. (After 8 entries it warns once and runs eagerly for new situations.)

The usual miss: the last batch of an epoch. 1347 training images in batches of 32 leave a last
batch of 3. Two epochs without `drop_last`: in the first, the batch of 3 runs eagerly (it is the
first call with that shape), in the second it is recorded, and `explain()` shows a second entry.
""")

code("""
loader = ag.data.DataLoader(ag.data.TensorDataset(train_x, train_y), batch_size=32, shuffle=True)
for epoch in range(2):
    sizes = []
    for x, y in loader:
        compiled_step(x, y)
        sizes.append(len(y))
    print(f"epoch {epoch + 1}: {len(sizes)} batches, the last one of {sizes[-1]} images")
print()
print(compiled_step.explain())
assert sizes[-1] == 3 and "(3, 1, 8, 8)" in compiled_step.explain()
""")

md(r"""
`compiled_step.source` now shows the latest entry, recorded for 3 images: the same code with other
shapes (look at the reshape to `(3, 64)`).
""")

code("""
print("\\n".join(compiled_step.source.splitlines()[:6]))
""")

md(r"""
## 12.4 What cannot be recorded

The recording holds array operations only. Python code that *looks at a value* inside the step is
not recorded, so a replay would not run it: it would keep the decision or the number of the recorded
call forever. `ag.compile` refuses such a step while recording and raises `CompileError`, naming
the line. This happens for `.item()`, `float()`, `bool()` (an `if` on a tensor) and `.numpy()` of
an intermediate value, among others: `help(ag.compile)` lists what cannot be recorded.

Here the step watches for exploding logits: it takes the largest one as a Python number with
`.item()` and decides on it. The first call runs eagerly and succeeds; the second, which records,
raises:
""")

code("""
model, adam, _ = mlp_and_step()


def step_that_looks(x, y):
    adam.zero_grad()
    logits = model(x)
    loss = criterion(logits, y)
    biggest = logits.abs().max().item()          # a Python number, taken inside the step
    if biggest > 100:
        print("the logits are exploding")
    loss.backward()
    adam.step()
    return loss


looking = ag.compile(step_that_looks)
x, y = batches[0]
looking(x, y)                                   # call 1: eager
try:
    looking(x, y)                               # call 2: records, and refuses
except CompileError as error:
    message = str(error)
print(message)
assert ".item()" in message and "enabled=False" in message
""")

md(r"""
The fix the message suggests: **return** the value and look at it outside the step. A number taken
with `.item()` that the step returns is allowed: the generated code computes it again on every
replay and returns it. And `bool()` of a tensor (here `if loss > 5:`) is refused straight away, at
the line that does it:
""")

code("""
def step_that_returns(x, y):
    adam.zero_grad()
    logits = model(x)
    loss = criterion(logits, y)
    biggest = logits.abs().max().item()
    loss.backward()
    adam.step()
    return loss, biggest


returning = ag.compile(step_that_returns)
biggest = [returning(x, y)[1] for x, y in batches[:6]]     # calls 1 and 2 eager, then 4 replays
print("largest |logit| per step:", [round(b, 4) for b in biggest])
if max(biggest) > 100:
    print("the logits are exploding")
assert len(set(biggest)) == len(biggest)   # a new number each step: not frozen at the recorded call's


def step_with_if(x, y):
    adam.zero_grad()
    loss = criterion(model(x), y)
    if loss > 5:                                 # bool() of a tensor
        loss = loss * 0.1
    loss.backward()
    adam.step()
    return loss


with_if = ag.compile(step_with_if)
with_if(x, y)
try:
    with_if(x, y)
except CompileError as error:
    message = str(error)
print()
print(message)
assert "bool()" in message
""")

md(r"""
## Summary

* `ag.compile(step)` runs the first call eagerly, **records** the second, and **replays** the
  recording from the third call on: straight-line Python, one line per array operation, which
  `compiled.source` prints. Its forward lines are the circles of `ag.draw`'s picture from left to
  right, its backward lines the same circles from right to left, then the accumulation into each
  `.grad` and the optimiser's update of each parameter.
* The replay runs the same NumPy operations in the same order as the eager step, so its numbers are
  **the same, bit for bit**; what it saves is Python's bookkeeping, a large share of the time for
  small arrays and a smaller one for large arrays.
* **Guards** decide whether a recording fits a call (shapes, dtypes, modes, parameters); a call that
  does not fit gets a recording of its own, listed by `compiled.explain()`.
* What a replay could not repeat (Python looking at a value: `.item()`, `if tensor:`, ...) raises
  `CompileError` while recording, naming the line; `ag.compile(step, enabled=False)` or
  `GRAPHGRAD_COMPILE=0` runs the step eagerly instead.
""")

write(NAME)
