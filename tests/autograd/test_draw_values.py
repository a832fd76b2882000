"""What a drawing writes on its boxes and circles: every value as the forward pass produced it
(recomputed where nobody kept it, marked where it changed in place since), a name for every
box, short symbols in circles of one size, module clusters titled by their type."""
import re
import shutil
import time

import numpy as np
import pytest

import autograd as ag
import nn
import optim
from autograd.drawing import draw
from autograd.drawing.graph import GraphView
from autograd.drawing.values import Unknown

from test_draw import Parsed


def f64(value, grad=True):
    return ag.tensor(value, dtype=ag.float64, requires_grad=grad)


# ---- the article graphs the issue names ---------------------------------------------------
def article_000_regularised_network():
    """J = L + s as notebook 01 writes it with nn, nothing but the inputs named."""
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 2, bias=False), nn.Sigmoid(), nn.Linear(2, 1, bias=False)).double()
    x, y = ag.tensor([1.0, -1.0], dtype=ag.float64), ag.tensor([1.0], dtype=ag.float64)
    L = ((model(x) - y) ** 2).sum()
    s = 0.1 / 2 * ((model[0].weight ** 2).sum() + (model[2].weight ** 2).sum())
    return L + s, model, {"x": x, "y": y}


def article_004_one_line():
    """The issue's one-line expression: no intermediate kept anywhere."""
    W1 = f64([[0.5, -0.2], [0.3, 0.8]])
    W2 = f64([[1.0, -1.0]])
    x = ag.tensor([1.0, 2.0], dtype=ag.float64)
    loss = 0.5 * ((W2 @ (W1 @ x).relu() - 1.5) ** 2).sum()
    return loss, None, {"W1": W1, "W2": W2, "x": x}


def digits_mlp():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    x = ag.randn(1, 64)
    loss = nn.functional.cross_entropy(model(x), ag.tensor([3]))
    return loss, model, {"x": x}


@pytest.mark.parametrize("make", [article_000_regularised_network, article_004_one_line, digits_mlp])
def test_every_box_has_a_value_and_a_name_and_every_circle_a_short_symbol(make):
    root, model, names = make()
    modules = {name: type(m).__name__ for name, m in model.named_modules() if name} if model else {}
    for parsed in (Parsed(draw(root, params=model, names=names, max_nodes=None)),
                   Parsed(draw(root, params=model, names=names, max_nodes=None, collapse=model is not None))):
        text = "\n".join("\n".join(n.lines) for n in parsed.nodes.values()) + parsed.caption
        assert "unnamed" not in text and "value not known" not in text
        for box in parsed.boxes():
            head, rest = box.lines[0], box.lines[1:]
            assert head.strip() and not re.fullmatch(r"\([\d×]*\)", head)  # a name, not a bare shape
            has_value = " = " in head and not head.startswith("grad") or (rest and not rest[0].startswith(("grad", "‖grad")))
            assert has_value, box.lines
        for circle in parsed.circles():
            assert 1 <= len(circle.lines[0]) <= 8, circle.lines
            assert circle.attrs["fixedsize"] == "true" and circle.attrs["width"] == parsed.circles()[0].attrs["width"]
            assert circle.attrs["tooltip"]
        for name, kind in modules.items():
            titled = [n for n in parsed.nodes.values() if (n.cluster or "").startswith(f"{name}: {kind}(")
                      or n.lines[0].startswith(f"{name}: {kind}(")]
            assert titled or kind in ("Sigmoid", "ReLU"), (name, kind)  # activations own no parameter
    root.backward()  # the graph drawn was a working one


def test_the_one_line_expression_reads_as_the_formula_in_boxes_and_steps():
    loss, _, names = article_004_one_line()
    parsed = Parsed(draw(loss, names=names))
    heads = {box.lines[0] for box in parsed.boxes()}
    assert {"W1 @ x (2)", "ReLU(W1 @ x) (2)", "W2 @ ReLU(W1 @ x) (1)"} <= heads
    assert {"(W2 @ ReLU(…) − 1.5)² (1)", "0.5 × Σ((…)²) = 5.445"} <= heads  # shortened past 24 characters
    table = ag.draw_backward_steps(loss, names=names).table()
    assert "W1 @ x" in table and "unnamed" not in table
    values = {box.lines[0]: box.lines[1] for box in parsed.boxes() if box.lines[0].endswith("(2)")}
    assert values["W1 @ x (2)"] == "[0.1, 1.9]" and values["ReLU(W1 @ x) (2)"] == "[0.1, 1.9]"


def _kept_and_freed(dtype):
    """The same computation twice from the same leaves: once with every intermediate kept in a
    list, once keeping none (all but the leaves and the loss garbage-collected)."""
    rng = np.random.default_rng(0)
    W1 = ag.tensor(rng.normal(size=(6, 4)), dtype=dtype, requires_grad=True)
    W2 = ag.tensor(rng.normal(size=(3, 6)), dtype=dtype, requires_grad=True)
    x = ag.tensor(rng.normal(size=(5, 4)), dtype=dtype)
    target = ag.tensor([0, 2, 1, 1, 0])

    def forward(keep):
        h = x @ W1.T
        a = ag.tanh(h) * 1.7 + h.sigmoid()
        z = a @ W2.T
        p = ag.softmax(z, dim=1)
        loss = nn.functional.cross_entropy(z, target) + (p ** 2).mean() + W1.abs().sum() * 1e-3
        keep.extend([h, a, z, p])
        return loss
    kept = []
    return forward(kept), forward([])


@pytest.mark.parametrize("dtype", [ag.float32, ag.float64])
def test_recomputed_values_are_those_of_a_run_that_kept_every_intermediate(dtype):
    with_kept, freed = _kept_and_freed(dtype)
    kept_view, freed_view = GraphView([with_kept]), GraphView([freed])
    pairs = list(zip(kept_view.variables, freed_view.variables))
    assert len(pairs) == len(kept_view.variables) == len(freed_view.variables) > 15
    recomputed = 0
    for kept, again in pairs:
        a, b = kept_view.values.of(kept), freed_view.values.of(again)
        assert not isinstance(a, Unknown) and not isinstance(b, Unknown)
        assert np.asarray(a).dtype == np.asarray(b).dtype and np.array_equal(a, b)  # bit for bit
        recomputed += again.kind == "result" and again.obj is None
    assert recomputed >= 8  # most intermediates were gone and had to be recomputed


def test_values_changed_in_place_since_the_forward_pass_are_marked_not_redrawn():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    x = ag.randn(2, 3)
    loss = model(x).pow(2).mean()
    loss.backward()
    before = Parsed(draw(loss, params=model, names={"x": x, "loss": loss}, collapse=False))
    optim.SGD(model.parameters(), lr=0.1).step()  # the parameters change in place after the forward pass
    after = Parsed(draw(loss, params=model, names={"x": x, "loss": loss}, collapse=False))
    weight = [n for n in after.boxes() if n.lines[0] == "weight (4×3)"][0]
    assert weight.lines[1] == "value changed in place since"
    relu = [n for n in after.boxes() if n.lines[0].startswith("ReLU(")][0]
    assert relu.lines[1] == "value not known: an input changed in place since"
    assert after.box("x").lines == before.box("x").lines  # untouched data keeps its value
    assert after.box("loss").lines[0] == before.box("loss").lines[0]  # the loss tensor is still held


def test_unnamed_leaves_and_constants_get_letters_and_numbers():
    a = f64([1.0, 2.0])
    b = ag.tensor([3.0, 4.0], dtype=ag.float64)
    y = ((a * b).sum() - ag.tensor(2.0, dtype=ag.float64)) * 3
    heads = [box.lines[0] for box in Parsed(draw(y)).boxes()]
    assert {"w₁ (2)", "x₁ (2)", "w₁ × x₁ (2)"} <= set(heads)
    assert any(h.startswith("2 = 2") or h == "2" for h in heads) and any(h.startswith("(Σ(w₁ × x₁) − 2) × 3") for h in heads)


def test_module_clusters_are_titled_by_type_and_size():
    model = nn.Sequential()
    model.add_module("fc1", nn.Linear(64, 128))
    model.add_module("act", nn.ReLU())
    model.add_module("fc2", nn.Linear(128, 10))
    loss = model(ag.randn(2, 64)).sum()
    parsed = Parsed(draw(loss, params=model))
    assert {n.cluster for n in parsed.nodes.values()} - {None} == {"fc1: Linear(64→128)", "fc2: Linear(128→10)"}
    collapsed = Parsed(draw(loss, params=model, collapse=True))
    assert [n.lines[0] for n in collapsed.boxes() if "rounded" in n.attrs["style"]] == [
        "fc1: Linear(64→128)", "fc2: Linear(128→10)"]
    conv = nn.Sequential(nn.Conv2d(1, 8, 3), nn.BatchNorm2d(8), nn.LayerNorm(4))
    titles = Parsed(draw(conv(ag.randn(1, 1, 6, 6)).sum(), params=conv)).nodes.values()
    assert {n.cluster for n in titles} - {None} == {"0: Conv2d(1→8, 3×3)", "1: BatchNorm2d(8)", "2: LayerNorm(4)"}


def test_every_operation_has_a_symbol_of_at_most_eight_characters():
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)
    ops = [c for c in set(subclasses(ag.Function)) if c.__module__.startswith(("autograd.ops", "nn."))]
    assert len(ops) > 60
    too_long = {c.__name__: c.symbol for c in ops if not c.symbol or len(c.symbol) > 8}
    assert not too_long


def test_drawing_a_ten_thousand_node_graph_with_values_takes_seconds_not_minutes():
    x = ag.randn(4, requires_grad=True)
    h = x
    for _ in range(5_000):  # two nodes per step
        h = ag.tanh(h * 0.9)
    loss = h.sum()
    del h  # nothing but the loss and the leaf kept: every value is recomputed
    start = time.perf_counter()
    view = GraphView([loss])
    values = [view.values.of(var) for var in view.variables]
    elapsed = time.perf_counter() - start
    dot = draw(loss, max_nodes=None)
    total = time.perf_counter() - start
    print(f"\n10^4-node graph: values of {len(values)} boxes in {elapsed:.2f} s; the whole drawing in {total:.2f} s")
    assert len(view.operators) == 10_001 and not any(isinstance(v, Unknown) for v in values)
    assert dot.source.count("shape=circle") == 10_001


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_backward_and_forward_steps_save_as_animations_captioned_by_their_tables(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    loss, _, names = article_004_one_line()
    backward = ag.draw_backward_steps(loss, names=names)
    gif = Image.open(backward.save(tmp_path / "backprop.gif"))
    assert gif.is_animated and gif.n_frames == len(backward) == 9  # 7 operators, W1 and W2
    first, last = Parsed(backward[0]).caption, Parsed(backward[len(backward) - 1]).caption
    row = backward.rows()[0]  # step 1: the root's operator, upstream 1, what it passes
    assert first.startswith(f"backward step 1 of 9: {row[1]}, through {row[2]}")
    assert f"= {row[3]} × {row[5]} = {row[6]}" in first
    assert last.startswith("backward step 9 of 9: W2, at a leaf") and "the gradient is final" in last
    forward = ag.draw_forward_steps(loss, names=names)
    apng = Image.open(forward.save(tmp_path / "forward.png"))
    assert apng.is_animated and apng.n_frames == len(forward) == 7
    assert Parsed(forward[0]).caption == "forward step 1 of 7: W1 @ x = [0.1, 1.9], stored"
    # before its step a value is written blank (same width), so every frame has the last frame's layout
    blank = [b for b in Parsed(forward[0]).boxes() if b.lines[0] == "ReLU(W1 @ x) (2)"][0]
    assert blank.lines[1] == "\u2007" * len("[0.1, 1.9]")


def test_a_circle_too_small_for_its_constants_shows_its_symbol_and_says_the_rest_in_its_tooltip():
    x = f64(np.ones((3, 3)))
    masked = x.masked_fill(ag.ones(3, 3).tril() == 0, float("-inf"))
    (circle,) = [c for c in Parsed(draw(masked.exp().sum())).circles() if c.attrs["tooltip"].startswith("MaskedFill")
                 or c.attrs["tooltip"].startswith("Where")]
    assert circle.lines == ["where"] and circle.attrs["tooltip"].endswith(": where(·, -inf, ·)")
