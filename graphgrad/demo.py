"""graphgrad's demo: `python -m graphgrad.demo [--out FOLDER] [--epochs N]`.

It reproduces article 004's numbers, checks gradients numerically, trains a digits
classifier with a progress bar, and writes graph drawings (SVG and PNG), a loss-curve plot
and a short report into one folder. Without Graphviz's `dot` it still runs and writes the
DOT sources instead of images.

The demo is a user of the whole library (autograd, nn, optim), not part of the engine: it
lives in graphgrad, the layer above them, which is why it may import nn and optim (autograd,
nn and optim never import graphgrad).
"""
from __future__ import annotations

import argparse
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

import autograd as ag

if TYPE_CHECKING:
    from autograd.drawing import BackwardSteps, Drawing
    from autograd.gradcheck import ModuleCheck

ARTICLE_004: dict[str, Any] = {"h": [0.9, 1.7], "y": [1.9], "L": 0.08, "dL/dW2": [[0.36, 0.68]],
               "dL/dW1": [[0.24, 0.48], [0.32, 0.64]]}


def article_004() -> tuple[dict[str, Any], Drawing, BackwardSteps]:
    """Article 004's one-hidden-layer network, forward and backward, in float64: the numbers,
    the drawing, and backprop one step at a time."""
    x = ag.tensor([1.0, 2.0], dtype=ag.float64)
    w1 = ag.tensor([[0.5, 0.2], [0.3, 0.7]], dtype=ag.float64, requires_grad=True)
    w2 = ag.tensor([[0.6, 0.8]], dtype=ag.float64, requires_grad=True)
    y_true = ag.tensor([1.5], dtype=ag.float64)
    h = w1 @ x
    z = h.relu()
    y = w2 @ z
    loss = 0.5 * ((y - y_true) ** 2).sum()
    names = {"x": x, "W1": w1, "W2": w2, "y_true": y_true, "h": h, "z": z, "y": y, "L": loss}
    drawing = ag.draw(loss, params=names)  # drawn before backward: the graph still has its saved values
    steps = ag.draw_backward_steps(loss, names=names)
    loss.backward()
    # (the ignores: mypy can't know that backward() just set the leaves' .grad)
    found = {"h": h.tolist(), "y": y.tolist(), "L": loss.item(), "dL/dW2": w2.grad.tolist(),  # type: ignore[union-attr]
             "dL/dW1": w1.grad.tolist()}  # type: ignore[union-attr]
    found = {key: np.round(value, 12).tolist() for key, value in found.items()}  # 0.36, not 0.36000000000000015
    for key, expected in ARTICLE_004.items():
        np.testing.assert_allclose(found[key], expected, rtol=1e-12, err_msg=f"article 004: {key}")
    return found, drawing, steps


def gradient_checks(nn: ModuleType) -> ModuleCheck:
    """Numerical gradient checks: a function of tensors, and every parameter of a module."""
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    w = ag.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    function_ok = ag.gradcheck(lambda a, b: ag.log_softmax((a @ b).tanh(), dim=1), (x, w))
    ag.manual_seed(0)
    module = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    report = ag.check_module(module, ag.tensor(rng.standard_normal((2, 3))))
    if not (function_ok and report.passed):
        raise AssertionError(f"gradient check failed:\n{report}")
    return report


def train_digits(nn: ModuleType, optim: ModuleType, epochs: int,
                 progress: Callable[..., Iterable[Any]]) -> tuple[Any, list[float], float, tuple[np.ndarray, int]]:
    """An MLP on scikit-learn's bundled 8x8 digits (no download), with Adam and a DataLoader;
    also returns one test digit and its label, to draw the trained network on."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        digits.data / 16.0, digits.target, test_size=0.25, random_state=0, stratify=digits.target)
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    loader = ag.data.DataLoader(ag.data.TensorDataset(ag.tensor(x_train), ag.tensor(y_train)),
                                batch_size=64, shuffle=True, generator=ag.Generator().manual_seed(0))
    losses: list[float] = []
    for _ in progress(range(epochs), desc="training on digits", unit="epoch"):
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        losses.append(total / len(x_train))
    with ag.no_grad():
        predicted = model(ag.tensor(x_test)).argmax(dim=1).numpy()
    accuracy = float((predicted == y_test).mean())
    return model, losses, accuracy, (x_test[0], int(y_test[0]))


def save_drawing(drawing: Drawing, folder: Path, name: str, have_dot: bool) -> list[Path]:
    """Writes `name`.svg and .png when Graphviz's dot is installed, and `name`.dot always."""
    base = folder / name
    base.with_suffix(".dot").write_text(drawing.source)
    if not have_dot:
        return [base.with_suffix(".dot")]
    for fmt in ("svg", "png"):
        base.with_suffix(f".{fmt}").write_bytes(drawing.pipe(format=fmt))
    return [base.with_suffix(".dot"), base.with_suffix(".svg"), base.with_suffix(".png")]


def plot_losses(losses: Sequence[float], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(range(1, len(losses) + 1), losses, marker="o", label="training loss")
    ax.set(title="Digits MLP: cross-entropy per epoch", xlabel="epoch", ylabel="mean cross-entropy")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m graphgrad.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="graphgrad-demo", help="folder for the outputs (default: %(default)s)")
    parser.add_argument("--epochs", type=int, default=15, help="training epochs (default: %(default)s)")
    args = parser.parse_args(argv)

    import nn
    import optim
    from tqdm import tqdm

    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    have_dot = shutil.which("dot") is not None
    started = time.perf_counter()

    found, article_drawing, article_steps = article_004()
    print(f"article 004: h = {found['h']}, y = {found['y']}, L = {found['L']:.2f}, "
          f"dL/dW2 = {found['dL/dW2']}, dL/dW1 = {found['dL/dW1']} (all as in the article)")
    report = gradient_checks(nn)
    print("gradient checks: passed\n" + str(report))
    model, losses, accuracy, (digit, label) = train_digits(nn, optim, args.epochs, tqdm)
    print(f"digits MLP: test accuracy {accuracy:.1%} after {args.epochs} epochs")

    written = save_drawing(article_drawing, folder, "article_004_graph", have_dot)
    if have_dot:  # backprop through article 004's network, a frame per step (needs Pillow: the demo extra has it)
        written.append(Path(article_steps.save(folder / "article_004_backprop.gif", duration=1200)))
    sample = ag.tensor(digit, dtype=ag.float32).reshape(1, 64)  # a real test digit: every gradient on the drawing is one
    written += save_drawing(ag.draw(nn.functional.cross_entropy(model(sample), ag.tensor([label])),
                                    params=model, collapse=True), folder, "digits_mlp_graph", have_dot)
    plot_losses(losses, folder / "loss_curve.png")
    written.append(folder / "loss_curve.png")
    report_path = folder / "report.md"
    report_path.write_text(
        "# graphgrad demo report\n\n"
        f"- Article 004: h = {found['h']}, y = {found['y']}, L = {found['L']:.2f}, dL/dW2 = {found['dL/dW2']}, "
        f"dL/dW1 = {found['dL/dW1']}: equal to the article's numbers.\n"
        f"- Gradient checks (central differences, float64): passed.\n\n```\n{report}\n```\n\n"
        f"- Digits MLP (64-64-10, Adam, {args.epochs} epochs): test accuracy {accuracy:.1%}; "
        f"final training loss {losses[-1]:.4f}.\n"
        f"- Files: {', '.join(p.name for p in written)}.\n"
        f"- Run time: {time.perf_counter() - started:.1f} s.\n")
    written.append(report_path)
    print(f"\nWrote {len(written)} files to {folder.resolve()}:")
    for path in written:
        print(f"  {path.name}")
    if not have_dot:
        print("\nGraphviz's `dot` program is not installed, so the graphs were written as .dot sources only. "
              "Install it (apt-get install graphviz, brew install graphviz, or conda install graphviz) and "
              "run the demo again to get SVG and PNG images.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
