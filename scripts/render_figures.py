"""Renders the articles' computation-graph figures to SVG and PNG.

    python scripts/render_figures.py [folder]      (default: figures/)

Article 003: J = 3(a + bc), and the loss graph of y_hat = w x, loss = (y_hat - y)^2 with its
backward pass; article 004: the one-hidden-layer ReLU network; article 000: the one-hidden-layer
network with L2 regularisation. Each drawing has values and gradients on every box; article
004's backward pass is also written as an animation, a frame per node visited.
"""
import argparse
import pathlib

import autograd as ag
from autograd.drawing import draw


def _scalar(value, requires_grad=True):
    return ag.tensor(value, dtype=ag.float64, requires_grad=requires_grad)


def article_003_partial_derivatives():
    """J(a, b, c) = 3(a + bc) with v = bc, u = a + v, J = 3u at a=5, b=3, c=2."""
    a, b, c = _scalar(5.0), _scalar(3.0), _scalar(2.0)
    v = b * c
    u = a + v
    J = 3 * u
    return draw(J, names={"a": a, "b": b, "c": c, "v": v, "u": u, "J": J})


def article_003_loss_graph():
    """y_hat = w x, loss = (y_hat - y)^2 at x = 1, w = 1, y = 2, with the backward pass."""
    w, x, y = _scalar(1.0), _scalar(1.0, False), _scalar(2.0, False)
    y_hat = w * x
    residual = y_hat - y
    loss = residual ** 2
    return draw(loss, backward=True, names={"w": w, "x": x, "y": y, "ŷ": y_hat, "ŷ − y": residual, "loss": loss})


def article_004_network():
    """h = W1 x, z = ReLU(h), y = W2 z, L = 1/2 ||y - y_true||^2 with the article's numbers."""
    x = ag.tensor([1.0, 2.0], dtype=ag.float64)
    W1 = ag.tensor([[0.5, 0.2], [0.3, 0.7]], dtype=ag.float64, requires_grad=True)
    W2 = ag.tensor([[0.6, 0.8]], dtype=ag.float64, requires_grad=True)
    y_true = ag.tensor([1.5], dtype=ag.float64)
    h = W1 @ x
    z = ag.relu(h)
    y = W2 @ z
    error = y - y_true
    squared = error ** 2
    total = squared.sum()
    L = 0.5 * total
    return draw(L, names={"x": x, "W1": W1, "W2": W2, "y_true": y_true, "h": h, "z": z, "y": y,
                          "y − y_true": error, "(y − y_true)²": squared, "‖y − y_true‖²": total, "L": L})


def article_004_backprop():
    """Article 004's network as one line, only its inputs named: backprop one node at a time."""
    x = ag.tensor([1.0, 2.0], dtype=ag.float64)
    W1 = ag.tensor([[0.5, 0.2], [0.3, 0.7]], dtype=ag.float64, requires_grad=True)
    W2 = ag.tensor([[0.6, 0.8]], dtype=ag.float64, requires_grad=True)
    y_true = ag.tensor([1.5], dtype=ag.float64)
    L = 0.5 * ((W2 @ (W1 @ x).relu() - y_true) ** 2).sum()
    return ag.draw_backward_steps(L, names={"x": x, "W1": W1, "W2": W2, "y_true": y_true, "L": L})


def article_000_regularised_network(lam=0.1):
    """z = W1 x, h = phi(z), o = W2 h, L = loss(o, y), s = lambda/2 (||W1||^2 + ||W2||^2), J = L + s."""
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
    squares_w1, squares_w2 = W1 ** 2, W2 ** 2
    norm_w1, norm_w2 = squares_w1.sum(), squares_w2.sum()
    norms = norm_w1 + norm_w2
    s = lam / 2 * norms
    J = L + s
    return draw(J, names={"x": x, "y": y, "W1": W1, "W2": W2, "z": z, "h": h, "o": o, "o − y": error,
                          "(o − y)²": squared, "L": L, "W1²": squares_w1, "W2²": squares_w2, "‖W1‖²": norm_w1,
                          "‖W2‖²": norm_w2, "‖W1‖² + ‖W2‖²": norms, "s": s, "J": J})


FIGURES = {
    "article_003_partial_derivatives": article_003_partial_derivatives,
    "article_003_loss_graph": article_003_loss_graph,
    "article_004_network": article_004_network,
    "article_000_regularised_network": article_000_regularised_network,
}


ANIMATIONS = {"article_004_backprop": article_004_backprop}  # written as GIF (README's is this one)


def render_figures(folder="figures"):
    """Writes NAME.svg and NAME.png for each figure, NAME.gif for each animation, into `folder`;
    returns the paths written."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in FIGURES.items():
        drawing = make()
        (folder / f"{name}.svg").write_bytes(drawing.pipe(format="svg"))
        drawing.attr(dpi="150")  # PNG at print resolution; the SVG keeps its natural size
        (folder / f"{name}.png").write_bytes(drawing.pipe(format="png"))
        written += [folder / f"{name}.svg", folder / f"{name}.png"]
    for name, make in ANIMATIONS.items():
        written.append(pathlib.Path(make().save(folder / f"{name}.gif", duration=1500)))
    return written


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default="figures", help="where to write the images (default: figures/)")
    for path in render_figures(parser.parse_args().folder):
        print(path)


if __name__ == "__main__":
    main()
