"""Chapter 1's view: one network on one 2-D data set, trained live under a learning-rate slider."""
from __future__ import annotations

import ipywidgets as W
import numpy as np

from .. import plots
from ..mlp import MLP
from ..train import Trainer
from .base import FigureView, TrainingControls, TrainingViewBase, locked


class TrainingView(TrainingViewBase):
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
        self.controls = TrainingControls(self.step, self.reset)
        c = self.controls
        self.play, self.step_button, self.reset_button = c.play, c.step_button, c.reset_button
        self.epoch_label, self.status, self.log = c.epoch_label, c.status, c.log

        fig, (ax_loss, ax_boundary) = plots.new_figure(ncols=2)
        if title:
            fig.suptitle(title)
        self.loss_plot = plots.LossPlot(ax_loss, stepped=True)
        self.boundary_plot = plots.BoundaryPlot(ax_boundary, self.X, self.y)
        self.view = FigureView(fig)

        self.lr.observe(c.capture(lambda change: self.reset()), names="value")
        self.widget = W.VBox([W.HBox([self.lr, c.box]), self.status, self.view.image, self.log])
        self.reset()
        # a learning rate gives the same picture every time (seeded weights, `initial_epochs`): the
        # idle kernel renders the neighbouring rates ahead
        self.view.track(self, [self.lr], self.reset, training=c)
        self.view.steps_ahead(self, self.controls)     # Step and Play show a Step trained while idle

    def _new_net(self) -> MLP:
        return MLP(self.sizes, activation=self.activation, output=self.output, seed=self.seed)

    @locked
    def reset(self) -> None:
        """New network (same initial weights), train `initial_epochs` at the current learning rate, redraw."""
        self.net = self._new_net()
        self.trainer = Trainer(self.net, self.X, self.y, loss=self.loss_name, lr=self.lr.value,
                               batch_size=self.batch_size, momentum=self.momentum, seed=self.seed, warn=False)
        self.trainer.run(self.initial_epochs)
        self.redraw()

    def accuracy(self) -> float:
        with np.errstate(all="ignore"):
            return float(np.mean(self.net.predict(self.X) == self.y))

    @locked
    def redraw(self) -> None:
        h, c = self.history, self.controls
        self.loss_plot.update(h.loss)
        if h.diverged:
            c.stop()
            c.show_status(h.message, "error")
        else:
            self.boundary_plot.update(self.net)
            right = int(np.sum(self.net.predict(self.X).ravel() == np.ravel(self.y)))
            # the count too, so that 199 of 200 is never shown rounded up to "100%"
            c.show_status(f"lr = {self.lr.value:.3g}: loss {h.loss[-1]:.4f}, training accuracy "
                          f"{right / len(self.y):.1%} ({right} of {len(self.y)})" if h.epochs else "", "info")
        c.show_epoch(h.epochs)
        bp = self.boundary_plot     # only the curve and the regions change: the axes are a cached background
        self.view.redraw(dynamic=[self.loss_plot.train_line, bp.image, bp.points], key=self.loss_plot.limits)
