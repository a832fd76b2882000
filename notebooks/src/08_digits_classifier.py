"""Builds notebooks/08_digits_classifier.ipynb: an MLP and a small CNN on scikit-learn's digits.

    python notebooks/src/08_digits_classifier.py
    python scripts/execute_notebooks.py notebooks/08_digits_classifier.ipynb
"""
from _build import code, md, write

NAME = "08_digits_classifier"


md(r"""
# 08 · A digits classifier: MLP and CNN

Everything the articles build up to, on a real (small) data set: scikit-learn's handwritten
digits, 1797 grey images of 8×8 pixels, bundled with scikit-learn (no download). We train

* a multilayer perceptron (MLP): the image as a vector of 64 pixels, one hidden ReLU layer;
* a small convolutional network (CNN): `nn.Conv2d` filters slide over the image, `nn.MaxPool2d`
  halves its resolution, a linear layer classifies;

with `nn.CrossEntropyLoss` and `optim.Adam`, in mini-batches from `ag.data.DataLoader`, with a
`tqdm` progress bar. Then the training curves, the confusion matrices, and the trained
network's computation graph, drawn one box per module.
""")

code("""
%matplotlib inline
%config InlineBackend.figure_formats = ["png"]
import warnings

import numpy as np
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

# Without ipywidgets, tqdm.auto falls back to its text progress bar after a warning; the bar is what we want.
warnings.filterwarnings("ignore", message="IProgress not found")
from tqdm.auto import tqdm

import autograd as ag
import nn
import nn.functional as F
import optim

plt.rcParams.update({"figure.figsize": (7, 4), "figure.dpi": 90})
""")

md(r"""
## The data

Pixel values are integers from 0 to 16. We keep a stratified quarter of the images for testing,
and standardise the pixels with the training set's mean and standard deviation (one number
each: the images share one scale).
""")

code("""
digits = load_digits()
images = digits.images.astype(np.float32)
train_images, test_images, train_labels, test_labels = train_test_split(
    images, digits.target, test_size=0.25, random_state=0, stratify=digits.target)
mean, std = train_images.mean(), train_images.std()
train_x = ag.tensor((train_images - mean) / std).unsqueeze(1)   # (N, 1, 8, 8): one channel
test_x = ag.tensor((test_images - mean) / std).unsqueeze(1)
train_y, test_y = ag.tensor(train_labels), ag.tensor(test_labels)
print(f"train {tuple(train_x.shape)}, test {tuple(test_x.shape)}, classes {np.bincount(train_labels)}")

fig, axes = plt.subplots(2, 10, figsize=(9, 2.2))
for ax, image, label in zip(axes.ravel(), images, digits.target):
    ax.imshow(image, cmap="gray_r")
    ax.set_title(str(label), fontsize=9)
    ax.axis("off")
fig.suptitle("The first 20 digits (8×8 pixels) and their labels", fontsize=10)
plt.tight_layout()
plt.show()
""")

md(r"""
## One training loop for both models

The loop is PyTorch's: `optimizer.zero_grad()`, forward, loss, `loss.backward()`,
`optimizer.step()`, over shuffled mini-batches of 32. A cosine schedule lowers the learning rate
to zero over the epochs. After each epoch the model is evaluated on the test set under
`ag.no_grad()` (no graph is recorded) and in `eval()` mode. The progress bar advances per epoch
and shows the last epoch's loss and accuracy.
""")

code("""
def accuracy(model, x, y):
    model.eval()
    with ag.no_grad():
        predicted = model(x).argmax(dim=1)
    return (predicted == y).float().mean().item()

def train(model, name, epochs, lr):
    loader = ag.data.DataLoader(ag.data.TensorDataset(train_x, train_y), batch_size=32, shuffle=True)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    schedule = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    criterion = nn.CrossEntropyLoss()
    history = {"train loss": [], "test accuracy": []}
    bar = tqdm(range(epochs), desc=name)
    for epoch in bar:
        model.train()
        total, count = 0.0, 0
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
            total, count = total + loss.item() * len(y), count + len(y)
        schedule.step()
        history["train loss"].append(total / count)
        history["test accuracy"].append(accuracy(model, test_x, test_y))
        bar.set_postfix(loss=f"{history['train loss'][-1]:.4f}", test_acc=f"{history['test accuracy'][-1]:.3f}",
                        refresh=False)
    return history
""")

md(r"""
## The MLP

`Flatten` turns each 1×8×8 image into 64 numbers; one hidden layer of 128 ReLU units; 10 output
scores (logits), one per digit. `CrossEntropyLoss` applies the softmax itself.
""")

code("""
ag.manual_seed(0)
mlp = nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
print(mlp)
print("parameters:", sum(p.numel() for p in mlp.parameters()))
mlp_history = train(mlp, "MLP", epochs=15, lr=3e-3)
""")

md(r"""
## The CNN

Two 3×3 convolutions (16 and 32 filters, padding 1 keeps the 8×8 size), each followed by ReLU,
then a 2×2 max-pooling down to 4×4, a hidden linear layer and the output layer. A convolution
shares each filter's 9 weights across all positions of the image: it looks for the same stroke
everywhere. On images this small the MLP is already good; the CNN reaches its accuracy in fewer
epochs.
""")

code("""
ag.manual_seed(0)
cnn = nn.Sequential(
    nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(),
    nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(32 * 4 * 4, 64), nn.ReLU(), nn.Linear(64, 10))
print(cnn)
print("parameters:", sum(p.numel() for p in cnn.parameters()))
cnn_history = train(cnn, "CNN", epochs=10, lr=3e-3)
""")

code("""
histories = {"MLP": mlp_history, "CNN": cnn_history}
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
for name, history in histories.items():
    epochs = np.arange(1, len(history["train loss"]) + 1)
    left.semilogy(epochs, history["train loss"], marker=".", label=name)
    right.plot(epochs, 100 * np.array(history["test accuracy"]), marker=".", label=name)
left.set(title="training loss (mean over the epoch)", xlabel="epoch", ylabel="cross-entropy (log scale)")
right.set(title="test accuracy after each epoch", xlabel="epoch", ylabel="accuracy (%)", ylim=(85, 100))
for ax in (left, right):
    ax.legend()
    ax.grid(alpha=0.3)
plt.tight_layout()
plt.show()

mlp_accuracy, cnn_accuracy = accuracy(mlp, test_x, test_y), accuracy(cnn, test_x, test_y)
print(f"test accuracy: MLP {mlp_accuracy:.2%}, CNN {cnn_accuracy:.2%} ({len(test_labels)} test images)")
assert mlp_accuracy >= 0.95
assert cnn_accuracy >= 0.97
assert mlp_history["train loss"][-1] < 0.1 * mlp_history["train loss"][0]
assert cnn_history["train loss"][-1] < 0.1 * cnn_history["train loss"][0]
""")

md(r"""
## Confusion matrices

Row $i$, column $j$ counts the test images of digit $i$ that the model called $j$: the diagonal
holds the correct answers, everything off it is a mistake.
""")

code("""
def confusion(model):
    model.eval()
    with ag.no_grad():
        predicted = model(test_x).argmax(dim=1).numpy()
    matrix = np.zeros((10, 10), dtype=int)
    np.add.at(matrix, (test_labels, predicted), 1)
    return matrix, predicted

fig, axes = plt.subplots(1, 2, figsize=(10, 4.6))
predictions = {}
for ax, (name, model) in zip(axes, {"MLP": mlp, "CNN": cnn}.items()):
    matrix, predictions[name] = confusion(model)
    ax.imshow(matrix, cmap="Blues")
    for i in range(10):
        for j in range(10):
            if matrix[i, j]:
                ax.text(j, i, matrix[i, j], ha="center", va="center", fontsize=8,
                        color="white" if matrix[i, j] > matrix.max() / 2 else "black")
    ax.set(title=f"{name}: {np.trace(matrix)} of {matrix.sum()} correct", xlabel="predicted digit",
           ylabel="true digit", xticks=range(10), yticks=range(10))
    assert matrix.sum() == len(test_labels)
    assert np.all(matrix.sum(axis=1) == np.bincount(test_labels, minlength=10))
    np.testing.assert_allclose(np.trace(matrix) / matrix.sum(), accuracy(model, test_x, test_y))
plt.tight_layout()
plt.show()
""")

code("""
wrong = np.flatnonzero(predictions["CNN"] != test_labels)
fig, axes = plt.subplots(1, max(len(wrong[:10]), 1), figsize=(9, 1.6), squeeze=False)
for ax, i in zip(axes.ravel(), wrong[:10]):
    ax.imshow(test_images[i], cmap="gray_r")
    ax.set_title(f"{test_labels[i]} → {predictions['CNN'][i]}", fontsize=9)
for ax in axes.ravel():
    ax.axis("off")
fig.suptitle(f"The CNN's mistakes (true → predicted), {len(wrong)} in all", fontsize=10)
plt.tight_layout()
plt.show()
""")

md(r"""
## The trained networks' computation graphs

`ag.draw(loss, params=model, collapse=True)` draws the graph of one loss evaluation (here on a
batch of 8 test images) with each module that owns parameters as one rounded box listing them
and their gradient norms; the square boxes between modules are the tensors passed from layer
to layer, with their shapes. The drawing computes $\partial\,\text{loss}/\partial(\text{box})$ from the
graph itself, without calling `backward()`. `max_elements=4` writes out only tiny tensors
(larger ones show their gradient norm). After the last linear layer come the operations
`nn.CrossEntropyLoss` is made of: log-softmax, picking each image's true class (`gather`),
minus sign, mean over the batch.

The MLP: `Flatten`, `Linear(64, 128)` (module 1), ReLU, `Linear(128, 10)` (module 3).
""")

code("""
mlp.eval()
batch_x, batch_y = test_x[:8], test_y[:8]
mlp_loss = nn.CrossEntropyLoss()(mlp(batch_x), batch_y)
ag.draw(mlp_loss, params=mlp, collapse=True, label="loss", max_elements=4, rankdir="TB")
""")

md(r"""
The CNN (both drawings run top to bottom, `rankdir="TB"`, because they are long). `nn.Conv2d` is not one
primitive: it is *im2col*: `pad` the input, cut out every 3×3 window with two `unfold`s,
`permute`/`reshape` the windows into a matrix, multiply by the filters, add the bias, and
`reshape`/`permute` back to images. `nn.MaxPool2d` likewise unfolds 2×2 windows and `gather`s
their maxima. Those data-rearranging steps use no parameter, so the drawing shows them as
operators between the module boxes (the first convolution's are absent: its input needs no
gradient).

With `collapse=True`, the reshape and permute that run *inside* each convolution (between its
matrix product and its bias addition) are drawn inside the module's box, because they lie on a
path from one of the module's operators to another.
""")

code("""
cnn.eval()
cnn_loss = nn.CrossEntropyLoss()(cnn(batch_x), batch_y)
ag.draw(cnn_loss, params=cnn, collapse=True, label="loss", max_elements=4, rankdir="TB")
""")

code("""
# The drawings computed their gradients from the graphs; backward() agrees with them.
for model, loss in ((mlp, mlp_loss), (cnn, cnn_loss)):
    model.zero_grad()
    loss.backward()
last_layer = cnn[-1].weight.grad.norm().item()
print(f"CNN's last layer: ‖∂loss/∂weight‖ = {last_layer:.4g}")
drawing = ag.draw(cnn_loss, params=cnn, collapse=True, grads="stored")
assert f"{last_layer:.4g}" in drawing.source
""")

md(r"""
## Summary

| model | parameters | epochs | test accuracy (asserted) |
|---|---|---|---|
| MLP 64-128-10 | 9,610 | 15 | ≥ 95 % |
| CNN conv16-conv32-pool-64-10 | 38,282 | 10 | ≥ 97 % |
""")

write(NAME)
