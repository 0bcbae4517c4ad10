"""Chapter 9's interactive view: build a scalar expression with autodiff Tensors, draw its graph
(`backprop_lib.plots.GraphPlot`) and walk the backward pass one node at a time.

    view = AutodiffView(expression="(x + 1)²", x=2.0)
    view                        # in a notebook cell: displays the widget
    view.step.value = 1; view.grads; view.plot.k
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np

from .. import plots
from ..plots import GraphPlot
from ..scalar_graph import EXPRESSIONS, build, to_graph
from .base import FigureView, ShowsWidget, TrainingControls


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
        # Play / Step walk the backward pass one node further, Reset goes back to the forward pass
        self.controls = c = TrainingControls(self.next_step, self.restart, interval=900)
        self.play, self.step_button, self.reset_button = c.play, c.step_button, c.reset_button
        self.status, self.log = c.status, c.log
        self.fig, (self.ax,) = plots.new_figure(size=(9.6, 4.6))
        self.plot = None
        self._plots = {}        # expression -> (graph, output name, GraphPlot on its own axes)
        self._busy = False
        self._rebuild(step)
        self.view = FigureView(self.fig)
        self.expression.observe(c.capture(lambda change: self._guarded(self._rebuild)), names="value")
        for slider in (self.x, self.w, self.b):
            slider.observe(c.capture(lambda change: self._guarded(self._set_values)), names="value")
        self.step.observe(c.capture(lambda change: self._guarded(self.redraw)), names="value")
        self.play.observe(c.capture(self._on_play), names="playing")
        self.widget = W.VBox([W.HBox([self.expression, self.step]), W.HBox([self.x, self.w, self.b]), c.box,
                              self.status, self.view.image, self.log])
        # rendering ahead recomputes a graph in place and shows another expression's axes: `restore`
        # puts the real values and the current expression's axes back
        self.view.track(self, [self.expression, self.x, self.w, self.b, self.step],
                        {self.expression: self._rebuild, self.x: self._set_values, self.w: self._set_values,
                         self.b: self._set_values, self.step: self.redraw},
                        restore=self._restore_graph)

    def next_step(self) -> None:
        """One backward step further (what Step and each Play tick do); Play stops at the end."""
        if self.step.value >= self.step.max:
            self.controls.stop()
            return
        self.step.value += 1

    def _on_play(self, change) -> None:
        """Play pressed with the backward pass complete: replay it from the forward pass."""
        if change["new"] and self.step.value >= self.step.max:
            self.step.value = 0

    def restart(self) -> None:
        """Back to the forward pass (step 0): what Reset does."""
        self.controls.stop()
        self.step.value = 0

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
        """A new expression: its graph (drawn once per expression on its own axes, kept for when the
        expression comes back), with the backward pass shown complete."""
        self._autodiff()
        name = self.expression.value
        if name not in self._plots:
            graph, output_name = to_graph(self.output, EXPRESSIONS[name][2])
            ax = self.ax if not self._plots else self.fig.add_axes(self.ax.get_position(), label=name)
            self._plots[name] = (graph, output_name, GraphPlot(ax, graph, output_name, fontsize=9))
        else:
            graph = self._plots[name][0]
            for leaf in self.leaves:
                graph.set(leaf, self.values[leaf])
        self.graph, self.output_name, self.plot = self._plots[name]
        self._show_current()
        n = self.plot.n_steps
        self._busy = True
        try:
            self.step.max = n
            self.step.value = n if step is None else int(np.clip(step, 0, n))
        finally:
            self._busy = False
        for leaf, slider in (("x", self.x), ("w", self.w), ("b", self.b)):
            slider.disabled = leaf not in self.leaves
        self.redraw()

    def _set_values(self) -> None:
        """New input values: the same graph, recomputed forward and backward."""
        self._autodiff()
        self._set_graph_values()
        self.redraw()

    def _set_graph_values(self) -> None:
        for name in self.leaves:
            self.graph.set(name, self.values[name])

    def _restore_graph(self) -> None:
        """After a frame rendered ahead: the current graph's values, only the current expression shown."""
        self._set_graph_values()
        self._show_current()

    def _show_current(self) -> None:
        """Only the current expression's axes visible (each expression keeps its own)."""
        for other in self._plots.values():
            other[2].ax.set_visible(other[2] is self.plot)

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
        self.controls.show_status(msg)
        self.step_button.disabled = done          # at the end Step has nothing to do; Reset or Play replay
        if hasattr(self, "view"):   # a step redraws the gradients and the highlight over a cached background
            self.view.redraw(dynamic=self.plot.dynamic, key=(self.expression.value, *self.values.values()))

    def png(self) -> bytes:
        return self.view.image.value
