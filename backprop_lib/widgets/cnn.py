"""Chapter 8's CNN view: the small convolutional network of backprop_lib.cnn trained live on the digits.

    from backprop_lib.widgets import CNNView
    view = CNNView(lr=0.1)
    view.step(); view.trainer.history, view.accuracy()

One test digit goes through the network: its 8 feature maps after conv + ReLU, with the pixel that wins
every 2x2 max-pooling window ringed when it is above 0 (the only pixels of the maps through which the
backward pass reaches the filters), the 8 filters, and the training loss per mini-batch with the test
accuracy.
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np

from .. import datasets, plots
from ..cnn import CNNTrainer, SmallCNN, images
from ..plots.fast import in_chunks, ladder_ceil
from .base import FigureView, ShowsWidget, TrainingControls, locked


def _mosaic(maps: np.ndarray, cols: int, gap: int = 1) -> np.ndarray:
    """(k, h, w) -> one image with the maps tiled in `cols` columns, NaN gaps between them."""
    k, h, w = maps.shape
    rows = -(-k // cols)
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), np.nan)
    for i, m in enumerate(maps):
        r, c = divmod(i, cols)
        out[r * (h + gap): r * (h + gap) + h, c * (w + gap): c * (w + gap) + w] = m
    return out


class CNNView(ShowsWidget):
    """conv 3x3 (8 filters) -> ReLU -> max pool 2x2 -> dense -> softmax, trained on the 8x8 digits.

    Controls: .lr (log slider), .digit (which test digit is shown), .play, .step_button, .reset_button.
    Model: .net (SmallCNN), .trainer (CNNTrainer; .trainer.history), .A0_test, .y_test. Each Play tick
    or Step trains `batches_per_frame` mini-batches of 32; a new learning rate starts again from the
    same initial weights.
    """

    def __init__(self, lr: float = 0.1, momentum: float = 0.9, filters: int = 8, digit: int = 0,
                 batches_per_frame: int = 4, initial_batches: int = 0, seed: int = 0, dpi: int = 80):
        X, y = datasets.digits()
        X_train, X_test, self.y_train, self.y_test = datasets.train_test_split(X, y, test_fraction=0.25, seed=seed)
        self.A0_train, self.A0_test = images(X_train), images(X_test)
        self.filters, self.momentum, self.seed = filters, momentum, seed
        self.batches_per_frame, self.initial_batches = batches_per_frame, initial_batches
        style = {"description_width": "initial"}
        self.lr = W.FloatLogSlider(value=lr, base=10, min=-3, max=1, step=0.1, description="learning rate",
                                   readout_format=".3g", continuous_update=False, style=style,
                                   layout=W.Layout(width="300px"))
        self.digit = W.IntSlider(value=digit, min=0, max=len(self.y_test) - 1, description="test digit",
                                 continuous_update=False, style=style, layout=W.Layout(width="300px"))
        self.controls = c = TrainingControls(self.step, self.reset, interval=300)
        self.play, self.step_button, self.reset_button = c.play, c.step_button, c.reset_button
        self.epoch_label, self.status, self.log = c.epoch_label, c.status, c.log

        fig, (ax_in, ax_maps, ax_filters, ax_loss) = plots.new_figure(
            ncols=4, size=(2.6, 2.9), dpi=dpi, width_ratios=[1.0, 2.9, 1.6, 2.2])
        self.fig = fig
        self.input_image = ax_in.imshow(np.zeros((8, 8)), cmap="gray_r", vmin=0, vmax=1)
        self.maps_image = ax_maps.imshow(np.zeros((17, 35)), cmap="magma", vmin=0, vmax=1)
        self.winners = ax_maps.scatter([], [], s=9, facecolors="none", edgecolors="#00e0ff", linewidths=0.8)
        self.filters_image = ax_filters.imshow(np.zeros((7, 15)), cmap="RdBu_r", vmin=-1, vmax=1)
        for ax in (ax_in, ax_maps, ax_filters):
            ax.set_xticks([])
            ax.set_yticks([])
        ax_maps.set_title("conv + ReLU maps (ringed: the\nmax-pool winners above 0)", fontsize=9)
        ax_filters.set_title("the 8 filters\n(red +, blue -)", fontsize=9)
        self.loss_line, = ax_loss.plot([], [], lw=0.8, color="#1f77b4")
        ax_loss.set_title("training loss per batch", fontsize=9)
        ax_loss.set_xlabel("mini-batch", fontsize=8)
        ax_loss.set_yscale("log")
        ax_loss.set_xlim(0, 100)
        ax_loss.set_ylim(0.05, 5.0)
        ax_loss.tick_params(labelsize=7)
        ax_loss.grid(True, which="both", alpha=0.3)
        self.ax_in, self.ax_loss = ax_in, ax_loss
        self.view = FigureView(fig)
        self.lr.observe(c.capture(lambda change: self._new_lr()), names="value")
        self.digit.observe(c.capture(lambda change: self.redraw()), names="value")
        self.widget = W.VBox([W.HBox([self.lr, self.digit]), c.box, self.status, self.view.image, self.log])
        self.reset()
        # another test digit is a redraw; another rate a seeded restart and one frame: both give the
        # same picture every time, so the idle kernel renders the neighbours ahead
        self.view.track(self, [self.lr, self.digit], {self.lr: self._new_lr, self.digit: self.redraw}, training=c)
        self.view.steps_ahead(self, self.controls)     # Step and Play show a Step trained while idle

    # -- model ---------------------------------------------------------------------------------------
    @locked
    def reset(self, redraw: bool = True) -> None:
        """The initial weights again (same seed), for the current learning rate; train `initial_batches`."""
        self.net = SmallCNN(filters=self.filters, seed=self.seed)
        self.trainer = CNNTrainer(self.net, self.A0_train, self.y_train, lr=self.lr.value, momentum=self.momentum,
                                  seed=self.seed)
        self.trainer.run_batches(self.initial_batches)
        self._rate_decides = False
        if redraw:
            self.redraw()

    @locked
    def _new_lr(self) -> None:
        """A new learning rate: the initial weights again, then one frame at that rate, so the picture
        shows at once what the rate does (Reset alone goes back to the untrained start)."""
        # the state after this is decided by the rate alone. If the one before was too (the last change
        # was a rate), every picture sent ahead stays valid, and this one was most likely among them;
        # if not (the start, a Reset, Play or Step), those of the other digits showed a state now gone
        if not self._rate_decides:
            self.view.changed()
        self.reset(redraw=False)
        self.trainer.run_batches(self.batches_per_frame)
        self._rate_decides = True
        self.redraw()

    @locked
    def step(self) -> None:
        """Train one frame (`batches_per_frame` mini-batches) and redraw."""
        self.trainer.run_batches(self.batches_per_frame)
        self._rate_decides = False
        self.redraw()

    def accuracy(self) -> float:
        """Fraction of the test digits the network classifies correctly (computed once per state of
        the weights: looking at another digit does not evaluate the test set again)."""
        state = (id(self.trainer), len(self.trainer.history["batch_loss"]))
        if getattr(self, "_accuracy", (None,))[0] != state:
            with np.errstate(all="ignore"):
                guesses = in_chunks(lambda a: np.argmax(self.net.forward(a), axis=1), self.A0_test, rows=64)
                self._accuracy = (state, float(np.mean(guesses == self.y_test)))
        return self._accuracy[1]

    # -- drawing -------------------------------------------------------------------------------------
    @locked
    def redraw(self) -> None:
        h, i = self.trainer.history, self.digit.value
        a0 = self.A0_test[i:i + 1]
        with np.errstate(all="ignore"):
            z2 = self.net.forward(a0)[0]
        guess = int(np.argmax(z2)) if np.isfinite(z2).all() else -1
        self.input_image.set_data(a0[0, 0])
        self.ax_in.set_title(f"digit {self.y_test[i]}\nguess {guess}", fontsize=9,
                             color="#1b5e20" if guess == self.y_test[i] else "#b00020")
        maps = self.net.A1[0]                                         # (F, 8, 8) after the ReLU
        top = float(np.nanmax(maps)) if np.isfinite(maps).all() and maps.max() > 0 else 1.0
        self.maps_image.set_data(_mosaic(maps, cols=4))
        self.maps_image.set_clim(0, top)
        arg = self.net._pool_cache[3][0]                              # (F, 4, 4): winner p*2+q per window
        f, r, c = np.indices(arg.shape)
        rows, cols = 2 * r + arg // 2, 2 * c + arg % 2
        live = self.net.P[0] > 0                                      # windows whose gradient gets past the ReLU
        self.winners.set_offsets(np.column_stack([((f % 4) * 9 + cols)[live], ((f // 4) * 9 + rows)[live]]))
        W1 = self.net.params["W1"][:, 0]
        scale = float(np.abs(W1).max()) if np.isfinite(W1).all() else 1.0
        self.filters_image.set_data(_mosaic(W1, cols=4))
        self.filters_image.set_clim(-scale, scale)
        losses = np.asarray(h["batch_loss"])
        self.loss_line.set_data(np.arange(1, len(losses) + 1), losses)
        if len(losses):   # limits in steps: the axes stay a cached background until one moves
            self.ax_loss.set_xlim(0, ladder_ceil(max(100, len(losses))))   # the first 25 frames: one axis
            finite = losses[np.isfinite(losses) & (losses > 0)]
            if finite.size:
                lo, hi = np.log10(0.8 * float(finite.min())), np.log10(1.25 * float(finite.max()))
                top = 10.0 ** np.ceil(hi)                                       # whole decades
                self.ax_loss.set_ylim(min(max(1e-3, 10.0 ** np.floor(lo)), top / 10), top)
        c = self.controls
        if h["diverged"]:
            c.stop()
            c.show_status(h["message"], "error")
        else:
            c.show_status(f"{len(losses)} mini-batches of 32 ({self.trainer.epoch} epochs) · test accuracy "
                          f"{self.accuracy():.1%} · of the conv + ReLU maps, the backward pass reaches only the "
                          f"ringed pixels: each window's winner, if above 0", "info")
        c.show_epoch(self.trainer.epoch)
        dynamic = [self.input_image, self.ax_in.title, self.maps_image, self.winners, self.filters_image, self.loss_line]
        self.view.redraw(dynamic=dynamic, key=(self.ax_loss.get_xlim(), self.ax_loss.get_ylim()))

    def __repr__(self) -> str:
        return f"CNNView(lr={self.lr.value:.3g}, {len(self.trainer.history['batch_loss'])} batches)"
