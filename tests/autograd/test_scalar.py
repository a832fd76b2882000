"""ag.Scalar's own backward walk: the same numbers as the generic engine and as PyTorch, the same
visit order, and a graph the cyclic GC can afford (one tracked object per node)."""
import gc
import math
import random
import sys

import pytest

import autograd as ag
from autograd.engine import run_backward, visit_order


OPS = {  # name -> (the op on nodes a, b and a number c, where it is defined and smooth enough to test)
    "+": (lambda a, b, c: a + b, lambda a, b: True),
    "-": (lambda a, b, c: a - b, lambda a, b: True),
    "*": (lambda a, b, c: a * b, lambda a, b: True),
    "/": (lambda a, b, c: a / b, lambda a, b: abs(b) > 0.2),
    "+c": (lambda a, b, c: a + c, lambda a, b: True),
    "c*": (lambda a, b, c: c * a, lambda a, b: True),
    "c-": (lambda a, b, c: c - a, lambda a, b: True),
    "c/": (lambda a, b, c: c / a, lambda a, b: abs(a) > 0.2),
    "**2": (lambda a, b, c: a ** 2, lambda a, b: True),
    "**3": (lambda a, b, c: a ** 3, lambda a, b: True),
    "**.5": (lambda a, b, c: a ** 0.5, lambda a, b: a > 0.2),
    "neg": (lambda a, b, c: -a, lambda a, b: True),
    "exp": (lambda a, b, c: a.exp(), lambda a, b: a < 3),
    "log": (lambda a, b, c: a.log(), lambda a, b: a > 0.2),
    "tanh": (lambda a, b, c: a.tanh(), lambda a, b: True),
    "sigmoid": (lambda a, b, c: a.sigmoid(), lambda a, b: True),
    "relu": (lambda a, b, c: a.relu(), lambda a, b: abs(a) > 1e-3),
    "square": (lambda a, b, c: a * a, lambda a, b: True),
}


def random_program(seed, n_leaves=4, n_ops=80):
    """Leaf values and a list of steps (op, operand positions, number), each op applied where
    it is defined; nodes are reused (x * x, shared subexpressions), as in a network."""
    rng = random.Random(seed)
    values = [rng.uniform(-2, 2) for _ in range(n_leaves)]
    nodes, steps = [ag.Scalar(v) for v in values], []
    while len(steps) < n_ops:
        op, i, j, c = rng.choice(sorted(OPS)), rng.randrange(len(nodes)), rng.randrange(len(nodes)), rng.choice([0.5, -1.5, 3])
        a, b = nodes[i].data, nodes[j].data
        if OPS[op][1](a, b) and max(abs(a), abs(b)) < 1e3:
            nodes.append(OPS[op][0](nodes[i], nodes[j], c))
            steps.append((op, i, j, c))
    return values, steps


def run_program(leaves, steps):
    """Every node of the program, leaves first; works on ag.Scalars and on 0-d torch tensors."""
    nodes = list(leaves)
    for op, i, j, c in steps:
        nodes.append(OPS[op][0](nodes[i], nodes[j], c))
    return nodes


def total(nodes):
    """The sum of every node: a root from which the whole program is reached."""
    return sum(nodes[1:], nodes[0])


def scalar_nodes(seed):
    values, steps = random_program(seed)
    return run_program([ag.Scalar(v) for v in values], steps)


@pytest.mark.parametrize("seed", range(8))
def test_backward_gives_every_node_the_generic_engines_gradient_number_for_number(seed):
    fast, generic = scalar_nodes(seed), scalar_nodes(seed)
    total(fast).backward()
    run_backward([total(generic)], [1.0])
    assert [n.grad for n in fast] == [n.grad for n in generic]
    assert any(n.grad != 0 for n in fast[:4])


@pytest.mark.parametrize("seed", range(8))
def test_backward_matches_torch_on_leaves_and_intermediates(seed):
    torch = pytest.importorskip("torch")
    values, steps = random_program(seed)
    ours = run_program([ag.Scalar(v) for v in values], steps)
    theirs = run_program([torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values], steps)
    for t in theirs:
        t.retain_grad()
    total(ours).backward()
    total(theirs).backward()
    for k, (s, t) in enumerate(zip(ours, theirs)):
        assert s.data == pytest.approx(t.item(), rel=1e-12, abs=1e-300), k
        expected = 0.0 if t.grad is None else t.grad.item()
        assert s.grad == pytest.approx(expected, rel=1e-10, abs=1e-12), k


def test_backward_twice_adds_the_same_gradients_again_everywhere():
    nodes = scalar_nodes(3)
    root = total(nodes)
    root.backward()
    once = [n.grad for n in nodes]
    root.backward()
    assert [n.grad for n in nodes] == [2 * g for g in once]


def test_a_node_used_twice_and_a_leaf_root_get_both_contributions():
    x = ag.Scalar(3.0, label="x")
    y = x * x + x
    y.backward()
    assert (x.grad, y.grad) == (7.0, 1.0)
    leaf = ag.Scalar(2.0)
    leaf.backward()
    assert leaf.grad == 1.0


def test_backward_visits_nodes_in_the_engines_order(monkeypatch):
    root = total(scalar_nodes(5))
    seen = []
    monkeypatch.setattr(ag.Scalar, "retain_hook", lambda self, grad: seen.append(self))
    root.backward()  # a replaced retain_hook is honoured: Scalar's walk calls the protocol
    assert seen == list(visit_order([root]))


def test_an_interrupted_backward_leaves_nothing_behind_for_the_next_one():
    class Interrupt:
        def __mul__(self, other):
            raise KeyboardInterrupt

    nodes = scalar_nodes(6)
    root = total(nodes)
    order = list(visit_order([root]))
    middle = next(n for n in order[len(order) // 2:] if n.inputs)
    saved, middle._local0 = middle._local0, Interrupt()  # an interrupt half-way through the walk
    with pytest.raises(KeyboardInterrupt):
        root.backward()
    middle._local0 = saved
    for n in nodes:
        n.grad = 0.0
    root.backward()
    reference = scalar_nodes(6)
    total(reference).backward()
    assert [n.grad for n in nodes] == [n.grad for n in reference]


def test_anomaly_mode_runs_the_checking_engine():
    def build():
        x, zero = ag.Scalar(float("inf"), label="x"), ag.Scalar(0.0, label="zero")
        return x, zero, x * zero

    x, zero, y = build()
    y.backward()  # inf * 0: NaN gradients, as float arithmetic gives them
    assert math.isnan(y.data) and math.isinf(zero.grad)
    x, zero, y = build()
    with ag.detect_anomaly(), pytest.raises(RuntimeError, match=r"detect_anomaly: \* returned inf"):
        y.backward()


def test_graph_structure_is_visible_as_before():
    a, b = ag.Scalar(2.0, label="a"), ag.Scalar(-3.0, label="b")
    c = a * b
    d = c.tanh()
    e = 2 * d
    assert a.inputs == () and c.inputs == (a, b) and d.inputs == (c,) and (a * a).inputs == (a, a)
    constant = e.inputs[0]
    assert constant.data == 2.0 and constant.inputs == () and e.inputs[1] is d
    assert (c.name, d.name, e.name, c._op) == ("*", "tanh", "*", "*")
    assert c._prev == {a, b} and a._prev == set()
    assert c.local_grads == (-3.0, 2.0) and d.local_grads == pytest.approx((1 - math.tanh(-6.0) ** 2,))
    assert d.propagate(2.0) == pytest.approx([2 * (1 - math.tanh(-6.0) ** 2)])


def test_the_constructor_records_given_children_and_rejects_what_it_cannot_hold():
    a, b = ag.Scalar(2.0), ag.Scalar(5.0)
    c = ag.Scalar(7.0, "c", (a, b), "+", (1.0, 1.0))
    (c * c).backward()
    assert (a.grad, b.grad, c.inputs, c.name, c.label) == (14.0, 14.0, (a, b), "+", "c")
    with pytest.raises(ValueError, match="one local derivative per child"):
        ag.Scalar(7.0, "c", (a, b), "+")
    with pytest.raises(ValueError, match="at most 2 children"):
        ag.Scalar(1.0, "", (a, b, c), "f", (1.0, 1.0, 1.0))
    with pytest.raises(TypeError, match="cannot combine a Scalar with str"):
        a + "1"


def test_numbers_of_every_kind_become_constant_leaves():
    np = pytest.importorskip("numpy")
    x = ag.Scalar(1.5)
    for number in (2, 2.0, True, np.float64(2.0), np.int32(2)):
        for y in (x * number, number * x, x + number, number + x):
            assert type(y) is ag.Scalar and all(type(i) is ag.Scalar for i in y.inputs)
            assert y.data in (1.5 * float(number), 1.5 + float(number))


@pytest.mark.skipif(sys.implementation.name != "cpython", reason="counts CPython's GC-tracked objects")
def test_each_node_is_one_object_for_the_cyclic_gc():
    x = ag.Scalar(0.5)
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        nodes = [x]
        for _ in range(1000):
            nodes.append((nodes[-1] * x).tanh())
        grown = len(gc.get_objects()) - before
    finally:
        gc.enable()
    assert grown <= 2000 + 50  # 2000 nodes (and the list), not a tuple of inputs per node too


def test_a_subclass_that_overrides_the_engine_protocol_is_honoured():
    class Clipped(ag.Scalar):
        """A leaf whose stored gradient is clipped to [-1, 1]."""

        __slots__ = ()

        def retain_hook(self, grad):
            self.grad = max(-1.0, min(1.0, self.grad + grad))

    w = Clipped(3.0)
    (w * 5.0 + w).backward()
    assert w.grad == 1.0
