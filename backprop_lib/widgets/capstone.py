"""Chapter 11's live view: the network made of the student's own functions, trained epoch by epoch.

    from backprop_lib.widgets import CapstoneView
    view = CapstoneView(globals(), settings)     # trains settings["epochs"] epochs, then Play/Step/Reset
    view.network.history, view.network.accuracy("test")
"""
from __future__ import annotations

import ipywidgets as W

from .. import plots
from ..capstone import YourNetwork
from .base import FigureView, ShowsWidget, TrainingControls, locked


class CapstoneView(ShowsWidget):
    """Play / Step / Reset over a capstone.YourNetwork: Step trains `epochs_per_frame` epochs with the
    student's train_epoch; Reset goes back to the same initial weights, untrained (epoch 0, as the playground's
    Reset does), so that it answers at once. The view itself starts trained `initial_epochs` epochs (default:
    the settings' epochs). The picture is plots.CapstonePlot. When a function is not written yet
    (or the settings are not chosen), the status line says which, and nothing trains."""

    def __init__(self, namespace: dict, settings, seed: int = 0, initial_epochs: int | None = None,
                 epochs_per_frame: int = 1, dpi: int = 80):
        self.namespace, self.settings, self.seed = namespace, settings, seed
        self.initial_epochs, self.epochs_per_frame = initial_epochs, epochs_per_frame
        self.controls = c = TrainingControls(self.step, self.reset, interval=300)
        self.play, self.step_button, self.reset_button = c.play, c.step_button, c.reset_button
        self.status, self.log = c.status, c.log
        self.plot = plots.CapstonePlot(dpi=dpi)
        with c.lock:
            self.network = self._trained_network()
            self.plot.update(self.network)
            self.view = FigureView(self.plot.fig)           # the one full draw of the first frame
            self._show_status()
        # (the student's namespace and settings are read by a Step, never changed by it)
        self.view.steps_ahead(self, c, shared=("namespace", "settings"))
        self.widget = W.VBox([c.box, self.status, self.view.image, self.log])

    @property
    def history(self):
        return self.network.history

    def _trained_network(self) -> YourNetwork:
        net = YourNetwork(self.namespace, self.settings, seed=self.seed)
        if net.ready:
            net.train(self.initial_epochs if self.initial_epochs is not None else net.settings["epochs"])
        return net

    @locked
    def reset(self) -> None:
        """A fresh YourNetwork (same seed, so the same initial weights), untrained, redrawn."""
        self.network = YourNetwork(self.namespace, self.settings, seed=self.seed)
        self.redraw()

    @locked
    def step(self) -> None:
        """Train `epochs_per_frame` more epochs (nothing when a function is missing or the run stopped)."""
        net = self.network
        if not net.ready or net.error or net.history.diverged:
            self.controls.stop()
            return
        net.train(self.epochs_per_frame)
        self.redraw()

    @locked
    def redraw(self) -> None:
        self.plot.update(self.network)
        self._show_status()
        self.view.redraw(dynamic=self.plot.dynamic, key=self.plot.key)   # blits while the axes limits stay

    def _show_status(self) -> None:
        net, c = self.network, self.controls
        if not net.ready:
            c.stop()
            c.show_status("Your network cannot train yet: " + " ".join(net.problems), "error")
        elif net.error or net.history.diverged:
            c.stop()
            c.show_status(net.error or net.history.message, "error")
        else:
            h = net.history
            c.show_status(f"epoch {h.epochs}: loss train {h.loss[-1]:.4f}, test {h.test_loss[-1]:.4f}; accuracy "
                          f"train {h.train_acc[-1]:.1%}, test {h.test_acc[-1]:.1%} "
                          f"({'-'.join(map(str, net.sizes))} network of your functions"
                          + ("; untrained: Step or Play trains it)" if h.epochs == 0 else ")"),
                          "ok" if h.test_acc[-1] >= 0.95 else "info")
        c.show_epoch(net.history.epochs)
