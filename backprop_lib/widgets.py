"""Interactive views that chapters display. They are driven by ticks (ipywidgets.Play), never by a
blocking loop, so the kernel stays free and the sliders keep working while a network trains.

Every view renders its matplotlib figure to PNG into an ipywidgets.Image, which works the same in
JupyterLab, Notebook 7, VS Code and on Binder, and shows the last state in a saved notebook.
"""
from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from . import plots
from .mlp import MLP
from .train import Trainer


class FigureView:
    """A Figure shown as an ipywidgets.Image; call `redraw()` after changing its artists."""

    def __init__(self, fig):
        self.fig = fig
        self.image = W.Image(format="png", layout=W.Layout(width=f"{int(fig.get_figwidth() * fig.dpi)}px"))
        self.redraw()

    def redraw(self) -> None:
        self.image.value = plots.figure_png(self.fig)


def _status_html(text: str, kind: str = "info") -> str:
    color = {"info": "#333", "error": "#b00020", "ok": "#1b5e20"}[kind]
    return f"<div style='color:{color};font-size:13px;max-width:720px'>{html.escape(text)}</div>"


class TrainingView:
    """Train a network live on a 2-D data set: a log-scale learning-rate slider, Play / Step / Reset,
    the loss curve and the decision boundary redrawn after every frame.

    Moving the learning-rate slider starts again from the same initial weights and retrains for
    `initial_epochs`, so the picture always shows what that learning rate does.

        view = TrainingView(X, y, sizes=[2, 1], activation="sigmoid", output="sigmoid", lr=0.5)
        view            # in a notebook cell: displays the widget
        view.lr.value = 3.0; view.step(); view.net; view.history
    """

    def __init__(self, X, y, sizes=(2, 1), activation: str = "sigmoid", output: str = "sigmoid",
                 loss: str = "mse", lr: float = 0.5, epochs_per_frame: int = 10, initial_epochs: int = 100,
                 batch_size=None, momentum: float = 0.0, seed: int = 0, title: str = ""):
        self.X = np.asarray(X, dtype=float)
        self.y = np.asarray(y)
        self.sizes, self.activation, self.output, self.loss_name = list(sizes), activation, output, loss
        self.epochs_per_frame, self.initial_epochs = epochs_per_frame, initial_epochs
        self.batch_size, self.momentum, self.seed = batch_size, momentum, seed

        self.lr = W.FloatLogSlider(value=lr, base=10, min=-3, max=1.3, step=0.1, description="learning rate",
                                   readout_format=".3g", continuous_update=False,
                                   style={"description_width": "initial"}, layout=W.Layout(width="360px"))
        self.play = W.Play(value=0, min=0, max=10**9, step=1, interval=200, description="Play",
                           show_repeat=False)
        self.step_button = W.Button(description="Step", icon="step-forward", layout=W.Layout(width="90px"))
        self.reset_button = W.Button(description="Reset", icon="undo", layout=W.Layout(width="90px"))
        self.epoch_label = W.HTML()
        self.status = W.HTML()
        self.log = W.Output()

        fig, (ax_loss, ax_boundary) = plots.new_figure(ncols=2)
        if title:
            fig.suptitle(title)
        self.loss_plot = plots.LossPlot(ax_loss)
        self.boundary_plot = plots.BoundaryPlot(ax_boundary, self.X, self.y)
        self.view = FigureView(fig)

        self.lr.observe(self.log.capture()(lambda change: self.reset()), names="value")
        self.play.observe(self.log.capture()(lambda change: self.step()), names="value")
        self.step_button.on_click(self.log.capture()(lambda b: self.step()))
        self.reset_button.on_click(self.log.capture()(lambda b: self.reset()))
        self.widget = W.VBox([
            W.HBox([self.lr, self.play, self.step_button, self.reset_button, self.epoch_label]),
            self.status, self.view.image, self.log])
        self.reset()

    def _new_net(self) -> MLP:
        return MLP(self.sizes, activation=self.activation, output=self.output, seed=self.seed)

    def reset(self) -> None:
        """New network (same initial weights), train `initial_epochs` at the current learning rate, redraw."""
        self.net = self._new_net()
        self.trainer = Trainer(self.net, self.X, self.y, loss=self.loss_name, lr=self.lr.value,
                               batch_size=self.batch_size, momentum=self.momentum, seed=self.seed, warn=False)
        self.trainer.run(self.initial_epochs)
        self.redraw()

    def step(self) -> None:
        """Train one frame (`epochs_per_frame` epochs) and redraw."""
        if self.history.diverged:
            self.play.playing = False
            return
        self.trainer.run(self.epochs_per_frame)
        self.redraw()

    @property
    def history(self):
        return self.trainer.history

    def accuracy(self) -> float:
        return float(np.mean(self.net.predict(self.X) == self.y))

    def redraw(self) -> None:
        h = self.history
        self.loss_plot.update(h.loss)
        if h.diverged:
            self.play.playing = False
            self.status.value = _status_html(h.message, "error")
        else:
            self.boundary_plot.update(self.net)
            self.status.value = _status_html(
                f"lr = {self.lr.value:.3g}: loss {h.loss[-1]:.4f}, training accuracy {self.accuracy():.0%}"
                if h.epochs else "", "info")
        self.epoch_label.value = f"<b>epoch {h.epochs}</b>"
        self.view.redraw()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


from .conv_view import ConvView  # noqa: E402,F401  (chapter 8)
from .softmax_view import DigitsView, SoftmaxView  # noqa: E402,F401 (chapter 6)
from .explorers import DescentExplorer, FiniteDifferenceExplorer, GraphStepper, SigmoidExplorer  # noqa: E402,F401 (chapters 2-4)
from .autodiff_view import AutodiffView  # noqa: E402,F401  (chapter 9)
