"""Interactive views that chapters display. They are driven by ticks (ipywidgets.Play), never by a
blocking loop, so the kernel stays free and the sliders keep working while a network trains.

Every view renders its matplotlib figure to PNG into an ipywidgets.Image, which works the same in
JupyterLab, Notebook 7, VS Code and on Binder, and shows the last state in a saved notebook.

    FigureView        a Figure shown as an Image (fast redraws: cached canvas, optional blitting)
    TrainingControls  Play / Step / Reset, an epoch counter, a status line, an error log
    TrainingView      one network on one data set with a learning-rate slider (chapter 1)
    Playground        the full training playground (data set, depth, width, activation, ...)
"""
from __future__ import annotations

import functools
import html
import struct
import threading
import time
import zlib

import ipywidgets as W
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg

from ._display import ShowsWidget
from . import plots
from .mlp import MLP
from .train import Trainer


class FigureView:
    """A Figure shown as an ipywidgets.Image; call `redraw()` after changing its artists.

    The figure gets its own Agg canvas once, so the renderer and its text-layout cache survive between
    redraws, and the PNG is encoded with light compression (`compress_level`, 0-9, zlib): both matter
    for live animation. `redraw(dynamic=artists, key=k)` goes further: everything except `dynamic` is
    drawn once and cached as a background while `key` stays equal (make it hold whatever the
    background depends on, e.g. the axes limits); later redraws only paste the background and draw
    the dynamic artists (lines, images) on top.
    """

    def __init__(self, fig, compress_level: int = 1):
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self.compress_level = compress_level
        self._background = None
        self._key = None
        self.full_redraws = 0   # how many redraws had to draw the whole figure (for tests/benchmarks)
        self._rows = {}         # the PNG encoder's row buffer, kept between frames
        self._lock = threading.RLock()
        self.image = W.Image(format="png", layout=W.Layout(width=f"{int(fig.get_figwidth() * fig.dpi)}px"))
        self.redraw()

    def redraw(self, dynamic=(), key=None) -> None:
        """Render the figure and publish it as PNG (see the class docstring for `dynamic` and `key`).

        Thread-safe: two callbacks running at once (kernel subshells) do not draw over each other."""
        with self._lock:
            self._redraw([a for a in dynamic if a is not None], key)

    def _redraw(self, dynamic, key) -> None:
        if not dynamic or key is None:
            self._background = None
            self.canvas.draw()
            self.full_redraws += 1
        elif self._background is None or key != self._key:
            shown = [a.get_visible() for a in dynamic]
            try:
                for a in dynamic:
                    a.set_visible(False)
                self.canvas.draw()
                self.full_redraws += 1
                self._background = self.canvas.copy_from_bbox(self.fig.bbox)
                self._key = key
            finally:   # whatever happens, do not leave the dynamic artists hidden
                for a, visible in zip(dynamic, shown):
                    a.set_visible(visible)
            for a in dynamic:
                self.fig.draw_artist(a)
        else:
            self.canvas.restore_region(self._background)
            for a in dynamic:
                self.fig.draw_artist(a)
        self.image.value = self.png()

    def invalidate(self) -> None:
        """Forget the cached background: the next redraw draws the whole figure."""
        self._background = None

    def png(self) -> bytes:
        """The canvas as it was last drawn, as PNG bytes (RGB if the figure is opaque, else RGBA)."""
        rgba = np.asarray(self.canvas.buffer_rgba())
        channels = 3 if self.fig.get_facecolor()[3] == 1 else 4
        return _encode_png(rgba[:, :, :channels], self.compress_level, self._rows)


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def _encode_png(pixels: np.ndarray, level: int = 1, cache: dict | None = None) -> bytes:
    """(h, w, 3 or 4) uint8 -> PNG bytes: unfiltered rows, zlib at `level`. For live views this is
    about twice as fast as Pillow at a similar size; `cache` keeps the row buffer between frames
    (allocating a fresh megabyte per frame costs page faults)."""
    h, w, c = pixels.shape
    rows = None if cache is None else cache.get((h, w, c))
    if rows is None:
        rows = np.zeros((h, 1 + w * c), dtype=np.uint8)   # column 0: filter type 0 (none) per row
        if cache is not None:
            cache.clear()
            cache[(h, w, c)] = rows
    rows[:, 1:].reshape(h, w, c)[...] = pixels
    header = struct.pack(">IIBBBBB", w, h, 8, 2 if c == 3 else 6, 0, 0, 0)
    return b"".join([b"\x89PNG\r\n\x1a\n", _png_chunk(b"IHDR", header),
                     _png_chunk(b"IDAT", zlib.compress(rows, level)), _png_chunk(b"IEND", b"")])


def _status_html(text: str, kind: str = "info") -> str:
    color = {"info": "#333", "error": "#b00020", "ok": "#1b5e20"}[kind]
    return f"<div style='color:{color};font-size:13px;max-width:900px'>{html.escape(text)}</div>"


def locked(method):
    """Run a view's method holding its controls' lock (see TrainingControls)."""

    @functools.wraps(method)
    def run(self, *args, **kwargs):
        with self.controls.lock:
            return method(self, *args, **kwargs)

    return run


class TrainingControls:
    """The transport shared by the training views: Play / Pause (an ipywidgets.Play whose ticks call
    `on_step`), Step, Reset, an epoch counter, a status line and an Output that shows the callbacks'
    errors in the notebook (`capture(fn)` wraps a callback so).

    `lock` serialises everything that touches the model and the figure. With ipykernel 7 and a
    recent JupyterLab, widget messages can be handled in a kernel *subshell*, i.e. in another thread
    than the cells, so a Play tick may arrive while a slider change (or a cell) is still redrawing.
    A tick that finds the lock taken, or that arrives right after the previous frame finished (ticks
    queued while the kernel was busy), is dropped: a slow frame never builds up a backlog in front
    of slider changes. Other callbacks wait for the lock. The lock is taken *outside* the Output's
    capture: two threads inside one Output's capture at once garble its message routing (JupyterLab
    then stopped delivering Play ticks).
    """

    def __init__(self, on_step, on_reset, interval: int = 200):
        self.play = W.Play(value=0, min=0, max=10**9, step=1, interval=interval, description="Play",
                           show_repeat=False)
        self.step_button = W.Button(description="Step", icon="step-forward", layout=W.Layout(width="90px"))
        self.reset_button = W.Button(description="Reset", icon="undo", layout=W.Layout(width="90px"))
        self.epoch_label = W.HTML()
        self.status = W.HTML()
        self.log = W.Output()
        self.lock = threading.RLock()
        self._on_step = on_step
        self._min_gap = 0.25 * interval / 1000
        self._last_frame_end = -np.inf
        self._captured_step = self.log.capture()(on_step)
        self.play.observe(self._tick, names="value")
        self.step_button.on_click(self.capture(lambda b: on_step()))
        self.reset_button.on_click(self.capture(lambda b: on_reset()))
        self.box = W.HBox([self.play, self.step_button, self.reset_button, self.epoch_label])

    def capture(self, fn):
        """`fn` wrapped to run holding the lock, and so that an exception it raises is shown in the
        log Output, not lost."""
        captured = self.log.capture()(fn)

        @functools.wraps(fn)
        def run(*args, **kwargs):
            with self.lock:
                return captured(*args, **kwargs)

        return run

    def _tick(self, change) -> None:
        if change["new"] < change["old"]:    # Stop rewinds the counter: that is not a frame
            return
        if time.perf_counter() - self._last_frame_end < self._min_gap:
            return
        if not self.lock.acquire(blocking=False):   # a frame or a rebuild is running: skip this tick
            return
        try:
            self._captured_step()
        finally:
            self._last_frame_end = time.perf_counter()
            self.lock.release()

    def stop(self) -> None:
        self.play.playing = False

    def show_epoch(self, epochs: int) -> None:
        self.epoch_label.value = f"<b>epoch {epochs}</b>"

    def show_status(self, text: str, kind: str = "info") -> None:
        self.status.value = _status_html(text, kind) if text else ""


class TrainingView(ShowsWidget):
    """Train a network live on a 2-D data set: a log-scale learning-rate slider, Play / Step / Reset,
    the loss curve and the decision boundary redrawn after every frame.

    Moving the learning-rate slider starts again from the same initial weights and retrains for
    `initial_epochs`, so the picture always shows what that learning rate does.

        view = TrainingView(X, y, sizes=[2, 1], activation="sigmoid", output="sigmoid", lr=0.5)
        view            # in a notebook cell: displays the widget
        view.lr.value = 3.0; view.step(); view.net; view.history
    """

    def __init__(self, X, y, sizes=(2, 1), activation: str = "sigmoid", output: str = "sigmoid",
                 loss: str = "mse", lr: float = 0.5, epochs_per_frame: int = 10, initial_epochs: int = 100,
                 batch_size=None, momentum: float = 0.0, seed: int = 0, title: str = ""):
        self.X = np.asarray(X, dtype=float)
        self.y = np.asarray(y)
        self.sizes, self.activation, self.output, self.loss_name = list(sizes), activation, output, loss
        self.epochs_per_frame, self.initial_epochs = epochs_per_frame, initial_epochs
        self.batch_size, self.momentum, self.seed = batch_size, momentum, seed

        self.lr = W.FloatLogSlider(value=lr, base=10, min=-3, max=1.3, step=0.1, description="learning rate",
                                   readout_format=".3g", continuous_update=False,
                                   style={"description_width": "initial"}, layout=W.Layout(width="360px"))
        self.controls = TrainingControls(self.step, self.reset)
        c = self.controls
        self.play, self.step_button, self.reset_button = c.play, c.step_button, c.reset_button
        self.epoch_label, self.status, self.log = c.epoch_label, c.status, c.log

        fig, (ax_loss, ax_boundary) = plots.new_figure(ncols=2)
        if title:
            fig.suptitle(title)
        self.loss_plot = plots.LossPlot(ax_loss)
        self.boundary_plot = plots.BoundaryPlot(ax_boundary, self.X, self.y)
        self.view = FigureView(fig)

        self.lr.observe(c.capture(lambda change: self.reset()), names="value")
        self.widget = W.VBox([W.HBox([self.lr, c.box]), self.status, self.view.image, self.log])
        self.reset()

    def _new_net(self) -> MLP:
        return MLP(self.sizes, activation=self.activation, output=self.output, seed=self.seed)

    @locked
    def reset(self) -> None:
        """New network (same initial weights), train `initial_epochs` at the current learning rate, redraw."""
        self.net = self._new_net()
        self.trainer = Trainer(self.net, self.X, self.y, loss=self.loss_name, lr=self.lr.value,
                               batch_size=self.batch_size, momentum=self.momentum, seed=self.seed, warn=False)
        self.trainer.run(self.initial_epochs)
        self.redraw()

    @locked
    def step(self) -> None:
        """Train one frame (`epochs_per_frame` epochs) and redraw."""
        if self.history.diverged:
            self.controls.stop()
            return
        self.trainer.run(self.epochs_per_frame)
        self.redraw()

    @property
    def history(self):
        return self.trainer.history

    def accuracy(self) -> float:
        with np.errstate(all="ignore"):
            return float(np.mean(self.net.predict(self.X) == self.y))

    @locked
    def redraw(self) -> None:
        h, c = self.history, self.controls
        self.loss_plot.update(h.loss)
        if h.diverged:
            c.stop()
            c.show_status(h.message, "error")
        else:
            self.boundary_plot.update(self.net)
            c.show_status(f"lr = {self.lr.value:.3g}: loss {h.loss[-1]:.4f}, training accuracy "
                          f"{self.accuracy():.0%}" if h.epochs else "", "info")
        c.show_epoch(h.epochs)
        self.view.redraw()


from .playground import Playground  # noqa: E402
from .explorers import DescentExplorer, FiniteDifferenceExplorer, GraphStepper, SigmoidExplorer  # noqa: E402,F401 (chapters 2-4)
from .conv_view import ConvView  # noqa: E402,F401  (chapter 8)
from .softmax_view import DigitsView, SoftmaxView  # noqa: E402,F401 (chapter 6)
from .autodiff_view import AutodiffView  # noqa: E402,F401  (chapter 9)
