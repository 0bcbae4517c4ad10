"""Plots that update an existing figure instead of rebuilding it: loss curves, decision boundaries,
per-layer gradient norms. Each view owns its artists; `update(...)` changes their data and rescales.

The figures are plain matplotlib Figures (no pyplot state), so widgets can redraw them many times
without leaking; `figure_png(fig)` renders one to PNG bytes for an ipywidgets.Image.
"""
from __future__ import annotations

import io

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from .fast import in_chunks, ladder_ceil

CLASS_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                "#bcbd22", "#17becf"]
LAYER_CMAP = "viridis"


def new_figure(ncols: int = 1, nrows: int = 1, size=(4.2, 3.4), dpi: int = 80, width_ratios=None):
    """A pyplot-free Figure with a grid of axes, each about `size` inches: returns (fig, axes as a flat list)."""
    fig = Figure(figsize=(size[0] * ncols, size[1] * nrows), dpi=dpi, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, width_ratios=width_ratios).ravel().tolist()
    return fig, axes


def figure_png(fig: Figure) -> bytes:
    """The figure rendered to PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _decade_floor(v: float) -> float:
    return float(10.0 ** np.floor(np.log10(v)))


def _decade_ceil(v: float) -> float:
    return float(10.0 ** np.ceil(np.log10(v)))


class LossPlot:
    """Training (and optional test) loss per epoch on a log scale."""

    def __init__(self, ax, title: str = "loss", log: bool = True, test: bool = False, stepped: bool = False):
        self.ax = ax
        self.stepped = stepped      # limits in steps (epochs 1-1.5-2-3-5-7, loss whole decades): a live
                                    # view's cached background survives most frames
        self.limits = None
        (self.train_line,) = ax.plot([], [], color="C0", lw=1.8, label="train")
        self.test_line = ax.plot([], [], color="C1", lw=1.5, ls="--", label="test")[0] if test else None
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        ax.set_title(title)
        if log:
            ax.set_yscale("log")
        ax.grid(True, alpha=0.3, which="both")
        if test:
            ax.legend(loc="upper right", fontsize=8)

    def update(self, loss, test_loss=None) -> None:
        loss = np.asarray(loss, dtype=float)
        epochs = np.arange(1, loss.size + 1)
        self.train_line.set_data(epochs, loss)
        values = [loss]
        if self.test_line is not None and test_loss is not None and len(test_loss):
            test_loss = np.asarray(test_loss, dtype=float)
            self.test_line.set_data(np.arange(1, test_loss.size + 1), test_loss)
            values.append(test_loss)
        finite = np.concatenate(values)
        finite = finite[np.isfinite(finite) & (finite > 0)]
        if self.stepped:
            x_max = ladder_ceil(max(loss.size, 10) + 0.5)
            self.ax.set_xlim(0, x_max)
            ylim = (_decade_floor(finite.min() / 1.2), _decade_ceil(finite.max() * 1.2)) if finite.size else None
            if ylim is not None:
                self.ax.set_ylim(*ylim)
            self.limits = (x_max, ylim)
            return
        self.ax.set_xlim(0, max(loss.size, 1) + 0.5)
        if finite.size:
            lo, hi = finite.min(), finite.max()
            self.ax.set_ylim(lo / 1.5, hi * 1.5 if hi > lo else lo * 2)
        self.limits = (self.ax.get_xlim(), self.ax.get_ylim())


class BoundaryPlot:
    """The network's decision regions over a grid, with the data points on top.

    One output: the colour is the predicted probability of class 1 (a heat map).
    Several outputs: the colour is the predicted class, faded where the network is unsure.
    """

    def __init__(self, ax, X, y, resolution: int = 80, margin: float = 0.4, title: str = "decision boundary"):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y).astype(int)
        self.ax, self.resolution, self.margin = ax, resolution, margin
        self.n_classes = max(int(y.max()) + 1, 2)
        lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
        self.extent = (lo[0], hi[0], lo[1], hi[1])
        gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
        self.grid = np.c_[gx.ravel(), gy.ravel()]
        self.image = ax.imshow(np.zeros((resolution, resolution, 4)), origin="lower", extent=self.extent,
                               aspect="auto", interpolation="bilinear", zorder=0)
        colors = np.array(CLASS_COLORS * (self.n_classes // len(CLASS_COLORS) + 1))[: self.n_classes]
        self.points = ax.scatter(X[:, 0], X[:, 1], c=colors[y], s=14, edgecolors="white", linewidths=0.5,
                                 zorder=2)
        self._rgb = self._class_rgb(self.n_classes)
        self.contour = None
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])

    @staticmethod
    def _class_rgb(n_classes: int) -> np.ndarray:
        colors = (CLASS_COLORS * (n_classes // len(CLASS_COLORS) + 1))[:n_classes]
        return np.array([[int(c[i:i + 2], 16) / 255 for i in (1, 3, 5)] for c in colors])

    def set_classes(self, n_classes: int) -> None:
        """Colour the regions and points for another number of classes (a live view keeps its artists)."""
        self.n_classes = max(int(n_classes), 2)
        self._rgb = self._class_rgb(self.n_classes)

    def reframe(self, X) -> None:
        """Fit the grid and the axes to new points X (same classes): a live view changing its data set
        keeps its artists."""
        X = np.asarray(X, dtype=float)
        lo, hi = X.min(axis=0) - self.margin, X.max(axis=0) + self.margin
        self.extent = (lo[0], hi[0], lo[1], hi[1])
        r = self.resolution
        gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], r), np.linspace(lo[1], hi[1], r))
        self.grid = np.c_[gx.ravel(), gy.ravel()]
        self.image.set_extent(self.extent)
        self.ax.set_xlim(lo[0], hi[0])
        self.ax.set_ylim(lo[1], hi[1])

    def set_points(self, X, y) -> None:
        """Show other points (e.g. the test set) over the same regions."""
        X = np.asarray(X, dtype=float)
        self.points.set_offsets(X)
        self.points.set_facecolors(self._rgb[np.asarray(y).astype(int) % len(self._rgb)])

    def probabilities(self, predict) -> np.ndarray:
        """predict(grid) -> (G, K) outputs, evaluated over the grid."""
        with np.errstate(all="ignore"):
            return np.asarray(in_chunks(predict, self.grid), dtype=float)

    def update(self, net_or_predict) -> None:
        predict = getattr(net_or_predict, "forward", net_or_predict)
        p = self.probabilities(predict)
        r = self.resolution
        if p.shape[1] == 1:   # binary: blend the two class colours by P(class 1)
            q = np.clip(np.nan_to_num(p[:, 0], nan=0.5), 0, 1)[:, None]
            rgb = (1 - q) * self._rgb[0] + q * self._rgb[1]
            alpha = 0.15 + 0.45 * np.abs(2 * q - 1)
        else:
            p = np.nan_to_num(p, nan=1.0 / p.shape[1])
            k = p.argmax(axis=1)
            rgb = self._rgb[k % len(self._rgb)]
            alpha = (0.15 + 0.45 * (p.max(axis=1) - 1 / p.shape[1]) / (1 - 1 / p.shape[1]))[:, None]
        rgba = np.concatenate([rgb, alpha], axis=1).reshape(r, r, 4)
        self.image.set_data(rgba)


class GradNormPlot:
    """Per-layer gradient norm ||dW_l|| against epoch, one line per layer (log scale).

    This is the vanishing-gradient view: with deep sigmoid nets the first layers' lines sit decades
    below the last layer's.
    """

    def __init__(self, ax, title: str = "gradient norm per layer"):
        self.ax = ax
        self.lines = []
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel(r"$\|\partial L/\partial W_l\|$")
        ax.set_title(title)
        ax.grid(True, alpha=0.3, which="both")

    def update(self, grad_norms) -> None:
        g = np.asarray(grad_norms, dtype=float)
        if g.ndim != 2:
            g = g.reshape(-1, len(self.lines) or 1)
        n_layers = g.shape[1]
        if len(self.lines) != n_layers:   # depth changed: rebuild the lines (and the legend) only
            for line in self.lines:
                line.remove()
            import matplotlib

            cmap = matplotlib.colormaps[LAYER_CMAP]
            self.lines = [self.ax.plot([], [], color=cmap(i / max(n_layers - 1, 1)), lw=1.5,
                                       label=f"layer {i + 1}")[0] for i in range(n_layers)]
            self.ax.legend(loc="lower left", fontsize=7, ncol=2 if n_layers > 4 else 1)
        epochs = np.arange(1, g.shape[0] + 1)
        for i, line in enumerate(self.lines):
            line.set_data(epochs, g[:, i])
        finite = g[np.isfinite(g) & (g > 0)]
        self.ax.set_xlim(0, max(g.shape[0], 1) + 0.5)
        if finite.size:
            self.ax.set_ylim(finite.min() / 2, finite.max() * 2)


def loss_curve(loss, title: str = "loss", ax=None):
    """A one-off loss curve; returns the Figure (display it, or let the cell show it)."""
    if ax is None:
        fig, (ax,) = new_figure()
    else:
        fig = ax.figure
    LossPlot(ax, title=title).update(loss)
    return fig


def decision_boundary(net, X, y, title: str = "decision boundary", ax=None):
    """A one-off decision-boundary plot of `net` over the points (X, y); returns the Figure."""
    if ax is None:
        fig, (ax,) = new_figure()
    else:
        fig = ax.figure
    BoundaryPlot(ax, X, y, title=title).update(net)
    return fig
