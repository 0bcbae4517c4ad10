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
from .base import FigureView, TrainingControls, TrainingViewBase, locked


class DigitsView(TrainingViewBase):
    """A softmax classifier for the 8x8 digits, trained live: the train/test loss and a gallery of test
    digits with the network's guess (green right, red wrong) and its probability.

    Controls: .lr (log slider), .hidden (units in the one hidden layer), .play, .step_button,
    .reset_button. Model: .net, .trainer, .history. Moving a slider builds a fresh network (same seed)
    and trains `initial_epochs`.
    """

    def __init__(self, hidden: int = 32, activation: str = "tanh", lr: float = 0.3, batch_size: int = 64,
                 epochs_per_frame: int = 2, initial_epochs: int = 10, test_fraction: float = 0.25,
                 n_gallery: int = 12, seed: int = 0, dpi: int = 80, blowup: float = 20.0):
        X, y = datasets.digits()
        X_train, X_test, self.y_train, self.y_test = datasets.train_test_split(X, y, test_fraction, seed=seed)
        self.X_train, self.X_test = datasets.standardize(X_train, X_test)
        self.images = X_test[:n_gallery].reshape(-1, 8, 8)
        self.activation, self.batch_size, self.seed = activation, batch_size, seed
        self.epochs_per_frame, self.initial_epochs = epochs_per_frame, initial_epochs
        self.blowup = blowup
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
        self.loss_plot = plots.LossPlot(ax_loss, title="cross-entropy", test=True)
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
        self._layout_frozen = False
        self.lr.observe(c.capture(lambda change: self.reset()), names="value")
        self.hidden.observe(c.capture(lambda change: self.reset()), names="value")
        self.widget = W.VBox([W.HBox([self.lr, self.hidden]), c.box, self.status, self.view.image, self.log])
        self.reset()

    @locked
    def reset(self) -> None:
        """A fresh network (same seed) for the current sliders, trained `initial_epochs`, redrawn.
        The trainer decides divergence: NaN/inf, or a loss above `blowup` times the first epoch's."""
        self.net = MLP([64, self.hidden.value, 10], activation=self.activation, output="softmax", seed=self.seed)
        self.trainer = Trainer(self.net, self.X_train, self.y_train, loss="cross_entropy", lr=self.lr.value,
                               batch_size=self.batch_size, seed=self.seed, X_val=self.X_test, T_val=self.y_test,
                               warn=False, blowup=self.blowup)
        self.trainer.run(self.initial_epochs)
        self.redraw()

    def accuracy(self, split: str = "test") -> float:
        X, y = (self.X_test, self.y_test) if split == "test" else (self.X_train, self.y_train)
        with np.errstate(all="ignore"):
            return float(np.mean(self.net.predict(X) == y))

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
            c.show_status(
                f"epoch {h.epochs}: loss train {h.loss[-1]:.3f}, test {h.val_loss[-1]:.3f}; accuracy "
                f"train {self.accuracy('train'):.1%}, test {self.accuracy('test'):.1%} "
                f"(64-{self.hidden.value}-10 network, {self.activation} hidden layer, softmax output)")
        c.show_epoch(h.epochs)
        self.view.redraw()
        if not self._layout_frozen:   # solve the layout once, with real tick labels: it is costly
            self.view.fig.set_layout_engine("none")
            self._layout_frozen = True
