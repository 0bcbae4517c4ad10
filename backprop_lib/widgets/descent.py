"""Chapter 3's view: gradient descent on a one-input linear regression, its path over the loss
contours and its loss per step, under learning-rate, batch-size, momentum and steps controls."""
from __future__ import annotations

import ipywidgets as W
import numpy as np

from .. import plots
from ..plots import DescentPlot
from ..plots.fast import ladder_ceil
from ..linreg import DescentResult, as_xy, descent_path, linreg_loss
from .base import FigureView, ShowsWidget, status_html


class DescentExplorer(ShowsWidget):
    """Gradient descent on y ~ w x + b, live: the path over the loss contours and the loss per step.

    Controls: `lr` (log slider), `batch_size` (1 .. n), `momentum`, `steps`. Every change reruns the
    descent from the same start with the same shuffling seed. State: `result` (a DescentResult) and
    `message` (the status line as text).
    """

    def __init__(self, x, y, lr: float = 0.3, batch_size: int | None = None, momentum: float = 0.0,
                 steps: int = 60, start=(-1.0, 3.0), seed: int = 0, wlim=(-2.0, 4.5), blim=(-3.5, 4.5)):
        self.x, self.y = as_xy(x, y)
        self.start, self.seed = tuple(start), seed
        n = self.x.size
        sizes = sorted({s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500) if s < n} | {n})
        options = [(f"{s}" if s < n else f"{s} (all)", s) for s in sizes]
        batch_size = n if batch_size is None else int(batch_size)
        if batch_size not in sizes:
            raise ValueError(f"batch_size must be one of {sizes}, got {batch_size!r}")
        self.lr = W.FloatLogSlider(value=lr, base=10, min=-3, max=0.5, step=0.05, description="learning rate",
                                   readout_format=".3g", continuous_update=False,
                                   style={"description_width": "initial"}, layout=W.Layout(width="340px"))
        self.batch_size = W.SelectionSlider(options=options, value=batch_size, description="batch size",
                                            continuous_update=False, style={"description_width": "initial"},
                                            layout=W.Layout(width="340px"))
        self.momentum = W.FloatSlider(value=momentum, min=0.0, max=0.95, step=0.05, description="momentum",
                                      readout_format=".2f", continuous_update=False,
                                      style={"description_width": "initial"}, layout=W.Layout(width="300px"))
        self.steps = W.IntSlider(value=steps, min=5, max=300, step=5, description="steps",
                                 continuous_update=False, layout=W.Layout(width="300px"))
        self.status = W.HTML()
        self.log = W.Output()

        fig, (ax_path, ax_loss) = plots.new_figure(ncols=2, size=(4.4, 3.6))
        self.path_plot = DescentPlot(ax_path, self.x, self.y, wlim, blim)
        self.ax_loss = ax_loss
        self.loss_min = linreg_loss(self.path_plot.optimum, self.x, self.y)
        (self.loss_line,) = ax_loss.plot([], [], color="C0", lw=1.5, label="loss L(w, b)")
        ax_loss.axhline(self.loss_min, color="k", lw=0.8, ls=":", label="minimum")
        ax_loss.set_yscale("log")
        ax_loss.set_xlabel("step")
        ax_loss.set_ylabel("loss on all the data")
        ax_loss.set_title("loss per step")
        ax_loss.grid(True, alpha=0.3, which="both")
        ax_loss.legend(loc="upper right", fontsize=7)
        self._update()
        self.view = FigureView(fig)

        for control in (self.lr, self.batch_size, self.momentum, self.steps):
            control.observe(self.log.capture()(lambda change: self.redraw()), names="value")
        self.widget = W.VBox([W.HBox([self.lr, self.batch_size]), W.HBox([self.momentum, self.steps]),
                              self.status, self.view.image, self.log])
        self.view.track(self, [self.lr, self.batch_size, self.momentum, self.steps], self.redraw)

    def run(self) -> DescentResult:
        return descent_path(self.x, self.y, self.start, lr=self.lr.value, steps=self.steps.value,
                            batch_size=self.batch_size.value, momentum=self.momentum.value, seed=self.seed)

    def redraw(self) -> None:
        """Rerun the descent with the current controls, update the artists, render the PNG."""
        self._update()
        pp = self.path_plot
        self.view.redraw(dynamic=[pp.line, pp.dots, pp.start, pp.end, pp.note, self.loss_line],
                         key=(self.ax_loss.get_xlim(), self.ax_loss.get_ylim()))

    def _update(self) -> None:
        self.result = r = self.run()
        self.path_plot.update(r)
        steps = np.arange(r.loss.size)
        self.loss_line.set_data(steps, r.loss)
        # limits in steps (a few values), so that the axes are usually a cached background
        self.ax_loss.set_xlim(0, ladder_ceil(max(self.steps.value, 1)))
        top = max(float(r.loss.max()), self.loss_min * 10)
        self.ax_loss.set_ylim(self.loss_min / 1.5, 10.0 ** np.ceil(np.log10(top * 2)))
        n = self.x.size
        per_step = self.batch_size.value
        if r.diverged:
            self.message = r.message
            self.status.value = status_html(r.message, "error")
        else:
            w, b = r.path[-1]
            dist = float(np.linalg.norm(r.path[-1] - self.path_plot.optimum))
            self.message = (f"after {r.loss.size - 1} steps: w = {w:.3f}, b = {b:.3f}, loss {r.loss[-1]:.4f} "
                            f"(minimum {self.loss_min:.4f}), distance to the minimum {dist:.3g}. Each step reads "
                            f"{per_step} of {n} rows ({(r.loss.size - 1) * per_step / n:.3g} epochs in all).")
            self.status.value = status_html(self.message)
