"""Chapter 8's interactive view: one 3x3 kernel slid over a digit, forward and backward.

Top row (forward): the input x with its padding, the kernel w, the output map z.
Bottom row (backward): the upstream delta = dL/dz, the input gradient dL/dx, the weight gradient dL/dw.

    view = ConvView(digit=3, kernel="vertical edges (Sobel)", stride=1, padding=1)
    view                                  # in a notebook cell: displays the widget
    view.stride.value = 2; view.out.shape; view.dx
"""
from __future__ import annotations

import html

import ipywidgets as W
import numpy as np
from matplotlib.patches import Rectangle

from ._display import ShowsWidget
from . import plots
from .conv import conv2d_backward, conv2d_forward
from .datasets import digits

KERNELS = {
    "vertical edges (Sobel)": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "horizontal edges (Sobel)": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "blur (box)": np.full((3, 3), 1 / 9),
    "blur (Gaussian)": np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16,
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "outline (Laplacian)": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "shift left (asymmetric)": [[0, 0, 0], [0, 0, 1], [0, 0, 0]],
    "random (seed 0)": np.random.default_rng(0).normal(0, 1, (3, 3)).round(2),
}
KERNELS = {name: np.asarray(k, dtype=np.float64) for name, k in KERNELS.items()}
DELTAS = ("one hot pixel", "all ones (L = sum of z)", "the output (L = ½ sum of z²)")


def upsample(image: np.ndarray, size: int) -> np.ndarray:
    """Bilinear interpolation of a square image to size x size (numpy only)."""
    n = image.shape[0]
    t = np.linspace(0, n - 1, size)
    rows = np.array([np.interp(t, np.arange(n), r) for r in image])          # (n, size)
    return np.array([np.interp(t, np.arange(n), c) for c in rows.T]).T       # (size, size)


def digit_images(size: int = 21) -> list[np.ndarray]:
    """The first example of each digit 0..9 from bl.datasets.digits(), scaled to [0, 1] and smoothly
    enlarged from 8x8 to size x size pixels (21 is odd, so stride 2 fits with any padding)."""
    X, y = digits()
    return [upsample(X[np.argmax(y == d)].reshape(8, 8) / 16.0, size) for d in range(10)]


def conv_maps(image: np.ndarray, kernel: np.ndarray, stride: int, padding: int, delta_kind: str,
              hot: tuple[int, int] = (0, 0)) -> dict:
    """Forward and backward of one single-channel conv layer (bias 0) on one image.

    When the stride does not fit, do what PyTorch does silently: drop the last padded rows/columns that
    no window reaches (their gradient is 0). Returns a dict of the maps and the number of dropped rows/cols.
    """
    H, Wd = image.shape
    K = kernel.shape[0]
    drop = ((H + 2 * padding - K) % stride, (Wd + 2 * padding - K) % stride)
    if drop == (0, 0):
        out, cache = conv2d_forward(image[None, None], kernel[None, None], np.zeros(1), stride, padding)
    else:   # pad by hand, cut off what the windows never reach, convolve without further padding
        xp = np.pad(image, padding)[:H + 2 * padding - drop[0], :Wd + 2 * padding - drop[1]]
        out, cache = conv2d_forward(xp[None, None], kernel[None, None], np.zeros(1), stride, 0)
    if delta_kind == DELTAS[0]:
        delta = np.zeros_like(out)
        delta[0, 0, min(hot[0], out.shape[2] - 1), min(hot[1], out.shape[3] - 1)] = 1.0
    elif delta_kind == DELTAS[1]:
        delta = np.ones_like(out)
    elif delta_kind == DELTAS[2]:
        delta = out.copy()
    else:
        raise ValueError(f"unknown delta {delta_kind!r}; valid: {', '.join(map(repr, DELTAS))}")
    dx, dw, db = conv2d_backward(delta, cache)
    dx = dx[0, 0]
    if drop != (0, 0):
        full = np.zeros((H + 2 * padding, Wd + 2 * padding))
        full[:dx.shape[0], :dx.shape[1]] = dx
        dx = full[padding:padding + H, padding:padding + Wd]
    return {"out": out[0, 0], "delta": delta[0, 0], "dx": dx, "dw": dw[0, 0], "db": float(db[0]), "drop": drop}


def _sym(a: np.ndarray) -> float:
    m = float(np.max(np.abs(a))) if a.size else 0.0
    return m if m > 0 else 1.0


class ConvView(ShowsWidget):
    """Kernel, stride, padding and upstream-delta controls over a digit; six maps redrawn live."""

    def __init__(self, digit: int = 3, kernel: str = "vertical edges (Sobel)", stride: int = 1, padding: int = 1,
                 delta: str = DELTAS[0], hot=(6, 12), size: int = 21):
        self.images = digit_images(size)
        style, wide = {"description_width": "initial"}, W.Layout(width="250px")
        self.digit = W.IntSlider(value=digit, min=0, max=9, description="digit", continuous_update=False,
                                 style=style, layout=wide)
        self.kernel = W.Dropdown(options=list(KERNELS), value=kernel, description="kernel", style=style,
                                 layout=W.Layout(width="300px"))
        self.stride = W.IntSlider(value=stride, min=1, max=4, description="stride", continuous_update=False,
                                  style=style, layout=wide)
        self.padding = W.IntSlider(value=padding, min=0, max=2, description="padding", continuous_update=False,
                                   style=style, layout=wide)
        self.delta_kind = W.Dropdown(options=list(DELTAS), value=delta, description="upstream δ", style=style,
                                     layout=W.Layout(width="300px"))
        self.row = W.IntSlider(value=hot[0], min=0, max=30, description="δ row", continuous_update=False,
                               style=style, layout=wide)
        self.col = W.IntSlider(value=hot[1], min=0, max=30, description="δ column", continuous_update=False,
                               style=style, layout=wide)
        self.status = W.HTML()
        self.log = W.Output()
        self._busy = False

        fig, axes = plots.new_figure(ncols=3, nrows=2, size=(3.0, 2.9))
        self.fig, self.axes = fig, axes
        cm = "RdBu_r"
        self.im_x = axes[0].imshow(np.zeros((2, 2)), cmap="gray", vmin=0, vmax=1)
        self.im_w = axes[1].imshow(np.zeros((3, 3)), cmap=cm)
        self.im_z = axes[2].imshow(np.zeros((2, 2)), cmap=cm)
        self.im_d = axes[3].imshow(np.zeros((2, 2)), cmap=cm)
        self.im_dx = axes[4].imshow(np.zeros((2, 2)), cmap=cm)
        self.im_dw = axes[5].imshow(np.zeros((3, 3)), cmap=cm)
        self.pad_frames = [ax.add_patch(Rectangle((0, 0), 1, 1, fill=False, ls="--", lw=1.2, ec="#00bcd4"))
                           for ax in (axes[0], axes[4])]
        self.windows = [ax.add_patch(Rectangle((0, 0), 3, 3, fill=False, lw=2, ec="#ff9800"))
                        for ax in (axes[0], axes[4])]
        self.markers = [ax.add_patch(Rectangle((0, 0), 1, 1, fill=False, lw=2, ec="#ff9800"))
                        for ax in (axes[2], axes[3])]
        self.w_text = [[axes[1].text(j, i, "", ha="center", va="center", fontsize=9) for j in range(3)]
                       for i in range(3)]
        self.dw_text = [[axes[5].text(j, i, "", ha="center", va="center", fontsize=8) for j in range(3)]
                        for i in range(3)]
        for ax in axes:
            ax.set_xticks([])
            ax.set_yticks([])
        self.view = _figure_view(fig)

        for control in (self.digit, self.kernel, self.stride, self.padding, self.delta_kind, self.row, self.col):
            control.observe(self.log.capture()(self._on_change), names="value")
        self.widget = W.VBox([
            W.HBox([self.digit, self.kernel, self.stride]),
            W.HBox([self.padding, self.delta_kind]),
            W.HBox([self.row, self.col]),
            self.status, self.view.image, self.log])
        self.update()

    # -- state -------------------------------------------------------------------------------
    @property
    def image(self) -> np.ndarray:
        return self.images[self.digit.value]

    @property
    def w(self) -> np.ndarray:
        return KERNELS[self.kernel.value]

    def _on_change(self, change) -> None:
        if not self._busy:
            self.update()

    def update(self) -> None:
        """Recompute the forward and backward maps for the current controls, then redraw."""
        H, Wd = self.image.shape
        S, P, K = self.stride.value, self.padding.value, self.w.shape[0]
        self._busy = True   # moving a slider's max may clamp its value: no nested update for that
        try:
            for slider, n in ((self.row, (H + 2 * P - K) // S + 1), (self.col, (Wd + 2 * P - K) // S + 1)):
                slider.max = n - 1          # keep the hot pixel inside the output map
                slider.disabled = self.delta_kind.value != DELTAS[0]
        finally:
            self._busy = False
        maps = conv_maps(self.image, self.w, S, P, self.delta_kind.value, (self.row.value, self.col.value))
        self.out, self.delta, self.dx, self.dw, self.db = (maps[k] for k in ("out", "delta", "dx", "dw", "db"))
        self.dropped = maps["drop"]
        self.redraw()

    # -- drawing -----------------------------------------------------------------------------
    @staticmethod
    def _show(ax, im, data, vmax=None, pad: int = 0, offset: int = 0) -> None:
        """Show `data` with its top-left pixel at (-offset, -offset); leave `pad` pixels of room around."""
        h, w = data.shape
        lo = -0.5 - offset
        im.set_data(data)
        im.set_extent((lo, lo + w, lo + h, lo))
        if vmax is not None:
            im.set_clim(-vmax, vmax)
        ax.set_xlim(lo - pad, lo + w + pad)
        ax.set_ylim(lo + h + pad, lo - pad)

    def redraw(self) -> None:
        S, P = self.stride.value, self.padding.value
        H, Wd = self.image.shape
        oh, ow = self.out.shape
        ax_x, ax_w, ax_z, ax_d, ax_dx, ax_dw = self.axes
        self._show(ax_x, self.im_x, np.pad(self.image, P), offset=P)
        self._show(ax_w, self.im_w, self.w, _sym(self.w))
        self._show(ax_z, self.im_z, self.out, _sym(self.out))
        self._show(ax_d, self.im_d, self.delta, _sym(self.delta))
        self._show(ax_dx, self.im_dx, self.dx, _sym(self.dx), pad=P)
        self._show(ax_dw, self.im_dw, self.dw, _sym(self.dw))
        for frame in self.pad_frames:   # the border of the real image; outside it: padding zeros
            frame.set_bounds(-0.5, -0.5, Wd, H)
            frame.set_visible(P > 0)
        one_hot = self.delta_kind.value == DELTAS[0]
        i, j = self.row.value, self.col.value
        for win in self.windows:   # the window that output (i, j) reads, in input coordinates
            win.set_bounds(S * j - P - 0.5, S * i - P - 0.5, 3, 3)
            win.set_visible(one_hot)
        for m in self.markers:
            m.set_bounds(j - 0.5, i - 0.5, 1, 1)
            m.set_visible(one_hot)
        for grid, values in ((self.w_text, self.w), (self.dw_text, self.dw)):
            vmax = _sym(values)
            for r in range(3):
                for c in range(3):
                    v = values[r, c]
                    grid[r][c].set_text(f"{v:.2g}" if abs(v) < 100 else f"{v:.0f}")
                    grid[r][c].set_color("white" if abs(v) > 0.6 * vmax else "black")
        ax_x.set_title(f"input x  {H}×{Wd}" + (f", padding {P}" if P else ""), fontsize=10)
        ax_w.set_title("kernel w  3×3", fontsize=10)
        ax_z.set_title(f"output z = x ⋆ w  {oh}×{ow}, stride {S}", fontsize=10)
        ax_d.set_title(r"upstream $\delta = \partial L/\partial z$", fontsize=10)
        ax_dx.set_title(r"$\partial L/\partial x$ = full conv of $\delta$ with $w$", fontsize=10)
        ax_dw.set_title(rf"$\partial L/\partial w$ = x ⋆ $\delta$,  $\partial L/\partial b$ = {self.db:.3g}", fontsize=10)
        span = H + 2 * P - 3
        msg = f"output size: ({H} + 2·{P} − 3) / {S} + 1 = {span / S + 1:g}"
        if any(self.dropped):
            msg += (f" → {oh}: the stride does not fit, so the last {self.dropped[0]} padded row(s) and "
                    f"{self.dropped[1]} column(s) "
                    "are never read by any window (PyTorch drops them silently; conv2d_forward raises); "
                    "their gradient is 0.")
        if one_hot:
            msg += f" Orange: output pixel ({i}, {j}) and the 3×3 window it reads; δ = 1 there, so ∂L/∂x is the kernel itself on that window."
        self.status.value = f"<div style='font-size:13px;max-width:720px'>{html.escape(msg)}</div>"
        self.view.redraw()

    def png(self) -> bytes:
        return self.view.image.value


def _figure_view(fig):
    """The FigureView of backprop_lib.widgets (imported here to avoid a circular import)."""
    from .widgets import FigureView

    return FigureView(fig)


def touch_diagram(ax, n_in: int = 5, k: int = 3, stride: int = 1, title: str | None = None):
    """Which input touches which output in a 1-D correlation: inputs x_j on top, outputs z_i below,
    one line per product w_m x_{stride*i + m}, coloured by the kernel entry m."""
    n_out = (n_in - k) // stride + 1
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"]
    x_pos = np.arange(n_in, dtype=float)
    z_pos = stride * np.arange(n_out) + (k - 1) / 2          # each output under the middle of its window
    for i in range(n_out):
        for m in range(k):
            j = stride * i + m
            ax.plot([x_pos[j], z_pos[i]], [1, 0], color=colors[m % len(colors)], lw=2, zorder=1,
                    label=f"$w_{m}$" if i == 0 else None)
    ax.scatter(x_pos, np.ones(n_in), s=380, c="white", edgecolors="black", zorder=2)
    ax.scatter(z_pos, np.zeros(n_out), s=380, c="#fff3c4", edgecolors="black", zorder=2)
    for j, p in enumerate(x_pos):
        ax.text(p, 1, f"$x_{j}$", ha="center", va="center", fontsize=9, zorder=3)
    for i, p in enumerate(z_pos):
        ax.text(p, 0, f"$z_{i}$", ha="center", va="center", fontsize=9, zorder=3)
    ax.set_xlim(-0.7, n_in + 0.6)
    ax.set_ylim(-0.35, 1.35)
    ax.axis("off")
    ax.legend(loc="center right", fontsize=8, frameon=False, bbox_to_anchor=(1.0, 0.5))
    ax.set_title(title or f"{n_in} inputs, kernel {k}, stride {stride}: {n_out} outputs", fontsize=10)
    return ax
