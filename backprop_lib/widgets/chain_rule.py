"""Chapter 4's views: the error of finite differences against the step h, and a backward pass
through a computational graph stepped node by node."""
from __future__ import annotations

import ipywidgets as W
import numpy as np

from .. import plots
from ..gradcheck import FD_FUNCTIONS, fd_errors
from ..plots import GraphPlot
from ..scalar_graph import example
from .base import FigureView, ShowsWidget, status_html


class FiniteDifferenceExplorer(ShowsWidget):
    """The error of forward and central differences against the step h, on a log-log plot, with the
    current h marked; beside it the function with the two secants and the tangent at x0.

    Controls: `h` (log slider), `function`. State: `forward_error`, `central_error` at the current h,
    `message` (the status line as text).
    """

    HS = np.logspace(-16, 0, 129)

    def __init__(self, h: float = 1e-3, function: str = "sigmoid at z = 1"):
        if function not in FD_FUNCTIONS:
            raise ValueError(f"unknown function {function!r}; choose one of: {', '.join(FD_FUNCTIONS)}")
        self.h = W.FloatLogSlider(value=h, base=10, min=-16, max=0, step=0.25, description="step h",
                                  readout_format=".1e", style={"description_width": "initial"},
                                  layout=W.Layout(width="380px"))
        self.function = W.Dropdown(options=list(FD_FUNCTIONS), value=function, description="function",
                                   layout=W.Layout(width="260px"))
        self.status = W.HTML()
        self.log = W.Output()

        fig, (ax_err, ax_f) = plots.new_figure(ncols=2, size=(4.4, 3.5))
        self.ax_err, self.ax_f = ax_err, ax_f
        (self.forward_line,) = ax_err.loglog([], [], color="C0", lw=1.5, label="forward  (f(x+h) \u2212 f(x)) / h")
        (self.central_line,) = ax_err.loglog([], [], color="C1", lw=1.5, label="central  (f(x+h) \u2212 f(x\u2212h)) / 2h")
        (self.forward_dot,) = ax_err.loglog([], [], "o", color="C0", ms=7, zorder=5)
        (self.central_dot,) = ax_err.loglog([], [], "o", color="C1", ms=7, zorder=5)
        ax_err.set_xlabel("step h")
        ax_err.set_ylabel("|error| of the estimate of f'(x)")
        ax_err.set_title("error against h")
        ax_err.set_xlim(self.HS[0], self.HS[-1])
        ax_err.set_ylim(1e-17, 10)
        self.h_line = ax_err.axvline(h, color="grey", lw=1, ls="--")     # after the limits: no singular xlim
        ax_err.grid(True, alpha=0.3, which="major")
        ax_err.legend(loc="upper center", fontsize=7)
        ax_err.text(1e-15, 3e-16, "round-off\nwins", fontsize=8, color="grey")
        ax_err.text(1e-4, 3e-16, "truncation\nwins", fontsize=8, color="grey")

        (self.f_line,) = ax_f.plot([], [], color="k", lw=1.8, label="f")
        (self.tangent_line,) = ax_f.plot([], [], color="grey", lw=1, ls=":", label="tangent (exact slope)")
        (self.forward_secant,) = ax_f.plot([], [], color="C0", lw=1.3, label="forward secant")
        (self.central_secant,) = ax_f.plot([], [], color="C1", lw=1.3, label="central secant")
        (self.secant_points,) = ax_f.plot([], [], "o", color="k", ms=4)
        ax_f.set_xlabel("x")
        ax_f.set_title("secants for this h")
        ax_f.grid(True, alpha=0.25)
        ax_f.legend(loc="upper left", fontsize=7)
        self._set_function()
        self._update()
        self.view = FigureView(fig)

        self.function.observe(self.log.capture()(lambda change: self._new_function()), names="value")
        self.h.observe(self.log.capture()(lambda change: self.redraw()), names="value")
        self.widget = W.VBox([W.HBox([self.function, self.h]), self.status, self.view.image, self.log])
        # a frame rendered ahead for another function leaves that function's curves and limits on the
        # axes: `restore` puts the current one's back
        self.view.track(self, [self.function, self.h], {self.function: self._new_function, self.h: self.redraw},
                        restore=self._set_function)

    def _new_function(self) -> None:
        self._set_function()
        self.redraw()

    def _set_function(self) -> None:
        f, fprime, x0 = FD_FUNCTIONS[self.function.value]
        self.f, self.fprime, self.x0 = f, fprime, x0
        fwd, cen = fd_errors(f, fprime, x0, self.HS)
        tiny = 1e-17          # an exact hit (error 0) is drawn at the bottom of the plot
        self.forward_line.set_data(self.HS, np.maximum(fwd, tiny))
        self.central_line.set_data(self.HS, np.maximum(cen, tiny))
        xs = np.linspace(x0 - 1.3, x0 + 1.3, 200)
        self.f_line.set_data(xs, f(xs))
        ys = f(xs)
        self.ax_f.set_xlim(xs[0], xs[-1])
        pad = 0.15 * (ys.max() - ys.min())
        self.ax_f.set_ylim(ys.min() - pad, ys.max() + pad)

    def redraw(self) -> None:
        """Recompute the errors at the current h, update the artists, render the PNG (over a cached
        background of the function's curves)."""
        self._update()
        dynamic = [self.h_line, self.forward_dot, self.central_dot, self.tangent_line, self.forward_secant,
                   self.central_secant, self.secant_points, self.ax_f.title]
        self.view.redraw(dynamic=dynamic, key=self.function.value)

    def _update(self) -> None:
        h, f, x0 = self.h.value, self.f, self.x0
        exact = float(self.fprime(x0))
        fwd, cen = fd_errors(f, self.fprime, x0, [h])
        self.forward_error, self.central_error = float(fwd[0]), float(cen[0])
        tiny = 1e-17
        self.h_line.set_xdata([h, h])
        self.forward_dot.set_data([h], [max(self.forward_error, tiny)])
        self.central_dot.set_data([h], [max(self.central_error, tiny)])
        fx = float(f(x0))
        slope_f = (float(f(x0 + h)) - fx) / h
        slope_c = (float(f(x0 + h)) - float(f(x0 - h))) / (2 * h)
        span = np.array([x0 - 1.2, x0 + 1.2])
        self.tangent_line.set_data(span, fx + exact * (span - x0))
        self.forward_secant.set_data(span, fx + slope_f * (span - x0))
        self.central_secant.set_data(span, float(f(x0 - h)) + slope_c * (span - (x0 - h)))
        self.secant_points.set_data([x0 - h, x0, x0 + h], [float(f(x0 - h)), fx, float(f(x0 + h))])
        self.ax_f.set_title(f"secants for h = {h:.1e}" + (" (= tangent, to the eye)" if h < 1e-3 else ""))
        best = "round-off dominates: h is too small" if h < 1e-8 else (
            "truncation dominates: h is too large" if h > 1e-4 else "near the sweet spot")
        self.message = (f"h = {h:.1e}: exact f'(x0) = {exact:.12f}; forward error {self.forward_error:.2e}, "
                        f"central error {self.central_error:.2e} ({best}).")
        self.status.value = status_html(self.message)


class GraphStepper(ShowsWidget):
    """Walk the backward pass of a computational graph one node at a time.

    Controls: `example` ("neuron": one sigmoid neuron with squared error, "square": (x + 1)^2),
    `step` (0 = forward pass only, up to all steps), and Prev / Next buttons. State: `graph`,
    `output`, each node's `.grad` after `step.value` steps, and `message` (the status line as text).
    """

    def __init__(self, example: str = "neuron", step: int | None = None):
        self.example = W.Dropdown(options=[("one neuron, L = \u00bd(a \u2212 t)\u00b2", "neuron"),
                                           ("f = (x + 1)\u00b2", "square")], value=example,
                                  description="graph", layout=W.Layout(width="300px"))
        self.step = W.IntSlider(value=0, min=0, max=1, description="backward step",
                                style={"description_width": "initial"}, layout=W.Layout(width="360px"))
        self.prev_button = W.Button(description="Prev", icon="step-backward", layout=W.Layout(width="80px"))
        self.next_button = W.Button(description="Next", icon="step-forward", layout=W.Layout(width="80px"))
        self.status = W.HTML()
        self.log = W.Output()

        self.fig, (self.ax,) = plots.new_figure(size=(10.0, 5.0))
        self.view = None
        self._plots = {}                  # example -> (graph, output, GraphPlot on its own axes)
        self._loading = False
        self._load(example, step)               # draws the artists; no PNG yet
        self.view = FigureView(self.fig)       # renders once

        self.example.observe(self.log.capture()(lambda change: self._load(change["new"], None)), names="value")
        self.step.observe(self.log.capture()(lambda change: None if self._loading else self.redraw()), names="value")
        self.prev_button.on_click(self.log.capture()(lambda b: self._move(-1)))
        self.next_button.on_click(self.log.capture()(lambda b: self._move(+1)))
        self.widget = W.VBox([W.HBox([self.example, self.step, self.prev_button, self.next_button]),
                              self.status, self.view.image, self.log])
        # a frame rendered ahead for the other example shows its axes: `restore` shows the current one's
        self.view.track(self, [self.example, self.step],
                        {self.example: lambda: self._load(self.example.value, None), self.step: self.redraw},
                        restore=self._show_current)

    def _load(self, name: str, step: int | None) -> None:
        if name not in self._plots:      # each example drawn once, on its own axes, kept for when it comes back
            graph, output = example(name)
            ax = self.ax if not self._plots else self.fig.add_axes(self.ax.get_position(), label=name)
            self._plots[name] = (graph, output, GraphPlot(ax, graph, output, fontsize=10))
        self.graph, self.output, self.plot = self._plots[name]
        self._show_current()
        n = self.plot.n_steps
        self._loading = True              # one redraw below, not one per changed trait
        try:
            self.step.max = n
            self.step.value = n if step is None else int(step)
        finally:
            self._loading = False
        self.redraw()

    def _show_current(self) -> None:
        for other in self._plots.values():
            other[2].ax.set_visible(other[2] is self.plot)

    def _move(self, delta: int) -> None:
        self.step.value = int(np.clip(self.step.value + delta, 0, self.step.max))

    def redraw(self) -> None:
        k = self.step.value
        self.plot.update(k)
        steps = self.graph.steps(self.output)
        if k == 0:
            text = "Forward pass: every node shows its value. Press Next to start the backward pass."
        elif k == len(steps):
            grads = ", ".join(f"\u2202{self.output}/\u2202{n.name} = {n.grad:.4g}" for n in self.graph.inputs)
            text = f"Backward pass complete ({k} steps): {grads}."
        else:
            text = f"Step {k} of {len(steps)}. " + steps[k - 1].describe()
        self.message = text
        self.status.value = status_html(text)
        self.prev_button.disabled = k == 0               # nothing to go back to / on to: not a silent click
        self.next_button.disabled = k == len(steps)
        if self.view is not None:
            self.view.redraw(dynamic=self.plot.dynamic, key=self.example.value)
