"""Chapter 3's picture: the loss contours of a one-input linear regression with a descent path on top."""
from __future__ import annotations

import numpy as np

from ..linreg import DescentResult, as_xy, linreg_loss, linreg_loss_grid, linreg_optimum


class DescentPlot:
    """The loss contours of the linear regression with a descent path on top (one Axes)."""

    def __init__(self, ax, x, y, wlim=(-2.0, 4.5), blim=(-3.5, 4.5), title: str = "path over the loss contours"):
        self.x, self.y = as_xy(x, y)
        self.ax = ax
        ws, bs = np.linspace(*wlim, 120), np.linspace(*blim, 120)
        Wg, Bg = np.meshgrid(ws, bs)
        L = linreg_loss_grid(Wg, Bg, self.x, self.y)
        self.optimum = linreg_optimum(self.x, self.y)
        lmin = linreg_loss(self.optimum, self.x, self.y)
        levels = lmin + np.geomspace(0.02, max(L.max() - lmin, 1.0), 14)
        ax.contour(Wg, Bg, L, levels=levels, cmap="viridis", linewidths=0.8, alpha=0.8)
        ax.plot(*self.optimum, marker="*", color="k", ms=12, ls="none", zorder=4, label="minimum")
        (self.line,) = ax.plot([], [], "-", color="C3", lw=1.2, zorder=3)
        (self.dots,) = ax.plot([], [], "o", color="C3", ms=2.5, zorder=3)
        (self.start,) = ax.plot([], [], "o", color="k", mfc="white", ms=7, zorder=5, label="start")
        (self.end,) = ax.plot([], [], "o", color="C3", ms=6, zorder=5, label="end")
        self.note = ax.text(0.02, 0.02, "", transform=ax.transAxes, fontsize=9, color="#b00020", va="bottom")
        ax.set_xlim(*wlim)
        ax.set_ylim(*blim)
        ax.set_xlabel("w (slope)")
        ax.set_ylabel("b (intercept)")
        ax.set_title(title)
        ax.legend(loc="upper right", fontsize=7)

    def update(self, result: DescentResult) -> None:
        p = result.path
        (w0, w1), (b0, b1) = self.ax.get_xlim(), self.ax.get_ylim()
        outside = np.flatnonzero((p[:, 0] < w0) | (p[:, 0] > w1) | (p[:, 1] < b0) | (p[:, 1] > b1))
        if outside.size and result.diverged:     # draw a diverging path until it leaves the plot
            p = p[:outside[0] + 1]
        self.line.set_data(p[:, 0], p[:, 1])
        self.dots.set_data(p[:, 0], p[:, 1])
        self.start.set_data([p[0, 0]], [p[0, 1]])
        self.end.set_data([p[-1, 0]], [p[-1, 1]])
        self.note.set_text(f"diverged at step {result.diverged_at}" if result.diverged else "")
