"""FigureView (PNG in an ipywidgets.Image, cached-background redraws), TrainingControls (Play / Step /
Reset) and the chapter-1 TrainingView."""
from __future__ import annotations

import io

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")

from PIL import Image  # noqa: E402

import backprop_lib as bl  # noqa: E402
from backprop_lib import plots  # noqa: E402
from backprop_lib.widgets import FigureView, TrainingControls, TrainingView  # noqa: E402


def pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=int)


# -- FigureView --------------------------------------------------------------------------------------------
def test_figure_view_publishes_the_figure_as_png():
    fig, (ax,) = plots.new_figure(size=(3, 2), dpi=50)
    (line,) = ax.plot([0, 1], [0, 1])
    view = FigureView(fig)
    first = view.image.value
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    assert pixels(first).shape == (100, 150, 3)
    assert view.image.layout.width == "150px"
    line.set_data([0, 1], [1, 0])
    view.redraw()
    assert view.image.value != first
    # figure_png renders the same picture (other compression)
    assert np.array_equal(pixels(view.image.value), pixels(plots.figure_png(fig)))


def test_the_views_renderer_lays_out_text_as_matplotlib_does():
    """The canvas of a FigureView keeps each font's line metrics and file (widgets/base.py): every
    text's layout is matplotlib's own, for several fonts, sizes, multi-line titles, mathtext, log
    tick labels, and again after a change of the font settings."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from backprop_lib.widgets.base import _Canvas

    def layouts(canvas, fig):
        texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_text() and t.get_visible()]
        return [t._get_layout(canvas.get_renderer())[0].bounds for t in texts]

    for family in ("sans-serif", "serif", "monospace"):
        fig, (ax, ax2) = plots.new_figure(ncols=2, size=(3, 2), dpi=80)
        ax.set_yscale("log")
        ax.set_ylim(1e-5, 10)
        ax.set_title("two\nlines", fontsize=9)
        ax.text(0.5, 0.5, "text", family=family, fontsize=13, weight="bold")
        ax2.set_xlabel(r"$\partial L / \partial w$", fontsize=11)
        ax2.text(0.2, 0.2, "small", fontsize=6, family=family)
        ours, plain = _Canvas(fig), FigureCanvasAgg(fig)
        ours.draw()
        plain.draw()
        assert layouts(ours, fig) == layouts(plain, fig), family
        with matplotlib.rc_context({"font.sans-serif": ["DejaVu Serif"]}):
            ours.draw()
            plain.draw()
            assert layouts(ours, fig) == layouts(plain, fig), f"{family}, other font settings"


def test_figure_view_cached_background_draws_the_same_pixels():
    fig, (ax,) = plots.new_figure(size=(3, 2), dpi=50)
    ax.set_xlim(0, 10)
    ax.set_ylim(-1, 1)
    (line,) = ax.plot([], [], lw=2)
    view = FigureView(fig)
    x = np.linspace(0, 10, 50)
    frames = []
    for phase in (0.0, 0.5, 1.0):
        line.set_data(x, np.sin(x + phase))
        view.redraw(dynamic=[line], key=("limits", 0))
        frames.append(view.image.value)
    assert view.full_redraws == 2          # the first plain redraw, then one background for this key
    assert len(set(frames)) == 3
    fast = pixels(frames[-1])
    view.invalidate()
    view.redraw(dynamic=[line], key=("limits", 0))
    assert view.full_redraws == 3
    assert np.array_equal(fast, pixels(view.image.value))
    view.redraw()                          # a plain redraw (no dynamic artists) draws everything;
    # the same but for the layering where the line crosses the axes frame (it is drawn last when blitted)
    assert np.mean(np.any(fast != pixels(view.image.value), axis=-1)) < 0.01
    # a new key (e.g. other axis limits) redraws the background
    ax.set_ylim(-2, 2)
    view.redraw(dynamic=[line], key=("limits", 1))
    assert view.full_redraws == 5 and not np.array_equal(fast, pixels(view.image.value))


# -- TrainingControls -------------------------------------------------------------------------------------
def test_training_controls_call_back_and_show_state():
    calls = []
    c = TrainingControls(lambda: calls.append("step"), lambda: calls.append("reset"), interval=100)
    c.step_button.click()
    c.reset_button.click()
    c.play.value += 1
    assert calls == ["step", "reset", "step"]
    c.play.value += 1                      # straight after the last frame: dropped (no backlog)
    assert calls == ["step", "reset", "step"]
    c._last_frame_end = -np.inf
    c.play.value += 1
    assert calls[-1] == "step" and len(calls) == 4
    c.play.playing = True
    c.stop()
    assert c.play.playing is False
    c.show_epoch(12)
    assert "epoch 12" in c.epoch_label.value
    c.show_status("lr <too> large", "error")
    assert "lr &lt;too&gt; large" in c.status.value and "#b00020" in c.status.value
    c.show_status("")
    assert c.status.value == ""


# -- TrainingView (chapter 1) ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def blobs():
    return bl.datasets.blobs(n=200, classes=2, noise=0.6, seed=0)


def chapter1_view(X, y):
    return TrainingView(X, y, sizes=[2, 1], activation="sigmoid", output="sigmoid", loss="mse", lr=0.5,
                        initial_epochs=100, epochs_per_frame=10, title="one sigmoid neuron")


def test_training_view_like_chapter_1(blobs):
    X, y = blobs
    view = chapter1_view(X, y)
    assert view.history.epochs == 100 and view.accuracy() > 0.95
    assert view.net.sizes == [2, 1] and view.net.output == "sigmoid"
    assert view.view.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert "application/vnd.jupyter.widget-view+json" in view._repr_mimebundle_()
    assert "epoch 100" in view.epoch_label.value
    before = view.view.image.value
    view.step()
    assert view.history.epochs == 110 and view.view.image.value != before
    view.play.value += 1
    assert view.history.epochs == 120


def test_training_view_learning_rate_slider_retrains(blobs):
    X, y = blobs
    view = chapter1_view(X, y)
    w_before, png_before = view.net.layers[0].W.copy(), view.view.image.value
    view.step()
    view.lr.value = 0.01
    assert view.trainer.lr == pytest.approx(0.01)
    assert view.history.epochs == 100                      # retrained from scratch
    assert not np.allclose(view.net.layers[0].W, w_before)
    assert view.view.image.value != png_before
    # the same initial weights: a fresh neuron trained 100 epochs at lr 0.01 ends in the same place
    net = bl.MLP([2, 1], activation="sigmoid", output="sigmoid", seed=0)
    bl.Trainer(net, X, y, loss="mse", lr=view.lr.value, warn=False).run(100)
    np.testing.assert_allclose(view.net.layers[0].W, net.layers[0].W, rtol=1e-12)
    view.reset_button.click()
    assert view.history.epochs == 100


def test_training_view_divergence_stops_and_says_so():
    X, y = bl.datasets.blobs(n=100, classes=2, noise=0.5, seed=0)
    view = TrainingView(X * 1e3, y, sizes=[2, 4, 1], activation="relu", output="identity", loss="mse",
                        lr=10.0, initial_epochs=50)
    assert view.history.diverged
    view.play.playing = True
    view.step()
    assert view.play.playing is False
    assert "learning rate" in view.status.value
