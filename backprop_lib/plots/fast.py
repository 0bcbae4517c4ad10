"""Drawing helpers for views that redraw many times a second: axis limits and ticks that move in
1-2-5 steps (so a cached background stays valid), and a heat-map artist much cheaper than AxesImage."""
from __future__ import annotations

import math

import numpy as np
from matplotlib.artist import Artist
from matplotlib.ticker import FixedFormatter, FixedLocator, NullLocator


# -- axis limits that move in steps, so the cached background rarely needs redrawing -----------------
def nice_ceil(v: float) -> float:
    """The smallest number of the form {1, 2, 5} x 10^k that is >= v (v > 0)."""
    k = math.floor(math.log10(v))
    for m in (1, 2, 5, 10):
        if m * 10.0 ** k >= v * (1 - 1e-9):
            return m * 10.0 ** k
    return 10.0 ** (k + 1)


def ladder_ceil(v: float) -> float:
    """The smallest number of the form {1, 1.5, 2, 3, 5, 7} x 10^k that is >= v (v > 0): finer than
    nice_ceil, for an axis that should not waste more than a third of its length."""
    k = math.floor(math.log10(v))
    for m in (1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 10.0):
        if m * 10.0 ** k >= v * (1 - 1e-12):
            return m * 10.0 ** k
    return 10.0 ** (k + 1)


def nice_floor(v: float) -> float:
    """The largest number of the form {1, 2, 5} x 10^k that is <= v (v > 0)."""
    k = math.floor(math.log10(v))
    for m in (5, 2, 1):
        if m * 10.0 ** k <= v * (1 + 1e-9):
            return m * 10.0 ** k
    return 10.0 ** (k - 1)


def tick_label(v: float) -> str:
    """A short tick label: 0.05, 200, 1e-05 (at most five characters)."""
    if v == 0:
        return "0"
    if 1e-3 <= abs(v) < 1e5:
        return f"{v:g}"
    m, k = f"{v:.0e}".split("e")
    return f"{m}e{int(k)}"


def log_ticks(lo: float, hi: float) -> list[float]:
    """Tick positions for a log axis from lo to hi: 1-2-5 steps on a short range, decades otherwise."""
    k0, k1 = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    for mantissas in ((1, 2, 5), (1,)):
        ticks = [m * 10.0 ** k for k in range(k0, k1 + 1) for m in mantissas
                 if lo * (1 - 1e-9) <= m * 10.0 ** k <= hi * (1 + 1e-9)]
        if len(ticks) <= 5:
            return ticks
    step = math.ceil((k1 - k0) / 5)
    return [10.0 ** k for k in range(k0, k1 + 1, step)]


def set_ticks(axis, ticks) -> None:
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_major_formatter(FixedFormatter([tick_label(t) for t in ticks]))
    axis.set_minor_locator(NullLocator())


def in_chunks(fn, X, rows: int = 256) -> np.ndarray:
    """fn(X) evaluated on blocks of `rows` rows and stacked. Row for row the same numbers as fn(X); on a
    busy machine much faster: numpy's BLAS splits a large product over its threads, and when the
    cores are shared those threads wait for each other (a 2500-row grid through ten 32-unit layers
    took 5x longer in one piece than in blocks of 256 rows)."""
    X = np.asarray(X)
    if len(X) <= rows:
        return np.asarray(fn(X))
    return np.concatenate([np.asarray(fn(X[i:i + rows])) for i in range(0, len(X), rows)])


def positive_finite(*arrays) -> np.ndarray:
    values = np.concatenate([np.asarray(a, dtype=float).ravel() for a in arrays])
    return values[np.isfinite(values) & (values > 0)]


def _interpolation_weights(n_out: int, n_in: int) -> tuple[np.ndarray, np.ndarray]:
    """Linear interpolation from n_in samples spanning an interval (its ends included) to the centres
    of n_out pixels covering it: pixel p = (1 - f[p]) * sample[i[p]] + f[p] * sample[i[p] + 1]."""
    u = (np.arange(n_out) + 0.5) / n_out * (n_in - 1)
    i = np.clip(np.floor(u).astype(int), 0, max(n_in - 2, 0))
    f = np.clip(u - i, 0.0, 1.0) if n_in > 1 else np.zeros(n_out)
    return i, f


class HeatMap(Artist):
    """Draws a BoundaryPlot's RGBA grid (its AxesImage's data, origin lower, spanning the axes) straight
    into the renderer, upsampled bilinearly with numpy. It looks like the
    AxesImage but skips matplotlib's general image pipeline, which costs more than the rest of a
    frame's drawing together; the AxesImage itself is hidden."""

    def __init__(self, image, ax):
        super().__init__()
        self.source, self.box_axes = image, ax
        self.set_zorder(image.get_zorder())
        self._weights = self._buffers = None

    def _prepare(self, key) -> None:
        r0, r1, w, h = key
        weights = []
        for n_out, n_in in ((h, r0), (w, r1)):
            i, f = _interpolation_weights(n_out, n_in)
            weights.append((i, np.minimum(i + 1, n_in - 1), 1 - f, f))
        (iy, ny, y0, y1), (ix, nx, x0, x1) = weights
        self._weights = (key, (iy, ny, y0[:, None, None], y1[:, None, None]),
                         (ix, nx, x0[None, :, None], x1[None, :, None]))
        self._buffers = (np.empty((r0, w, 4)), np.empty((r0, w, 4)), np.empty((h, w, 4)), np.empty((h, w, 4)),
                         np.empty((h, w, 4), dtype=np.uint8))

    def draw(self, renderer) -> None:
        if not self.get_visible():
            return
        rgba = np.asarray(self.source.get_array(), dtype=float)
        box = self.box_axes.bbox
        x0, y0 = int(round(box.x0)), int(round(box.y0))
        w, h = int(round(box.x1)) - x0, int(round(box.y1)) - y0
        if rgba.ndim != 3 or w < 1 or h < 1:
            return
        r0, r1 = rgba.shape[:2]
        key = (r0, r1, w, h)
        if self._weights is None or self._weights[0] != key:
            self._prepare(key)
        _, (iy, ny, wy0, wy1), (ix, nx, wx0, wx1) = self._weights
        wide, wide2, out, out2, pixels = self._buffers
        # bilinear: along x into (r0, w, 4), then along y into (h, w, 4); element-wise into buffers
        # kept between frames (fresh megabyte-sized arrays cost page faults, more than the arithmetic)
        np.take(rgba, ix, axis=1, out=wide, mode="clip")
        np.take(rgba, nx, axis=1, out=wide2, mode="clip")
        wide *= wx0
        wide2 *= wx1
        wide += wide2
        np.take(wide, iy, axis=0, out=out, mode="clip")
        np.take(wide, ny, axis=0, out=out2, mode="clip")
        out *= wy0
        out2 *= wy1
        out += out2
        out *= 255
        out += 0.5
        np.clip(out, 0, 255, out=out)
        pixels[...] = out            # row 0 at the bottom, like the grid
        gc = renderer.new_gc()
        gc.set_clip_rectangle(box)
        renderer.draw_image(gc, x0, y0, pixels)
        gc.restore()
        self.stale = False
