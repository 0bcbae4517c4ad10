"""A small computational graph of scalar operations (chapter 4): forward values, a backward pass that
can be replayed one node at a time, central-difference gradients, and a matplotlib drawing.

    g = Graph()
    x = g.input("x", 2.0)
    y = g.add(x, g.const(1.0), name="y")      # y = x + 1
    f = g.square(y, name="f")                 # f = y^2
    g.backward(f)                             # {"f": 1.0, "y": 6.0, "x": 6.0, ...}

Nodes are created in topological order (a node's parents exist before it), so the forward pass is
one loop over the nodes and the backward pass the same loop reversed. Each backward step takes one
node's gradient (the *upstream* gradient dL/dnode) and sends ``local * upstream`` to every parent,
where ``local`` is d node / d parent. Numpy only; the drawing imports matplotlib when it is used.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Callable



def _sigmoid(u: float) -> float:
    e = math.exp(-abs(u))
    return 1.0 / (1.0 + e) if u >= 0 else e / (1.0 + e)


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
    "sigmoid": Op("\u03c3", 1, _sigmoid, lambda u, out: (out * (1.0 - out),),
                  lambda p, n: (f"{n}(1\u2212{n})",)),
    "tanh": Op("tanh", 1, math.tanh, lambda u, out: (1.0 - out * out,), lambda p, n: (f"1\u2212{n}\u00b2",)),
    "relu": Op("relu", 1, lambda u: max(u, 0.0), lambda u, out: (1.0 if u[0] > 0 else 0.0,),
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
                 f"{_num(local)} \u00d7 {_num(self.upstream)} = {_num(product)}"
                 for p, local, _, product in self.terms]
        return f"node {n.name} = {OPS[n.op].symbol}({', '.join(p.name for p, *_ in self.terms)}): " + ";  ".join(parts)


def _num(v: float) -> str:
    return f"{v:.4g}" if v != 0 else "0"


def _finite(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    return float(value)


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
        return self._add_node(Node(self, str(name), "input", None, (), _finite(value, f"value of {name}"), pos))

    def const(self, value: float, name: str | None = None, pos=None) -> Node:
        """A constant leaf (its gradient is computed but not of interest, e.g. the 1 in x + 1)."""
        value = _finite(value, "constant")
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
        node.value = _finite(value, f"value of {name}")
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
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 0 <= k <= len(steps):
            raise ValueError(f"step k must be a whole number in 0..{len(steps)}, got {k!r}")
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
# Drawing (matplotlib is imported here, on use)
# ---------------------------------------------------------------------------------------------
VALUE_COLOR = "#1f4e9a"
GRAD_COLOR = "#c62828"
ACTIVE_COLOR = "#c62828"


class GraphPlot:
    """Draw a Graph on a matplotlib Axes: each node a circle (its operation, or a leaf's name) with
    its forward value above (blue) and its gradient below (red, once the backward pass reaches it).

    `update(k)` shows the state after k backward steps: the node being processed in step k is ringed
    in red, the edges to its parents turn red and are labelled with the local derivative that
    multiplies the upstream gradient, and a caption spells the multiplication out.
    """

    def __init__(self, ax, graph: Graph, output, radius: float = 0.42, fontsize: float = 9,
                 caption_room: float = 1.3):
        from matplotlib.patches import Circle, FancyArrowPatch

        self.ax, self.graph, self.output = ax, graph, graph._output(output)
        self.radius, self.fontsize = radius, fontsize
        self.pos = graph.layout()
        self.k = None
        self.circles, self.symbols, self.value_texts, self.grad_texts = {}, {}, {}, {}
        self.edges, self.edge_texts = {}, {}
        for n in graph.nodes:
            x, y = self.pos[n.name]
            for p in n.parents:
                (x0, y0), key = self.pos[p.name], (p.name, n.name)
                length = math.hypot(x - x0, y - y0) or 1.0
                ux, uy = (x - x0) / length, (y - y0) / length
                arrow = FancyArrowPatch((x0 + radius * ux, y0 + radius * uy), (x - radius * ux, y - radius * uy),
                                        arrowstyle="-|>", mutation_scale=11, lw=1.2, color="#9e9e9e",
                                        shrinkA=0, shrinkB=1, zorder=1)
                self.edges[key] = arrow
                ax.add_patch(arrow)
                self.edge_texts[key] = ax.text((x0 + x) / 2, (y0 + y) / 2, "", ha="center", va="center",
                                               fontsize=fontsize - 1, color=GRAD_COLOR, zorder=5, linespacing=1.1,
                                               bbox=dict(boxstyle="round,pad=0.15", fc="white", ec=GRAD_COLOR,
                                                         lw=0.6), visible=False)
        for n in graph.nodes:
            x, y = self.pos[n.name]
            face = {"input": "#e3f2fd", "const": "#f5f5f5", "op": "#fff8e1"}[n.kind]
            circle = Circle((x, y), radius, fc=face, ec="#616161", lw=1.2, zorder=3)
            ax.add_patch(circle)
            self.circles[n.name] = circle
            label = n.name if n.op is None else OPS[n.op].symbol
            self.symbols[n.name] = ax.text(x, y, label, ha="center", va="center", zorder=4,
                                           fontsize=fontsize + (1 if len(label) <= 2 else -1),
                                           fontweight="bold" if n.op is not None else "normal")
            box = dict(boxstyle="square,pad=0.05", fc="white", ec="none", alpha=0.85)
            if n.op is None:      # leaves: value and gradient to the left, so stacked leaves do not collide
                self.value_texts[n.name] = ax.text(x - radius - 0.12, y + 0.03, "", ha="right", va="bottom",
                                                   zorder=6, fontsize=fontsize, color=VALUE_COLOR, bbox=box)
                self.grad_texts[n.name] = ax.text(x - radius - 0.12, y - 0.03, "", ha="right", va="top",
                                                  zorder=6, fontsize=fontsize, color=GRAD_COLOR, bbox=box)
            else:                 # operations: value above, gradient below
                self.value_texts[n.name] = ax.text(x, y + radius + 0.08, "", ha="center", va="bottom", zorder=6,
                                                   fontsize=fontsize, color=VALUE_COLOR, bbox=box)
                self.grad_texts[n.name] = ax.text(x, y - radius - 0.08, "", ha="center", va="top", zorder=6,
                                                  fontsize=fontsize, color=GRAD_COLOR, bbox=box)
        xs = [p[0] for p in self.pos.values()]
        ys = [p[1] for p in self.pos.values()]
        ax.set_xlim(min(xs) - 3.0, max(xs) + 1.0)      # room for the leaves' labels on the left
        ax.set_ylim(min(ys) - 1.0 - caption_room, max(ys) + 0.85)
        ax.set_aspect("equal")
        ax.axis("off")
        self.caption = ax.text(0.5, 0.01, "", transform=ax.transAxes, ha="center", va="bottom",
                               fontsize=fontsize, linespacing=1.3)

    @property
    def n_steps(self) -> int:
        return len(self.graph.steps(self.output))

    def update(self, k: int | None = None, highlight: bool = True) -> None:
        """Show the forward values and the backward pass after k steps (default: all of them).

        With highlight=False the last step is not singled out: the picture is the finished pass.
        """
        steps = self.graph.steps(self.output)
        k = len(steps) if k is None else k
        self.graph.replay(self.output, k)
        self.k = k
        reached = self.graph.reached(self.output, k)
        current = steps[k - 1] if k >= 1 and highlight else None
        o = self.output.name
        for n in self.graph.nodes:
            shown = n.kind != "const" or n.name != f"{n.value:g}"   # an unnamed constant shows its value already
            self.value_texts[n.name].set_text(f"{n.name} = {_num(n.value)}" if shown else "")
            self.grad_texts[n.name].set_text(f"\u2202{o}/\u2202{n.name} = {_num(n.grad)}"
                                             if n.name in reached and n.kind != "const" else "")
            active = current is not None and current.node is n
            self.circles[n.name].set_edgecolor(ACTIVE_COLOR if active else "#616161")
            self.circles[n.name].set_linewidth(2.6 if active else 1.2)
        for key, arrow in self.edges.items():
            arrow.set_color("#9e9e9e")
            arrow.set_linewidth(1.2)
            self.edge_texts[key].set_visible(False)
        if current is None and k == len(steps):
            grads = ", ".join(f"\u2202{o}/\u2202{n.name} = {_num(n.grad)}" for n in self.graph.inputs)
            self.caption.set_text(f"backward pass complete: {grads}")
        elif current is None:
            self.caption.set_text(f"forward pass done: {self.output.name} = {_num(self.output.value)}. "
                                  "The backward pass has not started.")
        elif not current.terms:
            self.caption.set_text(f"step 1 of {len(steps)}: start at the output, "
                                  f"\u2202{o}/\u2202{o} = 1")
        else:
            lines = []
            for p, local, formula, product in current.terms:
                key = (p.name, current.node.name)
                self.edges[key].set_color(ACTIVE_COLOR)
                self.edges[key].set_linewidth(2.2)
                name = current.node.name
                self.edge_texts[key].set_text(f"\u00d7 {formula}" + (f"\n= {_num(local)}" if formula != _num(local)
                                                                     else ""))
                self.edge_texts[key].set_visible(True)
                lines.append(f"\u2202{o}/\u2202{p.name} += \u2202{name}/\u2202{p.name} \u00b7 \u2202{o}/\u2202{name}"
                             f" = {_num(local)} \u00b7 {_num(current.upstream)} = {_num(product)}")
            head = f"step {k} of {len(steps)}: node {current.node.name} sends its gradient back"
            self.caption.set_text(head + "\n" + "\n".join(lines))


def draw_graph(graph: Graph, output, k: int | None = None, ax=None, size=(8.5, 3.6), title: str = ""):
    """A one-off drawing of the graph after k backward steps, step k highlighted (default: the finished
    backward pass, nothing highlighted); returns the Figure."""
    if ax is None:
        from .plots import new_figure

        fig, (ax,) = new_figure(size=size)
    else:
        fig = ax.figure
    GraphPlot(ax, graph, output).update(k, highlight=k is not None)
    if title:
        ax.set_title(title)
    return fig


# ---------------------------------------------------------------------------------------------
# The graphs chapter 4 uses
# ---------------------------------------------------------------------------------------------
def square_example(x: float = 2.0) -> Graph:
    """f = (x + 1)^2 as a graph: x -> y = x + 1 -> f = y^2 (document 003's chain-rule example)."""
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


__all__ = ["Graph", "Node", "Op", "OPS", "BackwardStep", "GraphPlot", "draw_graph", "square_example",
           "neuron_example", "example", "EXAMPLES"]
