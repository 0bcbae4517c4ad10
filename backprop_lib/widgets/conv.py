"""Chapter 8's interactive view: one 3x3 kernel slid over a digit, forward and backward.

Top row (forward): the input x with its padding, the kernel w, the output map z.
Bottom row (backward): the upstream delta = dL/dz, the input gradient dL/dx, the weight gradient dL/dw.

    view = ConvView(digit=3, kernel="vertical edges (Sobel)", stride=1, padding=1)
    view                                  # in a notebook cell: displays the widget
    view.stride.value = 2; view.out.shape; view.dx
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np
from matplotlib.patches import Rectangle

from .. import plots
from ..conv import DELTAS, KERNELS, conv_maps
from ..datasets import digit_images
from .base import FigureView, ShowsWidget, status_html


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
        self.db_text = axes[5].text(0.5, -0.02, "", transform=axes[5].transAxes, ha="center", va="top", fontsize=10)
        for ax in axes:
            ax.set_xticks([])
            ax.set_yticks([])
        self.view = None

        for control in (self.digit, self.kernel, self.stride, self.padding, self.delta_kind, self.row, self.col):
            control.observe(self.log.capture()(self._on_change), names="value")
        self.widget = W.VBox([
            W.HBox([self.digit, self.kernel, self.stride]),
            W.HBox([self.padding, self.delta_kind]),
            W.HBox([self.row, self.col]),
            self.status, self.log])
        self.update()
        self.view = FigureView(fig)          # the first picture, with its titles: the layout is solved for it
        self.widget.children = self.widget.children[:-1] + (self.view.image, self.log)
        self.view.track(self, [self.digit, self.kernel, self.stride, self.padding, self.delta_kind, self.row, self.col],
                        self.update)

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
        ax_dw.set_title(r"$\partial L/\partial w$ = x ⋆ $\delta$", fontsize=10)
        self.db_text.set_text(f"∂L/∂b = {self.db:.3g}")
        span = H + 2 * P - 3
        msg = f"output size: ({H} + 2·{P} − 3) / {S} + 1 = {span / S + 1:g}"
        if any(self.dropped):
            msg += (f" → {oh}: the stride does not fit, so the last {self.dropped[0]} padded row(s) and "
                    f"{self.dropped[1]} column(s) "
                    "are never read by any window (PyTorch drops them silently; conv2d_forward raises); "
                    "their gradient is 0.")
        if one_hot:
            msg += f" Orange: output pixel ({i}, {j}) and the 3×3 window it reads; δ = 1 there, so ∂L/∂x is the kernel itself on that window."
        self.status.value = status_html(msg)
        if self.view is None:
            return
        # moving the hot pixel (the most frequent change) redraws only what depends on it over a
        # cached background: the upstream delta, both gradients, the orange window and marker
        dynamic = [self.im_d, self.im_dx, self.im_dw, *self.windows, *self.markers,
                   *(t for row in self.dw_text for t in row), self.db_text]
        key = (self.digit.value, self.kernel.value, S, P, self.delta_kind.value)
        self.view.redraw(dynamic=dynamic, key=key)

    def png(self) -> bytes:
        return self.view.image.value
