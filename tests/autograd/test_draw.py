"""Graph drawing: the structure of the DOT output (boxes, circles, labels, edges) for the
articles' graphs, gradient sources, backward steps, big graphs, and rendering."""
import collections
import importlib.util
import pathlib
import re
import shutil
import xml.etree.ElementTree as ET

import graphviz
import numpy as np
import pytest

import autograd as ag
from autograd.drawing import BackwardSteps, GraphvizNotInstalledError, draw, draw_backward_steps

ROOT = pathlib.Path(__file__).resolve().parents[2]

# ---- a small DOT reader for what draw() writes -------------------------------------------

_ID = r'"(?:[^"\\]|\\.)*"|[\w.]+'
_STATEMENT = re.compile(rf"^(?P<a>{_ID})(?:\s*->\s*(?P<b>{_ID}))?(?:\s*\[(?P<attrs>.*)\])?$")
_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s"\]]+)')


def _unquote(text):
    if text.startswith('"'):
        text = text[1:-1]
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


Node = collections.namedtuple("Node", "id shape lines attrs cluster")


class Parsed:
    """Nodes (with the label's lines and the cluster they sit in), edges, and the caption."""

    def __init__(self, dot):
        self.nodes, self.edges, self.caption = {}, [], ""
        clusters, found = [{}], []  # the attributes of each open (sub)graph
        for line in dot.source.splitlines()[1:-1]:
            line = line.strip()
            if line.startswith("subgraph"):
                clusters.append({})
                continue
            if line == "}":
                clusters.pop()
                continue
            if line.startswith(("graph [", "node [", "edge [")):
                if line.startswith("graph ["):
                    clusters[-1].update({k: _unquote(v) for k, v in _ATTR.findall(line)})
                continue
            setting = re.fullmatch(r"(\w+)=(.*)", line)
            if setting:
                clusters[-1][setting.group(1)] = _unquote(setting.group(2))
                continue
            match = _STATEMENT.match(line)
            assert match, f"unparsed DOT line: {line!r}"
            attrs = {k: _unquote(v) for k, v in _ATTR.findall(match.group("attrs") or "")}
            a = _unquote(match.group("a"))
            if match.group("b"):
                self.edges.append((a, _unquote(match.group("b")), attrs))
            else:
                found.append((a, attrs, clusters[-1] if len(clusters) > 1 else None))
        self.caption = clusters[0].get("label", "")
        for a, attrs, cluster in found:
            cluster_label = cluster.get("label") if cluster is not None else None
            self.nodes[a] = Node(a, attrs.get("shape"), attrs.get("label", a).split("\n"), attrs, cluster_label)

    def boxes(self):
        return [n for n in self.nodes.values() if n.shape == "box"]

    def circles(self):
        return [n for n in self.nodes.values() if n.shape == "circle"]

    def box(self, name):
        """The box whose first line is `name`, `name = value` or `name (shape)`."""
        found = [n for n in self.boxes() if re.match(rf"{re.escape(name)}( = | \(|$)", n.lines[0])]
        assert len(found) == 1, f"{len(found)} boxes named {name!r} in {[n.lines for n in self.boxes()]}"
        return found[0]

    def forward_edges(self):
        return [(a, b) for a, b, attrs in self.edges if attrs.get("dir") != "back" and not a.startswith("s")]

    def backward_edges(self):
        """(from, to, label) as drawn: a dir=back edge a -> b carries a gradient from b to a."""
        return [(b, a, attrs.get("label")) for a, b, attrs in self.edges if attrs.get("dir") == "back"]

    def inputs_of(self, node_id):
        return sorted(self.nodes[a].lines[0] for a, b in self.forward_edges() if b == node_id)

    def outputs_of(self, node_id):
        return [self.nodes[b] for a, b in self.forward_edges() if a == node_id]


def value_of(node):
    """The number(s) written after "=" on the first line, or on the lines after the head."""
    first = node.lines[0]
    if " = " in first:
        return _numbers(first.split(" = ", 1)[1])
    rows = [line for line in node.lines[1:] if not line.startswith("grad")]
    return _numbers(" ".join(rows)) if rows else None


def grad_of(node):
    """The gradient written on a box (None when it shows none)."""
    for i, line in enumerate(node.lines):
        if line.startswith("grad = "):
            return _numbers(" ".join([line[len("grad = "):]] + node.lines[i + 1:]))
    return None


def _numbers(text):
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", text)]


def f64(value, grad=True):
    return ag.tensor(value, dtype=ag.float64, requires_grad=grad)


# ---- article 003: J = 3(a + bc) ----------------------------------------------------------

def article_003_tensor():
    a, b, c = f64(5.0), f64(3.0), f64(2.0)
    v = b * c
    u = a + v
    J = 3 * u
    return J, {"a": a, "b": b, "c": c, "v": v, "u": u, "J": J}


def test_article_003_tensor_graph_has_the_boxes_circles_values_and_gradients():
    J, names = article_003_tensor()
    parsed = Parsed(draw(J, names=names))
    assert sorted(n.lines[0].split(" = ")[0] for n in parsed.boxes()) == ["J", "a", "b", "c", "u", "v"]
    assert sorted(n.lines[0] for n in parsed.circles()) == ["+", "×", "× 3"]
    values = {"a": 5, "b": 3, "c": 2, "v": 6, "u": 11, "J": 33}
    grads = {"a": 3, "b": 3 * 2, "c": 3 * 3, "v": 3, "u": 3, "J": 1}
    for name in values:
        box = parsed.box(name)
        assert value_of(box) == [values[name]], name
        assert grad_of(box) == [grads[name]], name
    times, plus, times3 = (next(n for n in parsed.circles() if n.lines[0] == s) for s in ("×", "+", "× 3"))
    assert parsed.inputs_of(times.id) == ["b = 3", "c = 2"]
    assert [n.lines[0] for n in parsed.outputs_of(times.id)] == ["v = 6"]
    assert parsed.inputs_of(plus.id) == ["a = 5", "v = 6"]
    assert [n.lines[0] for n in parsed.outputs_of(plus.id)] == ["u = 11"]
    assert parsed.inputs_of(times3.id) == ["u = 11"]
    assert [n.lines[0] for n in parsed.outputs_of(times3.id)] == ["J = 33"]
    assert len(parsed.forward_edges()) == 8
    assert "∂J/∂" in parsed.caption
    assert J.draw(names=names).source == draw(J, names=names).source  # Tensor.draw is the same drawing


def test_gradients_drawn_on_a_graph_of_many_kinds_of_op_equal_the_engines():
    class Cube(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2

    ag.manual_seed(1)
    a, b = ag.randn(3, 4, dtype=ag.float64, requires_grad=True), ag.randn(4, dtype=ag.float64, requires_grad=True)
    c = ag.cat([a[0], a[1:].reshape(-1)])
    d = ag.where(a > 0, a, b * 2).sum(dim=0)
    e = Cube.apply(d).mean() + c.max() + ag.softmax(a, dim=1)[:, 0].sum() + (a.T @ a).sum()
    parsed = Parsed(draw(e, names={"a": a, "b": b}, max_elements=12))
    assert {"Cube", "cat", "[·]", "reshape", "where", "Σ", "(·)ᵀ", "@", "softmax", "max"} <= {n.lines[0] for n in parsed.circles()}
    e.backward()
    assert grad_of(parsed.box("a")) == pytest.approx(a.grad.numpy().ravel().tolist(), rel=1e-3)
    assert grad_of(parsed.box("b")) == pytest.approx(b.grad.numpy().ravel().tolist(), rel=1e-3)


def test_drawing_touches_no_grad_and_leaves_the_graph_usable():
    J, names = article_003_tensor()
    calls = []
    names["a"].register_hook(lambda g: calls.append(g))
    draw(J, names=names, backward=True)
    assert names["a"].grad is None and calls == []
    J.backward()
    assert names["a"].grad.item() == 3 and names["c"].grad.item() == 9 and len(calls) == 1


def test_article_003_scalar_graph():
    a, b, c = ag.Scalar(5.0, label="a"), ag.Scalar(3.0, label="b"), ag.Scalar(2.0, label="c")
    v = b * c
    v.label = "v"
    u = a + v
    u.label = "u"
    J = u * 3
    J.label = "J"
    parsed = Parsed(draw(J))
    named = {n.lines[0].split(" = ")[0]: n for n in parsed.boxes()}
    assert set(named) == {"a", "b", "c", "v", "u", "J", "3"}  # the Scalar 3 is a node of its own
    assert sorted(n.lines[0] for n in parsed.circles()) == ["+", "×", "×"]
    for name, value, grad in [("a", 5, 3), ("b", 3, 6), ("c", 2, 9), ("v", 6, 3), ("u", 11, 3), ("J", 33, 1)]:
        assert value_of(named[name]) == [value] and grad_of(named[name]) == [grad], name
    assert grad_of(named["3"]) == [11]  # dJ/d(the constant) = u
    assert a.grad == 0.0  # drawing computed the gradients without accumulating them
    J.backward()
    assert Parsed(draw(J, grads="stored")).box("a").lines == ["a = 5", "grad = 3"]


# ---- article 003: the loss graph of y_hat = w x ------------------------------------------

def wx_tensor(x=1.0, w=1.0, y=2.0, data_requires_grad=False):
    w, x, y = f64(w), f64(x, data_requires_grad), f64(y, data_requires_grad)
    y_hat = w * x
    residual = y_hat - y
    loss = residual ** 2
    return loss, {"w": w, "x": x, "y": y, "y_hat": y_hat, "r": residual, "loss": loss}


def wx_scalar(x=1.0, w=1.0, y=2.0):
    w, x, y = ag.Scalar(w, label="w"), ag.Scalar(x, label="x"), ag.Scalar(y, label="y")
    y_hat = w * x
    y_hat.label = "y_hat"
    residual = y_hat - y
    residual.label = "r"
    loss = residual ** 2
    loss.label = "loss"
    return loss, {}


@pytest.mark.parametrize("build", [wx_tensor, wx_scalar])
def test_loss_graph_forward_values_and_gradients(build):
    loss, names = build()
    parsed = Parsed(draw(loss, names=names))
    expected = {"w": (1, -2), "x": (1, -2), "y": (2, 2), "y_hat": (1, -2), "r": (-1, -2), "loss": (1, 1)}
    for name, (value, grad) in expected.items():
        box = parsed.box(name)
        assert value_of(box) == [value], name
        if name in ("x", "y") and build is wx_tensor:
            assert grad_of(box) is None  # data that needs no gradient shows none
        else:
            assert grad_of(box) == [grad], name
    assert sorted(n.lines[0] for n in parsed.circles()) == ["(·)²", "×", "−"]


@pytest.mark.parametrize("build", [wx_tensor, wx_scalar])
def test_loss_graph_backward_pass_is_drawn_on_reversed_edges(build):
    loss, names = build()
    parsed = Parsed(draw(loss, names=names, backward=True))
    flows = {(parsed.nodes[a].lines[0], parsed.nodes[b].lines[0]): float(label)
             for a, b, label in parsed.backward_edges()}
    expected = {("loss = 1", "(·)²"): 1, ("(·)²", "r = -1"): -2, ("r = -1", "−"): -2, ("−", "y_hat = 1"): -2,
                ("y_hat = 1", "×"): -2, ("×", "w = 1"): -2}
    if build is wx_scalar:  # Scalar leaves x and y take part in backprop too
        expected.update({("−", "y = 2"): 2, ("×", "x = 1"): -2})
    assert flows == expected
    for _, _, attrs in parsed.edges:
        if attrs.get("dir") == "back":
            assert attrs["style"] == "dashed" and attrs["color"] == attrs["fontcolor"]


def test_each_use_of_a_value_is_drawn_once():
    for a, root in [(x := f64(2.0), x + x), (s := ag.Scalar(2.0, label="a"), s + s)]:
        parsed = Parsed(draw(root, names={"a": a} if root.__class__ is ag.Tensor else None, backward=True))
        box = parsed.box("a")
        plus = parsed.circles()[0]
        assert [e for e in parsed.forward_edges() if e == (box.id, plus.id)] == [(box.id, plus.id)] * 2
        assert grad_of(box) == [2]
        assert sorted(float(label) for src, dst, label in parsed.backward_edges() if dst == box.id) == [1, 1]


# ---- article 004 and article 000 ---------------------------------------------------------

def article_004():
    x = ag.tensor([1.0, 2.0], dtype=ag.float64)
    W1 = f64([[0.5, 0.2], [0.3, 0.7]])
    W2 = f64([[0.6, 0.8]])
    y_true = ag.tensor([1.5], dtype=ag.float64)
    h = W1 @ x
    z = ag.relu(h)
    y = W2 @ z
    L = 0.5 * ((y - y_true) ** 2).sum()
    return L, {"x": x, "W1": W1, "W2": W2, "y_true": y_true, "h": h, "z": z, "y": y, "L": L}


def test_article_004_network():
    L, names = article_004()
    parsed = Parsed(draw(L, names=names))
    assert value_of(parsed.box("h")) == pytest.approx([0.9, 1.7])
    assert value_of(parsed.box("z")) == pytest.approx([0.9, 1.7])
    assert value_of(parsed.box("y")) == pytest.approx([1.9])
    assert value_of(parsed.box("L")) == pytest.approx([0.08])
    assert parsed.box("W1").lines[0] == "W1 (2×2)" and parsed.box("x").lines[0] == "x (2)"
    assert grad_of(parsed.box("W2")) == pytest.approx([0.36, 0.68])
    assert grad_of(parsed.box("W1")) == pytest.approx([0.24, 0.48, 0.32, 0.64])
    assert grad_of(parsed.box("z")) == pytest.approx([0.24, 0.32])
    assert grad_of(parsed.box("x")) is None
    symbols = sorted(n.lines[0] for n in parsed.circles())
    assert symbols == sorted(["@", "ReLU", "@", "−", "(·)²", "Σ", "× 0.5"])
    relu = next(n for n in parsed.circles() if n.lines[0] == "ReLU")
    assert parsed.inputs_of(relu.id) == ["h (2)"] and parsed.outputs_of(relu.id)[0].lines[0] == "z (2)"
    first_matmul = parsed.outputs_of(parsed.box("W1").id)[0]
    assert parsed.inputs_of(first_matmul.id) == ["W1 (2×2)", "x (2)"]


def article_000(torch=None, lam=0.1):
    lib = torch or ag
    make = (lambda v, g: torch.tensor(v, dtype=torch.float64, requires_grad=g)) if torch else f64
    x, y = make([1.0, -1.0], False), make([1.0], False)
    W1, W2 = make([[0.2, -0.3], [0.4, 0.1]], True), make([[0.5, -0.6]], True)
    z = W1 @ x
    h = lib.sigmoid(z)
    o = W2 @ h
    L = ((o - y) ** 2).sum()
    s = lam / 2 * ((W1 ** 2).sum() + (W2 ** 2).sum())
    J = L + s
    return J, {"x": x, "y": y, "W1": W1, "W2": W2, "z": z, "h": h, "o": o, "L": L, "s": s, "J": J}


def test_article_000_regularised_network_matches_torch():
    torch = pytest.importorskip("torch")
    J, names = article_000()
    parsed = Parsed(draw(J, names=names))
    J_t, names_t = article_000(torch)
    for t in ("z", "h", "o", "L", "s"):
        names_t[t].retain_grad()
    J_t.backward()
    for name in ("z", "h", "o", "L", "s", "J"):
        assert value_of(parsed.box(name)) == pytest.approx(names_t[name].detach().numpy().ravel().tolist(), rel=1e-3, abs=1e-4)
    for name in ("W1", "W2", "z", "h", "o", "L", "s"):
        assert grad_of(parsed.box(name)) == pytest.approx(names_t[name].grad.numpy().ravel().tolist(), rel=1e-3, abs=1e-4)
    # W1 and W2 are each used twice: by the network and by the regulariser
    for weight in ("W1", "W2"):
        uses = sorted(parsed.nodes[b].lines[0] for a, b in parsed.forward_edges() if a == parsed.box(weight).id)
        assert uses == ["(·)²", "@"]
    plus = [n for n in parsed.circles() if n.lines[0] == "+" and parsed.outputs_of(n.id)[0].lines[0].startswith("J")]
    assert len(plus) == 1 and parsed.inputs_of(plus[0].id) == [parsed.box("L").lines[0], parsed.box("s").lines[0]]
    assert {n.lines[0] for n in parsed.circles()} >= {"@", "σ", "(·)²", "Σ", "× 0.05", "+", "−"}


# ---- Tensor and Scalar graphs draw the same -----------------------------------------------

KEEP = []  # unnamed intermediate tensors held, so that their values can be drawn


def neuron(kind):
    """micrograd's neuron: o = tanh(x1 w1 + x2 w2 + b)."""
    values = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}
    if kind == "scalar":
        v = {k: ag.Scalar(x, label=k) for k, x in values.items()}
    else:
        v = {k: f64(x) for k, x in values.items()}
    x1w1, x2w2 = v["x1"] * v["w1"], v["x2"] * v["w2"]
    total = x1w1 + x2w2
    n = total + v["b"]
    o = n.tanh() if kind == "scalar" else ag.tanh(n)
    if kind == "scalar":
        n.label, o.label = "n", "o"
        return o, None
    KEEP[:] = [x1w1, x2w2, total]
    return o, {**v, "n": n, "o": o}


def structure(parsed):
    """What the drawing shows, with DOT ids replaced by what the nodes say."""
    def describe(node_id):
        node = parsed.nodes[node_id]
        return (node.shape, tuple(node.lines))
    return (sorted(describe(i) for i in parsed.nodes), sorted((describe(a), describe(b)) for a, b in parsed.forward_edges()),
            sorted((describe(a), describe(b), label) for a, b, label in parsed.backward_edges()))


@pytest.mark.parametrize("expression", ["neuron", "wx"])
def test_tensor_and_scalar_graphs_draw_the_same(expression):
    if expression == "neuron":
        (t_root, t_names), (s_root, _) = neuron("tensor"), neuron("scalar")
    else:
        (t_root, t_names), (s_root, _) = wx_tensor(x=3.0, w=0.5, data_requires_grad=True), wx_scalar(x=3.0, w=0.5)
    tensor_drawing, scalar_drawing = Parsed(draw(t_root, names=t_names, backward=True)), Parsed(draw(s_root, backward=True))
    assert structure(tensor_drawing) == structure(scalar_drawing)
    assert len(tensor_drawing.boxes()) >= 6 and len(tensor_drawing.backward_edges()) >= 5


# ---- where the gradients come from ---------------------------------------------------------

def test_after_backward_the_drawing_shows_the_stored_grad_and_says_so():
    L, names = article_004()
    names["h"].retain_grad()
    L.backward()  # frees the saved values: gradients can no longer be computed from the graph
    parsed = Parsed(draw(L, names=names))
    assert grad_of(parsed.box("W1")) == pytest.approx([0.24, 0.48, 0.32, 0.64])
    assert grad_of(parsed.box("h")) == pytest.approx([0.24, 0.32])  # retain_grad() kept it
    assert grad_of(parsed.box("z")) is None and grad_of(parsed.box("L")) is None  # no .grad: none shown
    assert ".grad" in parsed.caption and "retain_grad" in parsed.caption
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        draw(L, names=names, grads="computed")
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        draw(L, backward=True)


def test_retained_graph_gives_computed_gradients_and_grads_false_gives_none():
    L, names = article_004()
    L.backward(retain_graph=True)
    L.backward(retain_graph=True)  # .grad now holds twice the gradient; the drawing does not
    parsed = Parsed(draw(L, names=names))
    assert grad_of(parsed.box("W2")) == pytest.approx([0.36, 0.68])
    assert grad_of(Parsed(draw(L, names=names, grads="stored")).box("W2")) == pytest.approx([0.72, 1.36])
    assert all(grad_of(n) is None for n in Parsed(draw(L, names=names, grads=False)).boxes())


def test_a_value_overwritten_in_place_is_drawn_as_forward_produced_it():
    w = f64(1.0)
    y = w * 2.0
    z = y * 3.0
    y.add_(1.0)  # y now holds 3 and belongs to a later node; z's graph used the old value 2
    parsed = Parsed(draw(z, names={"y": y, "w": w}))
    middle = [n for n in parsed.boxes() if n.id != parsed.box("w").id and not n.lines[0].endswith("= 6")]
    assert len(middle) == 1 and middle[0].lines == ["w × 2 = 2", "grad = 3"]  # recomputed, not y's 3 now


def test_non_scalar_output_draws_values_without_gradients():
    W = f64([[1.0, 2.0], [3.0, 4.0]])
    h = W @ f64([1.0, 1.0], False)
    parsed = Parsed(draw(h, names={"W": W, "h": h}))
    assert value_of(parsed.box("h")) == [3, 7] and grad_of(parsed.box("W")) is None
    assert "more than one element" in parsed.caption
    with pytest.raises(RuntimeError, match="one-element"):
        draw(h, grads="computed")


def test_bad_arguments_are_explained():
    J, names = article_003_tensor()
    with pytest.raises(ValueError, match="grads must be"):
        draw(J, grads="yes")
    with pytest.raises(ValueError, match="one per root"):
        draw(J, label=["J", "K"])
    with pytest.raises(TypeError, match="maps names to tensors"):
        draw(J, names={names["a"]: "a"})
    with pytest.raises(TypeError, match="give at least one"):
        draw()


def test_big_tensors_show_shape_and_gradient_norm_and_values_can_be_hidden():
    W = f64(np.arange(40.0).reshape(8, 5) / 40)
    loss = (W * W).sum()
    box = Parsed(draw(loss, names={"W": W, "loss": loss})).box("W")
    assert box.lines[0] == "W (8×5)" and len(box.lines) == 3
    assert box.lines[1] == "min 0 · mean 0.4875 · max 0.975"  # too many values to write: a summary
    assert box.lines[2].startswith("‖grad‖ = ") and float(box.lines[2].split("= ")[1]) == pytest.approx(
        np.linalg.norm(2 * np.arange(40.0) / 40), rel=1e-3)
    plain = Parsed(draw(loss, names={"W": W, "loss": loss}, values=False, grads=False))
    assert plain.box("loss").lines == ["loss"]


def test_gradient_colours_fade_where_gradients_vanish():
    x = f64(0.5)
    h, layers = x, []
    for _ in range(8):
        h = ag.sigmoid(h * 4.0)
        layers.append(h)
    names = {f"h{i}": t for i, t in enumerate(layers)}
    parsed = Parsed(draw(h, names={"x": x, **names}, color_grads=True))

    def whiteness(name):
        return sum(int(parsed.box(name).attrs["fillcolor"][i:i + 2], 16) for i in (1, 3, 5))
    fades = [whiteness(f"h{i}") for i in range(8)]
    assert fades == sorted(fades, reverse=True) and fades[0] > fades[-1]  # paler towards the input
    assert "log scale" in parsed.caption


# ---- modules and big graphs ----------------------------------------------------------------

class StandInMLP:
    """What draw() needs of an nn.Module: named_parameters(). Three Linear layers with ReLUs."""

    def __init__(self, sizes=(4, 8, 8, 3)):
        ag.manual_seed(0)
        self.params = {}
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            self.params[f"layers.{2 * i}.weight"] = ag.randn(n_out, n_in, requires_grad=True)
            self.params[f"layers.{2 * i}.bias"] = ag.randn(n_out, requires_grad=True)

    def named_parameters(self):
        return iter(self.params.items())

    def __call__(self, x):
        for i in range(3):
            x = x @ self.params[f"layers.{2 * i}.weight"].T + self.params[f"layers.{2 * i}.bias"]
            if i < 2:
                x = ag.relu(x)
        return x


def test_mlp_modules_are_clusters_and_collapse_to_a_legible_drawing():
    model = StandInMLP()
    x, y = ag.randn(5, 4), ag.randn(5, 3)
    loss = ((model(x) - y) ** 2).mean()
    full = Parsed(draw(loss, params=model, names={"x": x, "loss": loss}))
    clusters = {n.cluster for n in full.nodes.values()} - {None}
    assert clusters == {"layers.0", "layers.2", "layers.4"}
    for module in clusters:
        members = [n for n in full.nodes.values() if n.cluster == module]
        heads = sorted(n.lines[0] for n in members)
        assert [h for h in heads if h.split(" ")[0] in ("weight", "bias")] == sorted(
            [f"weight ({'×'.join(map(str, model.params[module + '.weight'].shape))})",
             f"bias ({model.params[module + '.bias'].shape[0]})"])
        assert {"@", "+", "(·)ᵀ"} <= set(heads)
    assert all(n.cluster is None for n in full.circles() if n.lines[0] in ("ReLU", "−", "Σ"))

    collapsed = Parsed(draw(loss, params=model, names={"x": x, "loss": loss}, collapse=True))
    assert len(collapsed.nodes) <= 20 < len(full.nodes)
    modules = [n for n in collapsed.nodes.values() if "rounded" in n.attrs.get("style", "")]
    assert [n.lines[0] for n in modules] == ["layers.0", "layers.2", "layers.4"]
    assert modules[0].lines[1].startswith("weight (8×4)  ‖grad‖ = ")
    chain = [collapsed.box("x").id]
    for _ in range(6):  # x -> layers.0 -> (5×8) -> ReLU -> (5×8) -> layers.2 -> ...
        (step,) = [b for a, b in collapsed.forward_edges() if a == chain[-1]]
        chain.append(step)
    assert [collapsed.nodes[i].lines[0] for i in chain] == [
        "x (5×4)", "layers.0", "layers.0(x) (5×8)", "ReLU", "ReLU(…) (5×8)", "layers.2",
        "layers.2(ReLU(…)) (5×8)"]


def test_a_graph_of_ten_thousand_nodes_is_cut_to_a_readable_size():
    h = x = ag.Scalar(0.5, label="x")
    for _ in range(2500):
        h = (h * 0.999 + 0.001).tanh()  # 5 Scalars (2 of them constants), 3 of them op results
    h.label = "out"
    parsed = Parsed(draw(h, max_nodes=120))
    assert len(parsed.nodes) <= 120
    assert "more nodes not drawn" in parsed.caption
    assert any(n.lines == ["⋯"] for n in parsed.nodes.values())
    assert parsed.box("out").lines[0].startswith("out = ")
    shallow = Parsed(draw(h, max_depth=2, max_nodes=None))
    assert sorted(n.lines[0] for n in shallow.circles()) == ["+", "tanh"]  # Scalar constants are boxes
    full = Parsed(draw(h, max_nodes=None))  # all 10^4 nodes, gradients computed without recursion
    assert len(full.nodes) == (5 + 3) * 2500 + 1  # 12,501 graph nodes: boxes, plus a circle per op
    h.backward()
    assert grad_of(full.box("x"))[0] == pytest.approx(x.grad, rel=1e-3) and x.grad != 0


# ---- the backward pass step by step --------------------------------------------------------

def engine_visit_order(root, nodes):
    """The order the engine's backward really visits `nodes`, observed through hooks."""
    order = []
    for node in nodes:
        if hasattr(node, "register_hook"):
            node.register_hook(lambda g, node=node: order.append(node))
        else:  # a leaf's accumulator runs its tensor's hooks
            node.variable.register_hook(lambda g, node=node: order.append(node))
    root.backward(retain_graph=True)
    return order


def test_backward_steps_of_the_loss_graph_follow_the_engine_and_write_the_chain_rule():
    loss, names = wx_tensor()
    steps = draw_backward_steps(loss, names=names)
    assert isinstance(steps, BackwardSteps)
    frames = list(steps)
    assert all(isinstance(f, graphviz.Digraph) for f in frames)
    visited = engine_visit_order(loss, steps._view.order)
    assert len(frames) == len(steps) == len(visited) == 4  # (·)², −, ×, and w's accumulator
    assert [steps._view.var_of[n].name for n in visited] == [s.name for s in steps.steps] == ["loss", "r", "y_hat", "w"]
    square, minus, times, leaf = steps.steps
    assert (square.operator, square.upstream, square.inputs[0].local, square.inputs[0].passed) == ("(·)²", 1, -2, -2)
    assert minus.upstream == -2 and [(i.name, i.passed) for i in minus.inputs] == [("y_hat", -2), ("y", None)]
    assert minus.inputs[0].local == 1
    assert times.upstream == -2 and times.inputs[0].name == "w" and times.inputs[0].local == 1
    assert times.inputs[0].passed == -2 and times.inputs[1].passed is None
    assert leaf.operator == "" and leaf.upstream == -2 and leaf.inputs == ()
    table = steps.table().splitlines()
    assert table[0].split()[:4] == ["step", "value", "op", "upstream"]
    assert table[2].split() == ["1", "loss", "(·)²", "1", "r", "-2", "-2"]
    assert table[3].split() == ["2", "r", "−", "-2", "y_hat", "1", "-2"]
    assert str(steps) == steps.table()
    # each frame highlights the visited node; gradients appear on boxes as their node is visited
    for k, frame in enumerate(frames):
        parsed = Parsed(frame)
        highlighted = [n for n in parsed.nodes.values() if n.attrs.get("penwidth") == "2.5"]
        assert highlighted and f"step {k + 1} of 4" in parsed.caption
        shown = {n.lines[0].split(" = ")[0] for n in parsed.boxes() if grad_of(n) is not None}
        assert shown == set(["loss", "r", "y_hat", "w"][: k + 1])


def test_backward_steps_local_derivatives_differ_from_what_is_passed():
    loss, names = wx_tensor(x=3.0, w=0.5, y=2.0)  # y_hat = 1.5, r = -0.5
    times = draw_backward_steps(loss, names=names).steps[2]
    assert times.upstream == pytest.approx(-1.0)
    assert times.inputs[0].local == pytest.approx(3.0) and times.inputs[0].passed == pytest.approx(-3.0)


def test_backward_steps_of_a_scalar_graph_visit_every_scalar(monkeypatch):
    loss, _ = wx_scalar()
    steps = draw_backward_steps(loss)
    seen = []
    monkeypatch.setattr(ag.Scalar, "retain_hook", lambda self, grad: seen.append(self.label))
    loss.backward()
    assert [s.name for s in steps.steps] == seen and len(list(steps)) == 6
    rows = {s.name: s for s in steps.steps}
    assert [(i.name, i.local, i.passed) for i in rows["r"].inputs] == [("y_hat", 1, -2), ("y", -1, 2)]
    assert [(i.name, i.local, i.passed) for i in rows["y_hat"].inputs] == [("w", 1, -2), ("x", 1, -2)]


def test_backward_steps_of_a_matrix_network_describe_non_elementwise_derivatives():
    L, names = article_004()
    steps = draw_backward_steps(L, names=names)
    first_matmul = next(s for s in steps.steps if s.name == "h")
    assert first_matmul.inputs[0].name == "W1" and "outer(g, B)" in first_matmul.inputs[0].local  # h = W1 @ x with a vector x
    np.testing.assert_allclose(first_matmul.inputs[0].passed, [[0.24, 0.48], [0.32, 0.64]])
    relu = next(s for s in steps.steps if s.name == "z")
    np.testing.assert_allclose(relu.inputs[0].local, [1.0, 1.0])
    L.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        draw_backward_steps(L)


# ---- rendering -------------------------------------------------------------------------------

def test_without_dot_rendering_explains_how_to_install_it_and_source_still_works(monkeypatch, tmp_path):
    J, names = article_003_tensor()
    drawing = draw(J, names=names)
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no `dot` anywhere
    for render in (lambda: drawing.pipe(format="svg"), lambda: drawing.render(tmp_path / "g", format="png"),
                   drawing._repr_image_svg_xml):
        with pytest.raises(GraphvizNotInstalledError) as error:
            render()
        for command in ("apt-get install graphviz", "brew install graphviz", "conda install graphviz"):
            assert command in str(error.value)
        assert isinstance(error.value, graphviz.ExecutableNotFound)
    assert drawing.source.startswith("digraph") and "J = 33" in drawing.source


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_render_figures_writes_valid_svg_and_png(tmp_path):
    spec = importlib.util.spec_from_file_location("render_figures", ROOT / "scripts" / "render_figures.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    written = script.render_figures(tmp_path)
    assert sorted(p.name for p in written) == sorted([f"{name}.{fmt}" for name in script.FIGURES for fmt in ("svg", "png")]
                                                     + [f"{name}.gif" for name in script.ANIMATIONS])
    for path in written:
        data = path.read_bytes()
        if path.suffix == ".gif":
            from PIL import Image
            steps = script.ANIMATIONS[path.stem]()
            assert Image.open(path).n_frames == len(steps) > 1
        elif path.suffix == ".png":
            assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
        else:
            root = ET.fromstring(data)
            assert root.tag.endswith("svg")
            texts = "".join(root.itertext())
            assert "grad" in texts


# ---- symbols come from the nodes -------------------------------------------------------------

def test_operators_are_labelled_by_the_symbol_their_node_gives():
    class Softsign(ag.Function):
        symbol = "softsign"
        elementwise = True

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x / (1 + abs(x))

        @staticmethod
        def backward(ctx, grad):
            x, = ctx.saved_tensors
            return grad / (1 + abs(x)) ** 2

    class _Unnamed(ag.Function):  # no symbol: drawn as its name
        forward = staticmethod(lambda ctx, x: x * 2)
        backward = staticmethod(lambda ctx, grad: grad * 2)

    x = ag.tensor([1.0, -3.0], requires_grad=True)
    loss = _Unnamed.apply(Softsign.apply(x)).sum()
    assert {n.lines[0] for n in Parsed(draw(loss)).circles()} == {"softsign", "Unnamed", "Σ"}
    step = next(s for s in draw_backward_steps(loss).steps if s.operator == "softsign")
    np.testing.assert_allclose(step.inputs[0].local, [1 / 4, 1 / 16])  # elementwise: an array of x's shape


def test_fused_nn_ops_draw_short_symbols_with_their_full_name_as_tooltip():
    nn = pytest.importorskip("nn")
    F = pytest.importorskip("nn.functional")
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    x = ag.randn(5, 4)
    losses = [F.cross_entropy(model(x), ag.tensor([0, 1, 0, 1, 1])),
              F.binary_cross_entropy(model(x).sigmoid(), ag.ones(5, 2)),
              F.max_pool2d(ag.randn(1, 1, 4, 4, requires_grad=True), 2).sum()]
    circles = [c for loss in losses for c in Parsed(draw(loss)).circles()]
    symbols = {c.lines[0] for c in circles}
    assert {"CE", "BCE", "linear", "maxpool"} <= symbols
    assert all(len(c.lines[0]) <= 8 for c in circles), symbols
    tooltips = {c.lines[0]: c.attrs["tooltip"] for c in circles}
    assert tooltips["CE"] == "MeanSoftmaxCrossEntropy" and tooltips["BCE"] == "BinaryCrossEntropy"
    assert tooltips["σ"] == "Sigmoid" and tooltips["ReLU"] == "Relu"
    assert tooltips["linear"] == "Linear" and tooltips["maxpool"] == "TiledMaxPool"


def test_scalar_symbols_come_from_the_scalar_and_leave_its_name_alone():
    a, b = ag.Scalar(2.0, label="a"), ag.Scalar(3.0, label="b")
    cases = [(a * b, "*", "×"), (a - b, "-", "−"), (a / b, "/", "÷"), (-a, "neg", "−"), (a.sigmoid(), "sigmoid", "σ"),
             (a ** 2, "**2", "(·)²"), (a ** 0.5, "**0.5", "(·)^0.5"), (a.exp(), "exp", None), (a, "", None)]
    for value, name, symbol in cases:
        assert (value.name, value.symbol) == (name, symbol)
    assert {n.lines[0] for n in Parsed(draw(a.exp() * b ** 2)).circles()} == {"exp", "(·)²", "×"}


# ---- the package: its imports, and Graphviz as an optional dependency ---------------------------

def test_with_graphviz_installed_drawings_and_errors_are_graphvizs_own_types():
    assert issubclass(ag.GraphvizNotInstalledError, graphviz.ExecutableNotFound)
    assert ag.GraphvizNotInstalledError is GraphvizNotInstalledError
    assert isinstance(ag.draw(ag.Scalar(1.0) * 2), graphviz.Digraph)


_WITHOUT_GRAPHVIZ = """
import sys
sys.modules["graphviz"] = None  # `import graphviz` fails, as where the package is not installed
import autograd as ag
from autograd import *  # noqa: F403
w = ag.tensor([1.0, -2.0], requires_grad=True)
loss = ((w * 3) ** 2).sum()
steps = ag.draw_backward_steps(loss)  # the chain-rule table needs no Graphviz
print("steps", len(steps), steps.table().count("(·)²"))
loss.backward()
print("grad", w.grad.tolist())
for name, call in [("draw", lambda: ag.draw(loss)), ("frame", lambda: steps[0]),
                   ("scalar", lambda: (ag.Scalar(1.0) * 2).draw())]:
    try:
        call()
        print(name, "no error")
    except ag.GraphvizNotInstalledError as error:
        print(name, type(error).__mro__[1].__name__, str(error))
"""


def test_without_the_graphviz_package_autograd_works_and_drawing_says_how_to_install_it():
    import subprocess
    import sys
    result = subprocess.run([sys.executable, "-c", _WITHOUT_GRAPHVIZ], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = {line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in result.stdout.splitlines()}
    assert lines["steps"] == "4 1" and lines["grad"] == "[18.0, -36.0]"
    for name in ("draw", "frame", "scalar"):
        base, message = lines[name].split(" ", 1)
        assert base == "RuntimeError", lines[name]
        assert "pip install graphviz" in message and "apt-get install graphviz" in message, message
