"""LossRacePlot: chapter 6's comparison of the squared error and the cross-entropy from one saturated
start: each run's own loss curve, side by side, and both runs' training accuracy."""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import NullFormatter

from .core import new_figure
from .fast import ladder_ceil

COLORS = {"mse": "C3", "cross_entropy": "C0"}
TITLES = {"mse": "squared error run: its loss", "cross_entropy": "cross-entropy run: its loss"}
LABELS = {"mse": "squared error", "cross_entropy": "cross-entropy"}


class LossRacePlot:
    """Three panels: the squared-error run's loss, the cross-entropy run's loss (log scales, per epoch),
    and the training accuracy of both runs. `update(race)` redraws from a `saturation.LossRace`."""

    def __init__(self, dpi: int = 80):
        self.fig, axes = new_figure(ncols=3, size=(3.3, 2.9), dpi=dpi)
        self.ax_loss = dict(zip(("mse", "cross_entropy"), axes[:2]))
        self.ax_acc = axes[2]
        self.loss_lines, self.acc_lines = {}, {}
        for loss, ax in self.ax_loss.items():
            (self.loss_lines[loss],) = ax.plot([], [], color=COLORS[loss], lw=1.8)
            ax.set_yscale("log")
            ax.set_xlabel("epoch")
            ax.set_ylabel("loss")
            ax.set_title(TITLES[loss], fontsize=10)
            ax.yaxis.set_minor_formatter(NullFormatter())   # labels on the decades only: fewer texts to lay out
            ax.grid(True, alpha=0.3)
            (self.acc_lines[loss],) = self.ax_acc.plot([], [], color=COLORS[loss], lw=1.8, label=LABELS[loss])
        self.ax_acc.set_ylim(-0.03, 1.03)
        self.ax_acc.set_xlabel("epoch")
        self.ax_acc.set_ylabel("training accuracy")
        self.ax_acc.set_title("both runs: accuracy", fontsize=10)
        self.ax_acc.grid(True, alpha=0.3)
        self.ax_acc.legend(loc="center right", fontsize=8)

    def update(self, race, min_epochs: int = 0) -> None:
        """Redraw from `race`; the epoch axes reach at least `min_epochs` (a run still catching up)."""
        # limits in steps (whole decades; epochs 1, 1.5, 2, 3, 5, 7 x 10^k): a live view redraws only
        # the curves over a cached background until a limit moves
        n = ladder_ceil(max(race.epochs, min_epochs, 10) + 0.5)
        limits = [n]
        for loss, ax in self.ax_loss.items():
            values = np.asarray(race.history(loss).loss, dtype=float)
            epochs = np.arange(1, values.size + 1)
            self.loss_lines[loss].set_data(epochs, values)
            ax.set_xlim(0, n)
            good = values[np.isfinite(values) & (values > 0)]
            if good.size:
                lo = 10.0 ** np.floor(np.log10(good.min() / 1.2))     # whole decades
                hi = 10.0 ** np.ceil(np.log10(good.max() * 1.2))
                ax.set_ylim(lo, hi if hi > lo else 2 * lo)
                limits.append(ax.get_ylim())
            acc = np.r_[race.initial_accuracy, race.accuracies[loss]]
            self.acc_lines[loss].set_data(np.arange(acc.size), acc)
        self.ax_acc.set_xlim(0, n)
        self.limits = tuple(limits)

    @property
    def dynamic(self) -> list:
        """The artists `update` changes (the rest depends only on `limits`)."""
        return [*self.loss_lines.values(), *self.acc_lines.values()]
