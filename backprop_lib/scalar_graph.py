"""A small computational graph of scalar operations (chapter 4): forward values, a backward pass that
can be replayed one node at a time, central-difference gradients, layout positions for a drawing
(`backprop_lib.plots.GraphPlot` draws it), the graphs chapter 4 uses, and `to_graph`, which turns a
single-number autodiff `Tensor` expression (chapter 9) into such a graph.

    g = Graph()
    x = g.input("x", 2.0)
    y = g.add(x, g.const(1.0), name="y")      # y = x + 1
    f = g.square(y, name="f")                 # f = y^2
    g.backward(f)                             # {"f": 1.0, "y": 6.0, "x": 6.0, ...}

Nodes are created in topological order (a node's parents exist before it), so the forward pass is
one loop over the nodes and the backward pass the same loop reversed. Each backward step takes one
node's gradient (the *upstream* gradient dL/dnode) and sends ``local * upstream`` to every parent,
where ``local`` is d node / d parent. Numpy only.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

from ._validate import real_number, whole_number
from .activations import relu_derivative, sigmoid, sigmoid_derivative, tanh_derivative
from .autodiff import Tensor, topological_order


@dataclass(frozen=True)
class Op:
    """One operation: its symbol, forward value, local derivatives and their formulas in words."""

    symbol: str
    arity: int | None                                   # None: any number >= 2 of inputs
    forward: Callable[..., float]                       # forward(*inputs) -> value
    local: Callable[[tuple, float], tuple]              # local(inputs, out) -> d out / d input_i
    formula: Callable[[tuple, str], tuple]              # formula(input names, own name) -> strings


_EXP_MAX = 700.0   # e^700 ~ 1e304: beyond it exp is held constant (and its derivative is 0) to stay finite


def _exp(u: float) -> float:
    return math.exp(min(u, _EXP_MAX))


OPS: dict[str, Op] = {
    "add": Op("+", None, lambda *u: float(sum(u)), lambda u, out: (1.0,) * len(u),
              lambda p, n: ("1",) * len(p)),
    "sub": Op("\u2212", 2, lambda u, v: u - v, lambda u, out: (1.0, -1.0), lambda p, n: ("1", "\u22121")),
    "mul": Op("\u00d7", 2, lambda u, v: u * v, lambda u, out: (u[1], u[0]), lambda p, n: (p[1], p[0])),
    "square": Op("(\u00b7)\u00b2", 1, lambda u: u * u, lambda u, out: (2.0 * u[0],), lambda p, n: (f"2\u00b7{p[0]}",)),
    "half_square": Op("\u00bd(\u00b7)\u00b2", 1, lambda u: 0.5 * u * u, lambda u, out: (u[0],), lambda p, n: (p[0],)),
    "sigmoid": Op("\u03c3", 1, lambda u: float(sigmoid(u)), lambda u, out: (float(sigmoid_derivative(u[0], out)),),
                  lambda p, n: (f"{n}(1\u2212{n})",)),
    "tanh": Op("tanh", 1, math.tanh, lambda u, out: (float(tanh_derivative(u[0], out)),), lambda p, n: (f"1\u2212{n}\u00b2",)),
    "relu": Op("relu", 1, lambda u: max(u, 0.0), lambda u, out: (float(relu_derivative(u[0])),),
               lambda p, n: (f"[{p[0]}>0]",)),
    "exp": Op("exp", 1, _exp, lambda u, out: (out if u[0] < _EXP_MAX else 0.0,), lambda p, n: (n,)),
}


class Node:
    """A scalar in the graph: a leaf (kind "input" or "const") or the result of an operation."""

    def __init__(self, graph: "Graph", name: str, kind: str, op: str | None, parents: tuple, value: float,
                 pos=None):
        self.graph, self.name, self.kind, self.op, self.parents = graph, name, kind, op, parents
        self.value = value
        self.grad = 0.0
        self.pos = None if pos is None else (float(pos[0]), float(pos[1]))

    @property
    def children(self) -> list["Node"]:
        return [n for n in self.graph.nodes if any(p is self for p in n.parents)]

    def __repr__(self) -> str:
        what = self.kind if self.op is None else f"{self.op}({', '.join(p.name for p in self.parents)})"
        return f"Node({self.name} = {what}, value={self.value:.6g}, grad={self.grad:.6g})"


@dataclass
class BackwardStep:
    """One step of the backward pass: node `node` passes its gradient `upstream` to its parents.

    terms[i] = (parent, local derivative d node / d parent, its formula, local * upstream). The first
    step of a pass is the seed, dL/dL = 1, with no terms.
    """

    node: Node
    upstream: float
    terms: list = field(default_factory=list)
    output: str = "L"

    def describe(self) -> str:
        n = self.node
        if not self.terms:
            return f"start at the output: \u2202{n.name}/\u2202{n.name} = 1"
        o = self.output
        parts = [f"\u2202{o}/\u2202{p.name} += \u2202{n.name}/\u2202{p.name} \u00d7 \u2202{o}/\u2202{n.name} = "
                 f"{format_number(local)} \u00d7 {format_number(self.upstream)} = {format_number(product)}"
                 for p, local, _, product in self.terms]
        return f"node {n.name} = {OPS[n.op].symbol}({', '.join(p.name for p, *_ in self.terms)}): " + ";  ".join(parts)


def format_number(v: float) -> str:
    """A node's value or gradient as the drawings and step descriptions print it."""
    return f"{v:.4g}" if v != 0 else "0"


class Graph:
    """A computational graph built node by node; see the module docstring."""

    def __init__(self):
        self.nodes: list[Node] = []

    # -- building --------------------------------------------------------------------------------
    def _add_node(self, node: Node) -> Node:
        if any(n.name == node.name for n in self.nodes):
            raise ValueError(f"there is already a node called {node.name!r}; names must be unique")
        self.nodes.append(node)
        return node

    def input(self, name: str, value: float, pos=None) -> Node:
        """A leaf whose gradient we want (an input or a parameter)."""
        return self._add_node(Node(self, str(name), "input", None, (), real_number(value, f"value of {name}"), pos))

    def const(self, value: float, name: str | None = None, pos=None) -> Node:
        """A constant leaf (its gradient is computed but not of interest, e.g. the 1 in x + 1)."""
        value = real_number(value, "constant")
        name = f"{value:g}" if name is None else str(name)
        base, i = name, 1
        while any(n.name == name for n in self.nodes):
            i += 1
            name = f"{base}#{i}"
        return self._add_node(Node(self, name, "const", None, (), value, pos))

    def op(self, op: str, *parents: Node, name: str | None = None, pos=None) -> Node:
        """A node computing OPS[op] of its parents."""
        if op not in OPS:
            raise ValueError(f"unknown operation {op!r}; valid operations are: {', '.join(OPS)}")
        spec = OPS[op]
        if spec.arity is None and len(parents) < 2 or spec.arity is not None and len(parents) != spec.arity:
            need = "at least 2" if spec.arity is None else str(spec.arity)
            raise ValueError(f"operation {op!r} takes {need} inputs, got {len(parents)}")
        for p in parents:
            if not isinstance(p, Node) or p.graph is not self:
                raise ValueError(f"inputs of {op!r} must be nodes of this graph, got {p!r}")
        name = f"n{len(self.nodes)}" if name is None else str(name)
        node = Node(self, name, "op", op, tuple(parents), 0.0, pos)
        node.value = self._evaluate(node)
        return self._add_node(node)

    def add(self, *parents, name=None, pos=None):
        return self.op("add", *parents, name=name, pos=pos)

    def sub(self, u, v, name=None, pos=None):
        return self.op("sub", u, v, name=name, pos=pos)

    def mul(self, u, v, name=None, pos=None):
        return self.op("mul", u, v, name=name, pos=pos)

    def square(self, u, name=None, pos=None):
        return self.op("square", u, name=name, pos=pos)

    def half_square(self, u, name=None, pos=None):
        return self.op("half_square", u, name=name, pos=pos)

    def sigmoid(self, u, name=None, pos=None):
        return self.op("sigmoid", u, name=name, pos=pos)

    def tanh(self, u, name=None, pos=None):
        return self.op("tanh", u, name=name, pos=pos)

    def relu(self, u, name=None, pos=None):
        return self.op("relu", u, name=name, pos=pos)

    def exp(self, u, name=None, pos=None):
        return self.op("exp", u, name=name, pos=pos)

    # -- forward ---------------------------------------------------------------------------------
    def __getitem__(self, name: str) -> Node:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(f"no node called {name!r}; the nodes are: {', '.join(n.name for n in self.nodes)}")

    @property
    def inputs(self) -> list[Node]:
        return [n for n in self.nodes if n.kind == "input"]

    @staticmethod
    def _evaluate(node: Node) -> float:
        return float(OPS[node.op].forward(*(p.value for p in node.parents)))

    def set(self, name: str, value: float) -> None:
        """Change a leaf's value and recompute every node (the forward pass)."""
        node = self[name]
        if node.op is not None:
            raise ValueError(f"{name!r} is computed from other nodes; set one of the leaves instead")
        node.value = real_number(value, f"value of {name}")
        self.forward()

    def forward(self) -> None:
        """Recompute every operation node from its parents, in creation (topological) order."""
        for n in self.nodes:
            if n.op is not None:
                n.value = self._evaluate(n)

    # -- backward --------------------------------------------------------------------------------
    def _output(self, output) -> Node:
        node = self[output] if isinstance(output, str) else output
        if not isinstance(node, Node) or node.graph is not self:
            raise ValueError(f"output must be a node of this graph (or its name), got {output!r}")
        return node

    def _needed(self, out: Node) -> list[Node]:
        """The nodes `out` depends on (itself included), in creation order."""
        keep = {id(out)}
        for n in reversed(self.nodes):
            if id(n) in keep:
                keep.update(id(p) for p in n.parents)
        return [n for n in self.nodes if id(n) in keep]

    def steps(self, output) -> list[BackwardStep]:
        """The backward pass as a list of steps (the seed first), computed from the current values."""
        out = self._output(output)
        grads = {id(n): 0.0 for n in self.nodes}
        grads[id(out)] = 1.0
        steps = [BackwardStep(out, 1.0, output=out.name)]
        for n in reversed(self._needed(out)):
            if n.op is None:
                continue
            upstream = grads[id(n)]
            spec = OPS[n.op]
            names = tuple(p.name for p in n.parents)
            locals_ = spec.local(tuple(p.value for p in n.parents), n.value)
            formulas = spec.formula(names, n.name)
            step = BackwardStep(n, upstream, output=out.name)
            for p, local, formula in zip(n.parents, locals_, formulas):
                product = float(local) * upstream
                grads[id(p)] += product
                step.terms.append((p, float(local), formula, product))
            steps.append(step)
        return steps

    def replay(self, output, k: int) -> list[BackwardStep]:
        """Set every node's .grad to its value after the first k backward steps; return all steps.

        k = 0: no gradients yet; k = len(steps): the full backward pass. A node whose gradient has not
        been reached yet keeps grad 0; `reached(output, k)` says which ones have.
        """
        steps = self.steps(output)
        k = whole_number(k, "step k", minimum=0, maximum=len(steps))
        for n in self.nodes:
            n.grad = 0.0
        for step in steps[:k]:
            if not step.terms:
                step.node.grad = 1.0
            for p, _, _, product in step.terms:
                p.grad += product
        return steps

    def reached(self, output, k: int) -> set[str]:
        """Names of the nodes that have received a gradient within the first k steps."""
        steps = self.steps(output)
        names = set()
        for step in steps[:k]:
            names.add(step.node.name)
            names.update(p.name for p, *_ in step.terms)
        return names

    def backward(self, output) -> dict[str, float]:
        """The full backward pass: every node's .grad = d output / d node; returns {name: grad}."""
        steps = self.replay(output, len(self.steps(output)))
        del steps
        return {n.name: n.grad for n in self.nodes}

    def numerical_grads(self, output, h: float = 1e-5) -> dict[str, float]:
        r"""Central differences $(L(u + h) - L(u - h)) / 2h$ for every input leaf u (the referee)."""
        out = self._output(output)
        grads = {}
        for n in self.inputs:
            old = n.value
            n.value = old + h
            self.forward()
            plus = out.value
            n.value = old - h
            self.forward()
            minus = out.value
            n.value = old
            grads[n.name] = (plus - minus) / (2 * h)
        self.forward()
        return grads

    # -- layout ------------------------------------------------------------------------------------
    def layout(self) -> dict[str, tuple[float, float]]:
        """Positions for drawing: given ones, else columns by depth (a leaf sits one column before
        its first consumer) and rows spread evenly within a column."""
        depth: dict[int, int] = {}
        for n in self.nodes:
            depth[id(n)] = 0 if not n.parents else 1 + max(depth[id(p)] for p in n.parents)
        for n in self.nodes:
            if not n.parents:
                kids = n.children
                if kids:
                    depth[id(n)] = max(0, min(depth[id(c)] for c in kids) - 1)
        columns: dict[int, list[Node]] = {}
        for n in self.nodes:
            columns.setdefault(depth[id(n)], []).append(n)
        pos = {}
        for d, col in columns.items():
            for i, n in enumerate(col):
                pos[n.name] = n.pos if n.pos is not None else (2.2 * d, (len(col) - 1) / 2 - i)
        return pos


# ---------------------------------------------------------------------------------------------
# The graphs chapter 4 uses
# ---------------------------------------------------------------------------------------------
def square_example(x: float = 2.0) -> Graph:
    """f = (x + 1)^2 as a graph: x -> y = x + 1 -> f = y^2 (chapter 4's chain-rule example)."""
    g = Graph()
    xn = g.input("x", x, pos=(0, 0))
    one = g.const(1.0, pos=(0, -1.3))
    y = g.add(xn, one, name="y", pos=(2.2, -0.4))
    g.square(y, name="f", pos=(4.4, -0.4))
    return g


def neuron_example(x=(1.0, 2.0), w=(0.5, -1.0), b=0.1, t=1.0) -> Graph:
    """One sigmoid neuron with two inputs and the squared error L = 1/2 (a - t)^2 (chapter 1's neuron)."""
    g = Graph()
    x1 = g.input("x1", x[0], pos=(0, 2.7))
    w1 = g.input("w1", w[0], pos=(0, 1.2))
    x2 = g.input("x2", x[1], pos=(0, -0.3))
    w2 = g.input("w2", w[1], pos=(0, -1.8))
    p1 = g.mul(w1, x1, name="p1", pos=(2.4, 1.95))
    p2 = g.mul(w2, x2, name="p2", pos=(2.4, -1.05))
    b_ = g.input("b", b, pos=(2.4, -2.7))
    z = g.add(p1, p2, b_, name="z", pos=(4.8, 0.3))
    a = g.sigmoid(z, name="a", pos=(7.2, 0.3))
    t_ = g.const(t, name="t", pos=(7.2, -1.8))
    d = g.sub(a, t_, name="d", pos=(9.6, 0.3))
    g.half_square(d, name="L", pos=(12.0, 0.3))
    return g


EXAMPLES = {"neuron": neuron_example, "square": square_example}


def example(name: str) -> tuple[Graph, str]:
    """(graph, output name) for one of EXAMPLES."""
    if name not in EXAMPLES:
        raise ValueError(f"unknown example {name!r}; valid examples are: {', '.join(EXAMPLES)}")
    g = EXAMPLES[name]()
    return g, g.nodes[-1].name


# ---------------------------------------------------------------------------------------------
# From an autodiff Tensor expression to a Graph (chapter 9 draws its expressions with this)
# ---------------------------------------------------------------------------------------------
# Tensor operation -> scalar_graph operation (the scalar operations a drawing can show)
GRAPH_OPS = {"+": "add", "-": "sub", "*": "mul", "**2": "square", "sigmoid": "sigmoid", "tanh": "tanh",
             "relu": "relu", "exp": "exp"}


def to_graph(root: Tensor, pos: dict | None = None) -> tuple[Graph, str]:
    """The computational graph behind a single-number Tensor as a Graph (for drawing
    and step-by-step replay): leaves become inputs (or constants), operations become nodes named by
    their Tensor's label. `pos` may place nodes by label: {label: (x, y)}.
    Returns (graph, name of the output node)."""
    graph, nodes, pos = Graph(), {}, pos or {}
    for i, t in enumerate(topological_order(root)):
        if t.data.size != 1:
            raise ValueError(f"only expressions of single numbers can be drawn; {t!r} has shape {t.shape}")
        where = pos.get(t.label)
        if not t.parents:
            node = (graph.const(t.item(), pos=where) if t.is_constant
                    else graph.input(t.label or f"v{i}", t.item(), pos=where))
        elif t.op in GRAPH_OPS:
            node = graph.op(GRAPH_OPS[t.op], *(nodes[id(p)] for p in t.parents), name=t.label or None, pos=where)
        else:
            raise ValueError(f"operation {t.op!r} cannot be drawn; drawable operations: {', '.join(GRAPH_OPS)}")
        nodes[id(t)] = node
    return graph, nodes[id(root)].name


def _named(t: Tensor, label: str) -> Tensor:
    t.label = label
    return t


def _square(x, w, b):
    y = _named(x + 1, "y")
    return _named(y ** 2, "f")


def _neuron(x, w, b):
    z = _named(_named(w * x, "p") + b, "z")
    a = _named(z.sigmoid(), "a")
    e = _named(a - 1.0, "e")
    return _named(0.5 * _named(e ** 2, "s"), "L")


def _reuse(x, w, b):
    return _named(_named(x * w, "p") * _named(x + b, "q"), "f")


def _relu(x, w, b):
    h = _named(_named(_named(w * x, "p") + b, "z").relu(), "h")
    return _named(h ** 2, "f")


# name: (function of the leaves x, w, b; the leaves it uses; where to draw each node, by label)
EXPRESSIONS = {
    "(x + 1)²": (_square, ("x",), {
        "x": (0, 0.9), "1": (0, -0.9), "y": (2.4, 0), "f": (4.8, 0)}),
    "sigmoid neuron: L = ½(σ(w·x + b) − 1)²": (_neuron, ("x", "w", "b"), {
        "w": (0, 2.3), "x": (0, -0.6), "p": (2.6, 0.9), "b": (2.6, -1.2), "z": (4.8, 0.9), "a": (7.0, 0.9),
        "1": (7.0, -1.2), "e": (9.2, 0.9), "s": (11.4, 0.9), "0.5": (11.4, -1.2), "L": (13.6, 0.9)}),
    "x used twice: f = (x·w)·(x + b)": (_reuse, ("x", "w", "b"), {
        "w": (0, 2.0), "x": (0, 0), "b": (0, -2.0), "p": (2.6, 1.0), "q": (2.6, -1.0), "f": (5.2, 0)}),
    "ReLU gate: f = relu(w·x + b)²": (_relu, ("x", "w", "b"), {
        "w": (0, 2.3), "x": (0, -0.6), "p": (2.6, 0.9), "b": (2.6, -1.2), "z": (4.9, 0.9), "h": (7.2, 0.9),
        "f": (9.5, 0.9)}),
}


def build(expression: str, values: dict) -> tuple[Tensor, dict]:
    """(output Tensor, {name: leaf Tensor}) for one of EXPRESSIONS at the given leaf values."""
    if expression not in EXPRESSIONS:
        raise ValueError(f"unknown expression {expression!r}; valid: {', '.join(map(repr, EXPRESSIONS))}")
    fn, used, _ = EXPRESSIONS[expression]
    leaves = {name: Tensor(values[name], label=name) for name in ("x", "w", "b")}
    return fn(leaves["x"], leaves["w"], leaves["b"]), {name: leaves[name] for name in used}


__all__ = ["Graph", "Node", "Op", "OPS", "BackwardStep", "format_number", "square_example", "neuron_example",
           "example", "EXAMPLES", "GRAPH_OPS", "to_graph", "EXPRESSIONS", "build"]
