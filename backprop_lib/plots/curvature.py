"""Chapter 10's picture: a point on the loss surface of a two-weight network, with its gradient step,
its Newton step and a direction (left), and the loss along that direction with its parabola (right)."""
from __future__ import annotations

import numpy as np

from ..curvature import SurfacePoint, two_weight_loss

def _ladder_ceil(v: float) -> float:
    """The smallest number of the form {1, 1.5, 2, 3, 5, 7} x 10^k that is >= v (v > 0)."""
    k = np.floor(np.log10(v))
    for m in (1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 10.0):
        if m * 10 ** k >= v * (1 - 1e-12):
            return float(m * 10 ** k)
    return float(10 ** (k + 1))


STEP_COLORS = {"gradient": "C3", "newton": "C4", "direction": "0.45"}


class SurfacePlot:
    """Two Axes: the contours of L(w1, w2) with the point and its steps; the slice L(w + s d) and its parabola.

    `update(point)` moves the artists to a SurfacePoint; the contours are drawn once.
    """

    def __init__(self, ax_surface, ax_slice, x, t, w1lim=(-2.0, 2.0), w2lim=(-2.5, 2.5), reach: float = 1.5):
        self.x, self.t = np.asarray(x, dtype=float), np.asarray(t, dtype=float)
        self.ax, self.ax_slice, self.reach = ax_surface, ax_slice, reach
        W1, W2 = np.meshgrid(np.linspace(*w1lim, 121), np.linspace(*w2lim, 121))
        L = two_weight_loss(W1, W2, self.x, self.t)
        levels = np.quantile(L, np.linspace(0.01, 0.97, 16)) + np.linspace(0, 1e-9, 16)
        ax = ax_surface
        ax.contour(W1, W2, L, levels=levels, cmap="viridis", linewidths=0.8, alpha=0.85)
        fits = [(w1, w2) for w1, w2 in ((1.0, 1.5), (-1.0, -1.5)) if two_weight_loss(w1, w2, self.x, self.t) < 1e-12]
        if fits:   # the perfect fits of the chapter's data (other data: no marker)
            ax.plot(*np.array(fits).T, "*", color="k", ms=11, ls="none", label="perfect fits")
        ax.plot([0.0], [0.0], "x", color="k", ms=8, mew=1.5, ls="none", label="saddle (0, 0)")
        (self.direction_line,) = ax.plot([], [], color=STEP_COLORS["direction"], lw=1.2, ls="--",
                                         label="direction d")
        (self.gradient_line,) = ax.plot([], [], color=STEP_COLORS["gradient"], lw=2.0, label="gradient step")
        (self.gradient_end,) = ax.plot([], [], "o", color=STEP_COLORS["gradient"], ms=5)
        (self.newton_line,) = ax.plot([], [], color=STEP_COLORS["newton"], lw=2.0, label="Newton step")
        (self.newton_end,) = ax.plot([], [], "s", color=STEP_COLORS["newton"], ms=5)
        (self.point,) = ax.plot([], [], "o", color="k", mfc="white", ms=8, zorder=5, label="the point w")
        ax.set_xlim(*w1lim)
        ax.set_ylim(*w2lim)
        ax.set_xlabel("w1")
        ax.set_ylabel("w2")
        ax.set_title("loss contours of a = w2 tanh(w1 x)")
        ax.legend(loc="lower right", fontsize=7)
        self.note = ax.text(0.02, 0.98, "", transform=ax.transAxes, fontsize=8, va="top", color="#6a1b9a",
                            bbox=dict(facecolor="white", edgecolor="none", alpha=0.85, pad=1.5))

        s = ax_slice
        self.s = np.linspace(-reach, reach, 121)
        (self.slice_line,) = s.plot([], [], color="C0", lw=2.0, label="L(w + s d)")
        (self.parabola_line,) = s.plot([], [], color="C1", lw=1.5, ls="--", label="parabola (curvature d'Hd)")
        (self.slice_point,) = s.plot([0.0], [0.0], "o", color="k", mfc="white", ms=8, zorder=5)
        (self.slice_step,) = s.plot([], [], "o", color=STEP_COLORS["gradient"], ms=6, zorder=5,
                                    label="gradient step along d: s = -lr g.d")
        (self.slice_lowest,) = s.plot([], [], "s", color=STEP_COLORS["newton"], ms=6, zorder=5,
                                      label="lowest point of the parabola")
        s.axvline(0.0, color="0.6", lw=0.6)
        s.set_xlim(-reach, reach)
        s.set_xlabel("s (distance along d)")
        s.set_ylabel("loss")
        s.set_title("the loss along d")
        s.grid(True, alpha=0.3)
        s.legend(loc="upper center", fontsize=7)
        # the learning rate in words: at a point with a small gradient one step of the slider moves the
        # step's end by less than a pixel, and the picture must still show that the rate changed
        self.lr_note = s.text(0.97, 0.62, "", transform=s.transAxes, fontsize=7.5, va="top", ha="right",
                              color=STEP_COLORS["gradient"],
                              bbox=dict(facecolor="white", edgecolor="none", alpha=0.85, pad=1.5))

    def update(self, p: SurfacePoint) -> None:
        w, d = p.w, p.direction
        ends = np.array([w - self.reach * d, w + self.reach * d])
        self.direction_line.set_data(ends[:, 0], ends[:, 1])
        step_end = w + p.gradient_step
        self.gradient_line.set_data([w[0], step_end[0]], [w[1], step_end[1]])
        self.gradient_end.set_data([step_end[0]], [step_end[1]])
        if p.newton_step is None:
            self.newton_line.set_data([], [])
            self.newton_end.set_data([], [])
            self.note.set_text("H is singular here: no Newton step")
        else:
            n_end = w + p.newton_step
            self.newton_line.set_data([w[0], n_end[0]], [w[1], n_end[1]])
            self.newton_end.set_data([n_end[0]], [n_end[1]])
            (x0, x1), (y0, y1) = self.ax.get_xlim(), self.ax.get_ylim()
            outside = not (x0 <= n_end[0] <= x1 and y0 <= n_end[1] <= y1)
            uphill = p.eigenvalues[0] < 0
            self.note.set_text(("H has a negative eigenvalue: Newton heads for\na saddle of the quadratic model" if uphill else "")
                               + ("\n" if uphill and outside else "")
                               + ("the Newton step leaves the picture" if outside else ""))
        self.point.set_data([w[0]], [w[1]])

        along = two_weight_loss(w[0] + self.s * d[0], w[1] + self.s * d[1], self.x, self.t)
        parabola = p.loss + self.s * float(p.grad @ d) + 0.5 * self.s ** 2 * p.curvature
        self.slice_line.set_data(self.s, along)
        self.parabola_line.set_data(self.s, parabola)
        self.slice_point.set_data([0.0], [p.loss])
        slope = float(p.grad @ d)
        s_step = -p.lr * slope                      # gradient descent restricted to the line through w along d
        w_step = w + s_step * d
        self.slice_step.set_data([s_step], [float(two_weight_loss(w_step[0], w_step[1], self.x, self.t))])
        self.lr_note.set_text(f"learning rate {p.lr:.3g}:\ngradient step {np.linalg.norm(p.gradient_step):.3g} long,\n"
                              f"{abs(s_step):.3g} along d")
        if p.curvature > 0:
            s_low = -slope / p.curvature
            self.slice_lowest.set_data([s_low], [p.loss - 0.5 * slope * slope / p.curvature])
        else:
            self.slice_lowest.set_data([], [])
        top = _ladder_ceil(1.15 * max(float(along.max()), 1e-3))  # a few fixed values (the loss is >= 0):
        self.ylim = (-0.08 * top, top)                             # the cached background survives most moves
        self.ax_slice.set_ylim(*self.ylim)

    @property
    def dynamic(self) -> list:
        """The artists `update` moves (everything else is a background that depends only on `ylim`)."""
        return [self.direction_line, self.gradient_line, self.gradient_end, self.newton_line, self.newton_end,
                self.point, self.note, self.slice_line, self.parabola_line, self.slice_point, self.slice_step,
                self.slice_lowest, self.lr_note]
