"""Chapter 9's interactive view: build a scalar expression with autodiff Tensors, draw its graph
(with backprop_lib.graph's GraphPlot) and walk the backward pass one node at a time.

    view = AutodiffView(expression="(x + 1)²", x=2.0)
    view                        # in a notebook cell: displays the widget
    view.step.value = 1; view.grads; view.plot.k
"""
from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from ._display import ShowsWidget
from . import plots
from .autodiff import Tensor, topological_order
from .graph import Graph, GraphPlot

# Tensor operation -> backprop_lib.graph operation (the scalar operations a drawing can show)
GRAPH_OPS = {"+": "add", "-": "sub", "*": "mul", "**2": "square", "sigmoid": "sigmoid", "tanh": "tanh",
             "relu": "relu", "exp": "exp"}


def to_graph(root: Tensor, pos: dict | None = None) -> tuple[Graph, str]:
    """The computational graph behind a single-number Tensor as a backprop_lib.graph.Graph (for drawing
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
    "(x + 1)²  (lecture notes 003)": (_square, ("x",), {
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


class AutodiffView(ShowsWidget):
    """An expression dropdown, sliders for its inputs x, w, b, and a backward-step slider with Play:
    the graph shows forward values (blue) and the gradients reached so far (red)."""

    def __init__(self, expression: str = next(iter(EXPRESSIONS)), x: float = 2.0, w: float = 1.0,
                 b: float = 0.5, step: int | None = None):
        style = {"description_width": "initial"}
        self.expression = W.Dropdown(options=list(EXPRESSIONS), value=expression, description="expression",
                                     style=style, layout=W.Layout(width="420px"))
        self.x, self.w, self.b = (W.FloatSlider(value=v, min=-3, max=3, step=0.1, description=name,
                                                continuous_update=False, readout_format=".1f", style=style,
                                                layout=W.Layout(width="230px"))
                                  for name, v in (("x", x), ("w", w), ("b", b)))
        self.step = W.IntSlider(value=0, min=0, max=1, description="backward step", continuous_update=False,
                                style=style, layout=W.Layout(width="330px"))
        self.play = W.Play(value=0, min=0, max=1, step=1, interval=900, description="Play", show_repeat=False)
        W.link((self.play, "value"), (self.step, "value"))
        W.link((self.play, "max"), (self.step, "max"))
        self.status = W.HTML()
        self.log = W.Output()
        self.fig, (self.ax,) = plots.new_figure(size=(9.6, 4.6))
        self.plot = None
        self._busy = False
        from .widgets import FigureView   # here, not at the top: widgets re-exports this module

        self._rebuild(step)
        self.view = FigureView(self.fig)
        self.expression.observe(self.log.capture()(lambda c: self._guarded(self._rebuild)), names="value")
        for slider in (self.x, self.w, self.b):
            slider.observe(self.log.capture()(lambda c: self._guarded(self._set_values)), names="value")
        self.step.observe(self.log.capture()(lambda c: self._guarded(self.redraw)), names="value")
        self.widget = W.VBox([W.HBox([self.expression, self.play, self.step]), W.HBox([self.x, self.w, self.b]),
                              self.status, self.view.image, self.log])

    # -- state -------------------------------------------------------------------------------
    def _guarded(self, fn) -> None:
        if not self._busy:
            fn()

    @property
    def values(self) -> dict:
        return {"x": self.x.value, "w": self.w.value, "b": self.b.value}

    def _autodiff(self) -> None:
        """Forward and backward with Tensors: the gradients the graph replay must reproduce."""
        self.output, self.leaves = build(self.expression.value, self.values)
        self.output.backward()
        self.grads = {name: float(t.grad) for name, t in self.leaves.items()}

    def _rebuild(self, step: int | None = None) -> None:
        """A new expression: new graph, new drawing on the same axes, backward pass shown complete."""
        self._autodiff()
        self.graph, self.output_name = to_graph(self.output, EXPRESSIONS[self.expression.value][2])
        self.ax.clear()
        self.plot = GraphPlot(self.ax, self.graph, self.output_name, fontsize=9)
        n = self.plot.n_steps
        self._busy = True
        try:
            self.step.max = n
            self.step.value = n if step is None else int(np.clip(step, 0, n))
        finally:
            self._busy = False
        for name, slider in (("x", self.x), ("w", self.w), ("b", self.b)):
            slider.disabled = name not in self.leaves
        self.redraw()

    def _set_values(self) -> None:
        """New input values: the same graph, recomputed forward and backward."""
        self._autodiff()
        for name in self.leaves:
            self.graph.set(name, self.values[name])
        self.redraw()

    # -- drawing -----------------------------------------------------------------------------
    def redraw(self) -> None:
        k = self.step.value
        self.plot.update(k)
        replay = {name: self.graph[name].grad for name in self.leaves}
        self.replay_grads = replay
        done = k == self.plot.n_steps
        o = self.output_name
        parts = [f"∂{o}/∂{name} = {g:.4g}" for name, g in self.grads.items()]
        msg = (f"{o} = {self.output.item():.4g}.  Tensor.backward() gives " + ",  ".join(parts) + ". "
               + ("The step-by-step replay (complete) agrees." if done and all(
                   np.isclose(replay[n], self.grads[n], rtol=1e-12, atol=1e-15) for n in replay)
                  else f"Replay: step {k} of {self.plot.n_steps}; move the step slider or press Play."))
        self.status.value = f"<div style='font-size:13px;max-width:760px'>{html.escape(msg)}</div>"
        if hasattr(self, "view"):
            self.view.redraw()

    def png(self) -> bytes:
        return self.view.image.value
