"""Chapter 6's digits view: a softmax classifier for the 8x8 digits trained live, with its train/test
loss and a gallery of test digits labelled with the network's guess.

    from backprop_lib.widgets import DigitsView
    dv = DigitsView(hidden=32, lr=0.3)
    dv.step(); dv.history, dv.accuracy("test")
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np

from .. import datasets, plots
from ..mlp import MLP
from ..train import Trainer
from ..plots.fast import in_chunks
from .base import FigureView, TrainingControls, TrainingViewBase, epochs_at_once, epochs_this_frame, locked


class DigitsView(TrainingViewBase):
    """A softmax classifier for the 8x8 digits, trained live: the train/test loss and a gallery of test
    digits with the network's guess (green right, red wrong) and its probability.

    Controls: .lr (log slider), .hidden (units in the one hidden layer), .play, .step_button,
    .reset_button. Model: .net, .trainer, .history. Moving a slider builds a fresh network (same seed)
    and trains `initial_epochs` (see `new_setting`); Reset goes back to its initial weights, untrained.
    """

    def __init__(self, hidden: int = 32, activation: str = "tanh", lr: float = 0.3, batch_size: int = 64,
                 epochs_per_frame: int = 1, initial_epochs: int = 10, test_fraction: float = 0.25,
                 n_gallery: int = 12, seed: int = 0, dpi: int = 80, blowup: float = 20.0,
                 initial_budget: float | None = 0.01):
        X, y = datasets.digits()
        X_train, X_test, self.y_train, self.y_test = datasets.train_test_split(X, y, test_fraction, seed=seed)
        self.X_train, self.X_test = datasets.standardize(X_train, X_test)
        self.images = X_test[:n_gallery].reshape(-1, 8, 8)
        self.activation, self.batch_size, self.seed = activation, batch_size, seed
        self.epochs_per_frame, self.initial_epochs = epochs_per_frame, initial_epochs
        self.blowup = blowup
        self.initial_budget = initial_budget
        self._catch_up = None     # epoch count a change's first run still has to reach under Play, or None
        self.lr = W.FloatLogSlider(value=lr, base=10, min=-3, max=1, step=0.1, description="learning rate",
                                   readout_format=".3g", continuous_update=False,
                                   style={"description_width": "initial"}, layout=W.Layout(width="320px"))
        self.hidden = W.IntSlider(value=hidden, min=2, max=64, step=2, description="hidden units",
                                  continuous_update=False, style={"description_width": "initial"},
                                  layout=W.Layout(width="300px"))
        self.controls = c = TrainingControls(self.step, self.reset, interval=300)
        self.play, self.step_button, self.reset_button = c.play, c.step_button, c.reset_button
        self.epoch_label, self.status, self.log = c.epoch_label, c.status, c.log

        # one axes for the whole gallery: the digits tiled into one image, a label above each tile
        cols = (n_gallery + 1) // 2
        fig, (ax_loss, ax_gal) = plots.new_figure(ncols=2, size=(5.0, 3.3), dpi=dpi, width_ratios=[4, 5.6])
        self.loss_plot = plots.LossPlot(ax_loss, title="cross-entropy", test=True, stepped=True)
        mosaic = np.full((2 * 11, cols * 10), np.nan)
        self.gallery = []
        for i, img in enumerate(self.images):
            row, col = divmod(i, cols)
            mosaic[row * 11 + 3: row * 11 + 11, col * 10 + 1: col * 10 + 9] = img
            self.gallery.append(ax_gal.text(col * 10 + 5, row * 11 + 2.2, "", ha="center", va="bottom", fontsize=9))
        ax_gal.imshow(mosaic, cmap="gray_r", vmin=0, vmax=16, interpolation="nearest")
        ax_gal.set_xticks([])
        ax_gal.set_yticks([])
        for spine in ax_gal.spines.values():
            spine.set_visible(False)
        ax_gal.set_title("test digits: the network's guess (probability)", fontsize=10)
        self.view = FigureView(fig)
        self.lr.observe(c.capture(lambda change: self.new_setting()), names="value")
        self.hidden.observe(c.capture(lambda change: self.new_setting()), names="value")
        self.widget = W.VBox([W.HBox([self.lr, self.hidden]), c.box, self.status, self.view.image, self.log])
        self.new_setting(budget=None)     # the first run is never cut short: the same picture every time
        # a change starts again from seeded weights and trains a fixed count: the page is sent the
        # pictures of the settings around the current one ahead of time (widgets/frames.py)
        self.view.track(self, [self.lr, self.hidden], self.new_setting, training=c, restarts=True)
        self.view.steps_ahead(self, self.controls)     # Step and Play show a Step trained while idle

    @locked
    def reset(self) -> None:
        """What Reset does: the fresh network (same seed) at epoch 0, untrained; Play trains from there."""
        self.controls.stop()
        self.view.progress()
        self.new_setting(epochs=0)

    @locked
    def new_setting(self, budget: float | None = -1.0, epochs: int | None = None) -> None:
        """A fresh network (same seed) for the current sliders, trained `epochs` (default
        `initial_epochs`), redrawn. The trainer decides divergence: NaN/inf, or a loss above `blowup`
        times the first epoch's. After a slider change only what fits in `initial_budget` seconds on
        the course's reference machine trains at once (at least one epoch; a fixed count from
        `epoch_cost()`, so the picture depends only on the sliders), so the picture answers at once;
        Play, started by the change, trains the rest and pauses there, and the status line says so.
        The constructor trains all of them."""
        budget = self.initial_budget if budget == -1.0 else budget
        epochs = self.initial_epochs if epochs is None else epochs
        self.net = MLP([64, self.hidden.value, 10], activation=self.activation, output="softmax", seed=self.seed)
        self.trainer = Trainer(self.net, self.X_train, self.y_train, loss="cross_entropy", lr=self.lr.value,
                               batch_size=self.batch_size, seed=self.seed, X_val=self.X_test, T_val=self.y_test,
                               warn=False, blowup=self.blowup)
        self._catch_up = None
        now = epochs_at_once(epochs, budget, self.epoch_cost())
        while self.history.epochs < now and not self.history.diverged:
            self.trainer.run(1)
        if self.history.epochs < epochs and not self.history.diverged:
            self._catch_up = epochs
            self.controls.play.playing = True
        self.redraw()

    def epoch_cost(self) -> float:
        """One epoch's cost on the course's reference machine, in seconds, as a fixed model (measured
        there: 0.25 ms per update, plus 1.5 ns per sample and weight): the same number everywhere."""
        n = len(self.X_train)
        return -(-n // self.batch_size) * 2.5e-4 + 1.5e-9 * n * self.net.n_params

    @locked
    def step(self) -> None:
        """Train one frame (`epochs_per_frame` epochs; while a change's first run catches up, at most
        up to its last epoch, where Play pauses) and redraw."""
        if self.history.diverged:
            self._catch_up = None
            self.controls.stop()
            return
        self.trainer.run(epochs_this_frame(self.epochs_per_frame, self.history.epochs, self._catch_up))
        if self._catch_up is not None and (self.history.epochs >= self._catch_up or self.history.diverged):
            self._catch_up = None
            self.controls.stop()
        self.view.progress()
        self.redraw()

    def accuracy(self, split: str = "test") -> float:
        X, y = (self.X_test, self.y_test) if split == "test" else (self.X_train, self.y_train)
        with np.errstate(all="ignore"):
            return float(np.mean(in_chunks(self.net.predict, X) == y))

    @locked
    def redraw(self) -> None:
        h, c = self.history, self.controls
        with np.errstate(all="ignore"):   # huge losses of a diverged run: keep the log axis drawable
            self.loss_plot.update(np.minimum(h.loss, 1e6), np.minimum(h.val_loss, 1e6))
        if h.diverged:
            c.stop()
            c.show_status(h.message, "error")
        else:
            with np.errstate(all="ignore"):
                p = self.net.forward(self.X_test[: len(self.images)])
            for title, probs, label in zip(self.gallery, p, self.y_test):
                guess = int(np.argmax(probs))
                title.set_text(f"{guess}  ({probs[guess]:.0%})")
                title.set_color("#1b5e20" if guess == label else "#b00020")
            catching_up = (f" · new setting: epoch {h.epochs} of its first {self._catch_up}, which Play is "
                           "training now (it pauses at the end)" if self._catch_up is not None else "")
            losses = (f"loss train {h.loss[-1]:.3f}, test {h.val_loss[-1]:.3f}; " if h.epochs
                      else "untrained (Reset: back to the initial weights; press Play or Step to train); ")
            c.show_status(
                f"epoch {h.epochs}: {losses}accuracy "
                f"train {self.accuracy('train'):.1%}, test {self.accuracy('test'):.1%} "
                f"(64-{self.hidden.value}-10 network, {self.activation} hidden layer, softmax output)" + catching_up)
        c.show_epoch(h.epochs)
        lp = self.loss_plot       # the curves and the guesses change; the axes are a cached background
        self.view.redraw(dynamic=[lp.train_line, lp.test_line, *self.gallery], key=lp.limits)
