"""What a drawing shows: module clusters, collapsed modules, and how deep into a big graph
it goes so that the picture stays readable."""
import math


class Module:
    """A module's share of the graph, drawn as one node when collapsed."""

    def __init__(self, key, name):
        self.key, self.name = key, name
        self.params, self.operators, self.inputs, self.outputs = [], [], [], []
        self.depth = math.inf


class Layout:
    """The drawn items of a GraphView: which boxes, circles and module nodes appear, in which
    cluster, and where a "⋯" stands for the part of the graph beyond the depth limit."""

    def __init__(self, view, collapse=False, max_depth=None, max_nodes=None):
        self.cluster = _clusters(view)
        self.modules = _collapse(view, self.cluster) if collapse else {}
        self.module_of = {op: m for m in self.modules.values() for op in m.operators}
        hidden_inside = {v for m in self.modules.values() for v in m.params + _internal(m)}
        depth = _depths(view)
        for module in self.modules.values():
            module.depth = min(depth[op] for op in module.operators)
            for var in module.inputs:
                depth[var] = min(depth[var], module.depth)
        items = [(v, depth[v]) for v in view.variables if v not in hidden_inside]
        items += [(op, depth[op]) for op in view.operators if op not in self.module_of]
        items += [(m, m.depth) for m in self.modules.values()]
        self.depth_limit = _choose_depth(items, self._producer_depths(view, depth, hidden_inside), max_depth, max_nodes)
        limit = math.inf if self.depth_limit is None else self.depth_limit
        shown = {item for item, d in items if d <= limit}
        self.variables = [v for v in view.variables if v in shown]
        self.operators = [op for op in view.operators if op in shown]
        self.collapsed = [m for m in self.modules.values() if m in shown]
        self.stubs = [v for v in self.variables if v.producer is not None and self.producer(v) not in shown]
        self.hidden = len(items) - len(shown)

    def producer(self, var):
        """The drawn item that outputs `var`: its operator, or the collapsed module holding it."""
        return self.module_of.get(var.producer, var.producer)

    def _producer_depths(self, view, depth, hidden_inside):
        pairs = []
        for var in view.variables:
            if var not in hidden_inside and var.producer is not None:
                maker = self.producer(var)
                pairs.append((depth[var], maker.depth if isinstance(maker, Module) else depth[maker]))
        return pairs


def _clusters(view):
    """Module name for variables and operators that belong to one.

    A parameter "layers.0.weight" belongs to module "layers.0". A value computed from one
    module's parameters alone (weight.T) is owned by it too; an operator belongs to a module
    when the module's own values are the only module values it consumes.
    """
    cluster, owner = {}, {}
    for var in view.variables:
        if var.param and "." in var.param:
            cluster[var] = owner[var] = var.param.rpartition(".")[0]
    for op in view.operators:
        owners = {owner.get(v) for v in op.inputs}
        modules = owners - {None}
        if len(modules) == 1:
            (module,) = modules
            cluster[op] = cluster[op.output] = module
            if None not in owners:
                owner[op.output] = module
    for op, module in _between(view, cluster).items():
        cluster[op] = cluster[op.output] = module
    return cluster


def _between(view, cluster):
    """Unclustered operators on a path from one of a module's operators to another (the
    reshapes inside a convolution): they belong to that module, or collapsing would loop."""
    members = {}
    for op in view.operators:
        if op in cluster:
            members.setdefault(cluster[op], set()).add(op)
    found = {}
    for module, ops in members.items():
        after = set(ops)
        for op in view.operators:  # forward order: reached from the module
            if op not in after and any(v.producer in after for v in op.inputs):
                after.add(op)
        before = set(ops)
        for op in reversed(view.operators):  # and reaching back into it
            if op not in before and any(c in before for c in op.output.consumers):
                before.add(op)
        for op in (after & before) - ops:
            if op not in cluster:
                found[op] = module if op not in found else None  # between two modules: neither
    return {op: module for op, module in found.items() if module is not None}


def _collapse(view, cluster):
    """One Module per cluster with operators. Its parameters and internal values disappear
    into it, unless something outside the module uses them too: those stay drawn."""
    modules = {}
    for op in view.operators:
        if op in cluster:
            _module(modules, cluster[op]).operators.append(op)
    for module in modules.values():
        members = set(module.operators)
        for op in module.operators:
            for var in op.inputs:
                used_outside = var.is_root or any(c not in members for c in var.consumers)
                if cluster.get(var) != module.name or used_outside:
                    if var not in module.inputs:
                        module.inputs.append(var)
                elif var.param and var not in module.params:
                    module.params.append(var)
            out = op.output
            if out.is_root or any(c not in members for c in out.consumers):
                module.outputs.append(out)
    return modules


def _module(modules, name):
    if name not in modules:
        modules[name] = Module(f"m{len(modules)}", name)
    return modules[name]


def _internal(module):
    """Results computed inside a collapsed module and used only there."""
    return [op.output for op in module.operators if op.output not in module.outputs]


def _depths(view):
    """Operator steps from the nearest root: roots are 0, the op making a depth-d value is d + 1."""
    depth = {var: 0 for var in view.roots}
    for op in reversed(view.operators):  # every consumer comes before its producers
        d = depth[op] = depth.get(op.output, math.inf) + 1
        for var in op.inputs:
            if d < depth.get(var, math.inf):
                depth[var] = d
    for var in view.variables:
        depth.setdefault(var, 0)  # unreachable only for data roots with no graph
    return depth


def _choose_depth(items, producer_pairs, max_depth, max_nodes):
    """The depth limit: max_depth, lowered until the drawing has at most max_nodes nodes
    (counting one "⋯" per value whose producer is cut off). None means no limit."""
    deepest = max((d for _, d in items), default=0)
    limit = deepest if max_depth is None else min(max_depth, deepest)
    if max_nodes is not None and limit > 0:
        per_depth = [0] * (deepest + 2)
        for _, d in items:
            per_depth[d] += 1
        stub_change = [0] * (deepest + 2)  # a value at depth a made at depth b needs a stub while a <= limit < b
        for a, b in producer_pairs:
            stub_change[a] += 1
            stub_change[b] -= 1
        counts, shown, stubs = [], 0, 0
        for d in range(limit + 1):
            shown, stubs = shown + per_depth[d], stubs + stub_change[d]
            counts.append(shown + stubs)
        while limit > 0 and counts[limit] > max_nodes:
            limit -= 1
    return None if limit >= deepest else limit
