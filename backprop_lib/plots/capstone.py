"""Chapter 11's picture of a training run: loss, accuracy, per-layer gradient norms and misclassified digits.

    plot = CapstonePlot()             # its own Figure (plot.fig), four panels
    plot.update(network)              # a capstone.YourNetwork: its history and its wrong test digits
    capstone_figure(network)          # the same, drawn once (a static figure)
"""
from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from .core import LAYER_CMAP, _decade_ceil, _decade_floor
from .fast import ladder_ceil

N_WRONG = 8          # misclassified digits shown (two rows of four)
ROW, COL = 14, 11    # mosaic pixels per tile: two label lines above each 8x8 digit


class CapstonePlot:
    """Four panels over the epochs of a YourNetwork run (epoch 0 is the untrained network): training and
    test loss (log), training and test accuracy with the 95% goal, ||dL/dW_l|| per layer (log), and up to
    N_WRONG misclassified test digits labelled "true -> guess (probability)".

    For a live view the axes limits move in steps (epochs 1-1.5-2-3-5-7 x 10^k, the log axes in whole
    decades): after `update`, `key` names everything the static part of the picture depends on and `dynamic`
    lists the artists that change, for FigureView.redraw(dynamic=..., key=...) to blit."""

    def __init__(self, dpi: int = 80, goal: float = 0.95):
        # fixed margins, no layout engine: constrained layout costs seconds per draw on a busy machine
        self.fig = Figure(figsize=(12.0, 2.9), dpi=dpi)
        self.fig.subplots_adjust(left=0.045, right=0.995, bottom=0.16, top=0.86, wspace=0.32)
        ax_loss, ax_acc, ax_grad, ax_wrong = self.fig.subplots(1, 4, width_ratios=[1, 1, 1, 1.15])
        self.ax_loss, self.ax_acc, self.ax_grad, self.ax_wrong = ax_loss, ax_acc, ax_grad, ax_wrong
        (self.loss_train,) = ax_loss.plot([], [], color="C0", lw=1.8, label="train")
        (self.loss_test,) = ax_loss.plot([], [], color="C1", lw=1.5, ls="--", label="test")
        ax_loss.set_yscale("log")
        ax_loss.set_title("cross-entropy", fontsize=10)
        ax_loss.legend(loc="upper right", fontsize=8)
        (self.acc_train,) = ax_acc.plot([], [], color="C0", lw=1.8, label="train")
        (self.acc_test,) = ax_acc.plot([], [], color="C1", lw=1.5, ls="--", label="test")
        ax_acc.axhline(100 * goal, color="#777", lw=1, ls=":")
        ax_acc.text(0.98, 100 * goal, f"goal {goal:.0%}", transform=ax_acc.get_yaxis_transform(), fontsize=8,
                    va="top", ha="right", color="#555")
        ax_acc.set_ylim(0, 100.5)
        ax_acc.set_ylabel("%")
        ax_acc.set_title("accuracy", fontsize=10)
        ax_acc.legend(loc="lower right", fontsize=8)
        ax_grad.set_yscale("log")
        ax_grad.set_title(r"$\|\partial L/\partial W_l\|$ per layer", fontsize=10)
        self.grad_lines = []
        for ax in (ax_loss, ax_acc, ax_grad):
            ax.set_xlabel("epoch")
            ax.grid(True, alpha=0.3)
        cols = N_WRONG // 2
        self.mosaic = np.full((2 * ROW, cols * COL), np.nan)
        self.image = ax_wrong.imshow(self.mosaic, cmap="gray_r", vmin=0, vmax=16, interpolation="nearest")
        self.labels = [ax_wrong.text((i % cols) * COL + COL / 2, (i // cols) * ROW + ROW - 9.4, "", ha="center",
                                     va="bottom", fontsize=8, color="#b00020", linespacing=1.0)
                       for i in range(N_WRONG)]
        ax_wrong.set_xticks([])
        ax_wrong.set_yticks([])
        for spine in ax_wrong.spines.values():
            spine.set_visible(False)
        ax_wrong.set_title("misclassified test digits:\ntrue -> guess, its probability", fontsize=10)
        self.note = ax_wrong.text(0.5, 0.5, "", transform=ax_wrong.transAxes, ha="center", va="center", fontsize=9)

    def _grad_lines(self, n_layers: int) -> None:
        if len(self.grad_lines) == n_layers:
            return
        for line in self.grad_lines:
            line.remove()
        cmap = matplotlib.colormaps[LAYER_CMAP]
        self.grad_lines = [self.ax_grad.plot([], [], color=cmap(i / max(n_layers - 1, 1)), lw=1.5,
                                             label=f"layer {i + 1}")[0] for i in range(n_layers)]
        self.ax_grad.legend(loc="upper right", fontsize=8)

    def update(self, network) -> None:
        """Redraw from a capstone.YourNetwork (nothing trained yet: empty panels and a note)."""
        h = network.history
        epochs = np.arange(len(h.loss))
        with np.errstate(all="ignore"):
            loss = np.minimum(np.asarray(h.loss, dtype=float), 1e6)
            test_loss = np.minimum(np.asarray(h.test_loss, dtype=float), 1e6)
        self.loss_train.set_data(epochs, loss)
        self.loss_test.set_data(epochs, test_loss)
        self.acc_train.set_data(epochs, 100 * np.asarray(h.train_acc))
        self.acc_test.set_data(epochs, 100 * np.asarray(h.test_acc))
        best = max(h.train_acc + h.test_acc, default=0.0)
        self.ax_acc.set_ylim(80 if best >= 0.9 else 0, 100.5)      # zoom in once the curves are near the goal
        x_max = ladder_ceil(max(len(epochs) - 1, 1))
        for ax in (self.ax_loss, self.ax_acc, self.ax_grad):
            ax.set_xlim(0, x_max)
        values = np.concatenate([loss, test_loss]) if len(loss) else np.array([])
        values = values[np.isfinite(values) & (values > 0)]
        if values.size:
            self.ax_loss.set_ylim(_decade_floor(values.min() / 1.2), _decade_ceil(values.max() * 1.2))
        g = h.grad_norms
        if g.ndim == 2 and g.shape[0]:
            self._grad_lines(g.shape[1])
            for i, line in enumerate(self.grad_lines):
                line.set_data(epochs[:g.shape[0]], g[:, i])
            finite = g[np.isfinite(g) & (g > 0)]
            if finite.size:
                self.ax_grad.set_ylim(_decade_floor(finite.min() / 1.2), _decade_ceil(finite.max() * 1.2))
        self.mosaic[:] = np.nan
        for label in self.labels:
            label.set_text("")
        if not network.ready or not len(h.loss):
            self.note.set_text("nothing trained yet")
        else:
            idx, images, true, guess, prob = network.misclassified(N_WRONG)
            cols = N_WRONG // 2
            for i, (img, t, g_, p) in enumerate(zip(images, true, guess, prob)):
                row, col = divmod(i, cols)
                self.mosaic[row * ROW + ROW - 8: row * ROW + ROW, col * COL + 1: col * COL + 9] = img
                self.labels[i].set_text(f"{t} -> {g_}\n" + (">99%" if p > 0.995 else f"{p:.0%}"))
            self.note.set_text("" if len(idx) else "no test digit is misclassified")
        self.image.set_data(self.mosaic)
        self.key = (x_max, self.ax_loss.get_ylim(), self.ax_acc.get_ylim(), self.ax_grad.get_ylim(),
                    len(self.grad_lines))
        self.dynamic = [self.loss_train, self.loss_test, self.acc_train, self.acc_test, *self.grad_lines,
                        self.image, *self.labels, self.note]


def capstone_figure(network, dpi: int = 80):
    """The four panels of CapstonePlot for a trained YourNetwork, drawn once: returns the Figure."""
    plot = CapstonePlot(dpi=dpi)
    plot.update(network)
    return plot.fig
